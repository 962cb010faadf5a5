"""Who may see and change attendance and leave.

Class-level questions are answered by ``lms.training.policy`` (``can_run_class``,
``access_class_as_trainee``, ...); these functions add sessions and leave requests. Each
``access_*`` returns the object or raises one ``Http404`` that reads the same for "does not
exist" and "not yours", so ids cannot be probed.
"""

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from lms.accounts.policy import is_signed_in
from lms.enrolment.models import ClassEnrolment
from lms.training.models import ClassSession
from lms.training.policy import can_run_class, enrolment_of, is_supervisor

from .models import LeaveRequest


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _get_session(session_id):
    pk = _int(session_id)
    if pk is None:
        raise Http404(_("No such session."))
    try:
        return ClassSession.objects.select_related(
            "training_class__institution", "training_class__head_teacher", "venue"
        ).get(pk=pk)
    except ClassSession.DoesNotExist:
        raise Http404(_("No such session.")) from None


def access_session_as_head_teacher(user, session_id):
    """The session if ``user`` runs its class (``can_run_class``); the same 404 otherwise."""
    session = _get_session(session_id)
    if not can_run_class(user, session.training_class):
        raise Http404(_("No such session."))
    return session


def access_session_as_trainee(user, session_id):
    """``(session, enrolment)`` if ``user`` is enrolled in the session's class; 404 otherwise."""
    session = _get_session(session_id)
    enrolment = enrolment_of(user, session.training_class)
    if enrolment is None:
        raise Http404(_("No such session."))
    return session, enrolment


def _get_leave_request(request_id):
    pk = _int(request_id)
    if pk is None:
        raise Http404(_("No such leave request."))
    try:
        return LeaveRequest.objects.select_related(
            "enrolment__profile", "enrolment__training_class"
        ).get(pk=pk)
    except LeaveRequest.DoesNotExist:
        raise Http404(_("No such leave request.")) from None


def access_own_leave_request(user, request_id):
    """The leave request if it is ``user``'s own (while enrolled); the same 404 otherwise."""
    leave = _get_leave_request(request_id)
    if not is_signed_in(user) or not (
        leave.enrolment.profile.user_id == user.pk
        and leave.enrolment.status == ClassEnrolment.Status.ENROLLED
    ):
        raise Http404(_("No such leave request."))
    return leave


def access_leave_request_as_head_teacher(user, request_id):
    """The leave request if ``user`` runs its class; the same 404 otherwise."""
    leave = _get_leave_request(request_id)
    if not can_run_class(user, leave.enrolment.training_class):
        raise Http404(_("No such leave request."))
    return leave


def visible_in_admin(user, queryset, class_path):
    """Narrow an admin listing to what ``user`` may see.

    Administrators, officers and superusers see every row; institution staff see the rows of
    their own institutions' classes (``class_path`` leads from the row to its class).
    """
    if not is_signed_in(user):
        return queryset.none()
    if is_supervisor(user):
        return queryset
    return queryset.filter(Q(**{f"{class_path}__institution__staff": user})).distinct()
