"""Who may read which course, and who may see whose progress. Pages, views and the API ask here."""

from django.http import Http404
from django.utils.translation import gettext as _

from lms.accounts.roles import Role

# Roles that may read every course, open or not, to review and supervise it.
READ_ALL_ROLES = {Role.ADMINISTRATOR, Role.COMMERCE_OFFICER}

# Roles that may see every course's progress report. Head teachers are here for now
# because classes do not exist yet; the classes issue narrows them to their own classes'
# trainees.
REPORT_ALL_ROLES = {Role.ADMINISTRATOR, Role.COMMERCE_OFFICER, Role.HEAD_TEACHER}


def _active(user):
    return user.is_authenticated and user.is_active


def is_course_lecturer(user, course):
    return course.lecturers.filter(user=user).exists()


def can_read_course(user, course):
    """Open courses: anyone. Others: enrolled trainees, the course's lecturers, supervisors."""
    if course.open_to_public:
        return True
    if not _active(user):
        return False
    if user.is_superuser or user.role_codes() & {r.value for r in READ_ALL_ROLES}:
        return True
    if course.enrolments.filter(user=user).exists():
        return True
    return is_course_lecturer(user, course)


def access_course(user, course_id):
    """The live course if ``user`` may read it; the same 404 for unknown and unreadable ids."""
    from courses_content.models import CoursePage

    try:
        course = CoursePage.objects.live().get(pk=int(course_id))
    except (CoursePage.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such course.")) from None
    if not can_read_course(user, course):
        raise Http404(_("No such course."))
    return course


def access_lesson(user, lesson_id):
    """The live lesson if ``user`` may read its (live) course; one 404 for unknown and unreadable.

    The lesson's ``course`` is filled in, so callers need not ask for it again.
    """
    from courses_content.models import CoursePage, LessonPage

    try:
        lesson = LessonPage.objects.live().get(pk=int(lesson_id))
        course = CoursePage.objects.live().get(path=lesson.path[: -lesson.steplen])
    except (LessonPage.DoesNotExist, CoursePage.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such lesson.")) from None
    if not can_read_course(user, course):
        raise Http404(_("No such lesson."))
    # LessonPage.course asks the database each time; keep the answer on the instance.
    lesson.live_course = course
    return lesson


def course_of(lesson):
    """The lesson's course, without a query when it came through ``access_lesson``."""
    return getattr(lesson, "live_course", None) or lesson.course


def can_see_all_reports(user):
    """Supervisors and (for now) every head teacher see every course's progress report."""
    if not _active(user):
        return False
    return user.is_superuser or bool(user.role_codes() & {r.value for r in REPORT_ALL_ROLES})


def courses_reportable_by(user):
    """The live courses whose progress report ``user`` may see."""
    from courses_content.models import CoursePage

    courses = CoursePage.objects.live().defer_streamfields().order_by("path")
    if can_see_all_reports(user):
        return courses
    if not _active(user):
        return courses.none()
    return courses.filter(lecturers__user=user).distinct()


def access_course_report(user, course_id):
    """The course if ``user`` may see its progress report: the course's lecturers,
    administrators, commerce officers and head teachers. Everyone else, and unknown ids,
    get the same 404."""
    from courses_content.models import CoursePage

    if not _active(user):
        raise Http404(_("No such course."))
    try:
        course = CoursePage.objects.live().get(pk=int(course_id))
    except (CoursePage.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such course.")) from None
    if can_see_all_reports(user) or is_course_lecturer(user, course):
        return course
    raise Http404(_("No such course."))
