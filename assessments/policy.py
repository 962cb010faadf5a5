"""Who may do what with questions, exams, attempts and certificates (see docs/exams.md).

Every function answers for one user and one object; an object the user may not see gets the
same ``Http404`` as one that does not exist.

- The question bank: lecturers for the courses they teach (``CoursePage.lecturers``), and
  administrators.
- Exams and their assignment to a class, extra time, grading and results: the class's head
  teacher and lecturers, and administrators.
- Taking an exam: trainees enrolled in the class; an attempt only by its own trainee.
- Issuing certificates for a class: the head teacher, the class's institution staff, commerce
  officers and administrators. Revoking and reissuing: commerce officers and administrators.
  The certificate register: commerce and finance officers, administrators. Verification:
  anyone, without signing in.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from lms.accounts.policy import is_signed_in
from lms.training.policy import (
    enrolment_of,
    is_administrator,
    staffed_institution_ids,
)


def lectures_course(user, course):
    """Does ``user`` teach ``course`` (a ``CoursePage``)?"""
    if not is_signed_in(user):
        return False
    return course.lecturers.filter(user=user).exists()


def can_edit_bank(user, course):
    return is_administrator(user) or lectures_course(user, course)


def bank_courses_of(user):
    """The courses whose questions and exams ``user`` may edit."""
    from courses_content.models import CoursePage

    if is_administrator(user):
        return CoursePage.objects.all()
    if not is_signed_in(user):
        return CoursePage.objects.none()
    return CoursePage.objects.filter(lecturers__user=user).distinct()


def teaches_class(user, training_class):
    """The class's head teacher and lecturers, and administrators."""
    if not is_signed_in(user):
        return False
    return (
        training_class.head_teacher_id == user.pk
        or is_administrator(user)
        or training_class.lecturers.filter(user=user).exists()
    )


def access_assignment_as_teacher(user, assignment_id):
    from .models import ExamAssignment

    assignment = _get(
        ExamAssignment.objects.select_related("exam", "training_class"), assignment_id
    )
    if not teaches_class(user, assignment.training_class):
        raise Http404(_("No such exam."))
    return assignment


def access_assignment_as_trainee(user, assignment_id):
    """An assignment of a class ``user`` is enrolled in; the same 404 otherwise."""
    from .models import ExamAssignment

    assignment = _get(
        ExamAssignment.objects.select_related("exam", "training_class"), assignment_id
    )
    if enrolment_of(user, assignment.training_class) is None:
        raise Http404(_("No such exam."))
    return assignment


def access_own_attempt(user, attempt_id, *, for_update=False):
    """The user's own attempt; someone else's gets the same 404 as an unknown id."""
    from .models import Attempt

    if not is_signed_in(user):
        raise Http404(_("No such exam."))
    queryset = Attempt.objects.select_related("assignment__exam", "assignment__training_class")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    return _get(queryset.filter(user_id=user.pk), attempt_id)


def can_issue_certificates(user, training_class):
    if not is_signed_in(user):
        return False
    return (
        is_administrator(user)
        or user.has_role("commerce_officer")
        or training_class.head_teacher_id == user.pk
        or training_class.institution_id in staffed_institution_ids(user)
    )


def can_revoke_certificates(user):
    return is_signed_in(user) and (is_administrator(user) or user.has_role("commerce_officer"))


def can_see_register(user):
    return is_signed_in(user) and (
        is_administrator(user)
        or user.has_role("commerce_officer")
        or user.has_role("finance_officer")
    )


def _get(queryset, object_id):
    try:
        return queryset.get(pk=int(object_id))
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such exam.")) from None
