"""Who may read which course, and who may see whose progress. Pages, views and the API ask here.

A non-open course is read by the people who study or teach it: a trainee ENROLLED in a class
whose plan includes the course (``ClassEnrolment`` status enrolled), the head teacher and
lecturers of such a class, a trainee an administrator assigned to it (``CourseEnrolment``), the
course's own lecturers, and supervisors.

Progress reports come two ways: per course (the course's lecturers and supervisors) and per
class (``access_class_report``: the class's head teacher and lecturers, staff of its
institution, and officers). Head teachers see their own classes only.
"""

from django.db.models import Exists, Q
from django.http import Http404
from django.utils.translation import gettext as _

from lms.accounts.policy import is_signed_in
from lms.accounts.roles import Role

# Roles that may read every course, open or not, to review and supervise it.
READ_ALL_ROLES = {Role.ADMINISTRATOR, Role.COMMERCE_OFFICER}

# Roles that may see every course's progress report.
REPORT_ALL_ROLES = {Role.ADMINISTRATOR, Role.COMMERCE_OFFICER}

# Roles whose holders may have class or course reports to read; the report index answers
# them with a page (perhaps empty) rather than a 404.
REPORT_ROLES = {
    Role.ADMINISTRATOR,
    Role.COMMERCE_OFFICER,
    Role.FINANCE_OFFICER,
    Role.INSTITUTION_STAFF,
    Role.LECTURER,
    Role.HEAD_TEACHER,
}


def is_course_lecturer(user, course):
    return course.lecturers.filter(user=user).exists()


def _class_grants(user, course):
    """The classes through which ``user`` may study ``course``: enrolled in, head teacher of,
    or lecturing a class whose plan includes the course."""
    from lms.enrolment.models import ClassEnrolment
    from lms.training.models import TrainingClass

    return TrainingClass.objects.filter(plan__courses=course).filter(
        Q(head_teacher=user)
        | Q(lecturers__user=user)
        | Q(
            enrolments__profile__user=user,
            enrolments__status=ClassEnrolment.Status.ENROLLED,
        )
    )


def is_enrolled_in_course(user, course):
    """Assigned by an administrator or taking part in a class that studies it (one query)."""
    from django.contrib.auth import get_user_model

    from .models import CourseEnrolment

    assigned = CourseEnrolment.objects.filter(user=user, course=course)
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .filter(Exists(assigned) | Exists(_class_grants(user, course)))
        .exists()
    )


def can_read_course(user, course):
    """Open courses: anyone. Others: trainees enrolled in a class that studies the course (and
    that class's head teacher and lecturers), trainees assigned to it, the course's lecturers,
    supervisors."""
    if course.open_to_public:
        return True
    if not is_signed_in(user):
        return False
    if user.is_superuser or user.role_codes() & {r.value for r in READ_ALL_ROLES}:
        return True
    if is_enrolled_in_course(user, course):
        return True
    return is_course_lecturer(user, course)


def learners_of(course):
    """The users who study ``course``: assigned to it, or enrolled in a class whose plan
    includes it. A queryset of users, each once."""
    from django.contrib.auth import get_user_model

    from lms.enrolment.models import ClassEnrolment
    from lms.training.models import TrainingClass

    class_ids = TrainingClass.objects.filter(plan__courses=course).values("pk")
    enrolled = ClassEnrolment.objects.filter(
        training_class__in=class_ids, status=ClassEnrolment.Status.ENROLLED
    ).values("profile__user")
    return (
        get_user_model()
        .objects.filter(Q(course_enrolments__course=course) | Q(pk__in=enrolled))
        .distinct()
    )


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
    """Administrators and commerce officers see every course's progress report."""
    if not is_signed_in(user):
        return False
    return user.is_superuser or bool(user.role_codes() & {r.value for r in REPORT_ALL_ROLES})


def may_have_reports(user):
    """Whether the report index is a page for ``user`` (else 404): report roles only."""
    if not is_signed_in(user):
        return False
    return user.is_superuser or bool(user.role_codes() & {r.value for r in REPORT_ROLES})


def courses_reportable_by(user):
    """The live courses whose progress report ``user`` may see."""
    from courses_content.models import CoursePage

    courses = CoursePage.objects.live().defer_streamfields().order_by("path")
    if can_see_all_reports(user):
        return courses
    if not is_signed_in(user):
        return courses.none()
    return courses.filter(lecturers__user=user).distinct()


def access_course_report(user, course_id):
    """The course if ``user`` may see its progress report: the course's lecturers,
    administrators and commerce officers. Everyone else, and unknown ids, get the same 404.
    Head teachers read their classes' reports (``access_class_report``)."""
    from courses_content.models import CoursePage

    if not is_signed_in(user):
        raise Http404(_("No such course."))
    try:
        course = CoursePage.objects.live().get(pk=int(course_id))
    except (CoursePage.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such course.")) from None
    if can_see_all_reports(user) or is_course_lecturer(user, course):
        return course
    raise Http404(_("No such course."))


# --- Class progress reports -------------------------------------------------------------------


def classes_reportable_by(user):
    """The classes whose progress report ``user`` may see: officers and administrators every
    class; others the classes they are head teacher or lecturer of, or whose institution they
    work for."""
    from lms.training.models import TrainingClass
    from lms.training.policy import is_supervisor

    classes = TrainingClass.objects.select_related("institution").order_by("-start_date", "code")
    if not is_signed_in(user):
        return classes.none()
    if is_supervisor(user):
        return classes
    return classes.filter(
        Q(head_teacher=user) | Q(lecturers__user=user) | Q(institution__staff=user)
    ).distinct()


def access_class_report(user, class_id):
    """The class if ``user`` may see its progress report: its head teacher and lecturers, staff
    of its institution, officers and administrators. Its trainees, everyone else and unknown
    ids get the class page's 404."""
    from lms.training.policy import ClassRole, access_class

    training_class = access_class(user, class_id)
    readers = {ClassRole.HEAD_TEACHER, ClassRole.LECTURER, ClassRole.STAFF, ClassRole.SUPERVISOR}
    if not training_class.viewer_roles & readers:
        raise Http404(_("No such class."))
    return training_class
