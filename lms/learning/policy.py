"""Who may read which course. Pages, views and the API all ask here."""

from lms.accounts.roles import Role

# Roles that may read every course, open or not, to review and supervise it.
READ_ALL_ROLES = {Role.ADMINISTRATOR, Role.COMMERCE_OFFICER}


def is_course_lecturer(user, course):
    return course.lecturers.filter(user=user).exists()


def can_read_course(user, course):
    """Open courses: anyone. Others: enrolled trainees, the course's lecturers, supervisors."""
    if course.open_to_public:
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.role_codes() & {r.value for r in READ_ALL_ROLES}:
        return True
    if course.enrolments.filter(user=user).exists():
        return True
    return is_course_lecturer(user, course)
