"""API endpoints of lms.attendance under /api/v1/ (see docs/api.md).

Trainee: check in with a scanned code, their own attendance, their leave requests (ask,
cancel). Head teacher: a session's roster (read and mark), the class's rates, the class's leave
requests and decisions. The same actions and messages as the site; unknown ids and other
people's ids answer the same 404.
"""

from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from lms.enrolment.models import ClassEnrolment
from lms.training.models import ClassSession
from lms.training.policy import (
    access_class,
    access_class_as_head_teacher,
    access_class_as_trainee,
    can_run_class,
)

from . import actions, policy, rates
from .models import AttendanceRecord, LeaveRequest

router = Router(tags=["attendance"])

MAX_MARKS = 200


# --- Schemas -------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    code: str | None = None
    errors: dict[str, list[str]] | None = None


class SessionOut(Schema):
    id: int
    title: str
    date: date
    starts_at: time
    ends_at: time
    kind: str


class SummaryOut(Schema):
    sessions_ended: int
    present: int
    late: int
    absent: int
    on_leave: int
    rate: float | None = Field(..., description="(present + late) / (sessions ended - on leave)")


class ClassRef(Schema):
    id: int
    code: str
    name: str


class CheckInIn(Schema):
    session: int
    code: str = Field(..., max_length=64)


class RecordOut(Schema):
    session: int
    enrolment: int
    status: str
    status_label: str
    source: str
    checked_in_at: datetime | None


class MySessionOut(SessionOut):
    ended: bool
    status: str | None
    status_label: str | None
    source: str | None
    checked_in_at: datetime | None


class MyAttendanceOut(Schema):
    training_class: ClassRef = Field(..., alias="class")
    summary: SummaryOut
    sessions: list[MySessionOut]


class RosterLineOut(Schema):
    enrolment: int
    trainee: str
    status: str | None
    status_label: str | None
    source: str | None
    checked_in_at: datetime | None
    on_leave: bool = Field(..., description="Approved leave covers this session.")


class SavedOut(Schema):
    created: int
    corrected: int
    unchanged: int


class SessionAttendanceOut(Schema):
    session: SessionOut
    training_class: ClassRef = Field(..., alias="class")
    markable: bool
    not_markable_reason: str | None
    trainees: list[RosterLineOut]
    saved: SavedOut | None = None


class MarkIn(Schema):
    enrolment: int
    status: str = Field(..., max_length=20)
    reason: str = Field("", max_length=actions.MAX_REASON_LENGTH)


class GridTraineeOut(Schema):
    enrolment: int
    trainee: str
    summary: SummaryOut
    marks: list[str | None] = Field(..., description="One status (or null) per session")


class GridSessionOut(SessionOut):
    ended: bool


class ClassAttendanceOut(Schema):
    training_class: ClassRef = Field(..., alias="class")
    summary: SummaryOut
    sessions: list[GridSessionOut]
    trainees: list[GridTraineeOut]


class LeaveOut(Schema):
    id: int
    class_id: int
    enrolment: int
    trainee: str
    status: str
    status_label: str
    reason: str
    sessions: list[SessionOut]
    requested_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decision_comment: str


class LeaveIn(Schema):
    sessions: list[int] = Field(..., max_length=100)
    reason: str = Field(..., max_length=actions.MAX_REASON_LENGTH)


class DecisionIn(Schema):
    approve: bool
    comment: str = Field("", max_length=actions.MAX_REASON_LENGTH)


# --- Helpers ---------------------------------------------------------------------------------


def _error(error):
    """A ``ValidationError`` from an action as the API's 400 body."""
    body = {"detail": " ".join(error.messages), "code": None, "errors": None}
    if hasattr(error, "error_dict"):
        body["errors"] = {
            key: ValidationError(errors).messages for key, errors in error.error_dict.items()
        }
        codes = {e.code for errors in error.error_dict.values() for e in errors if e.code}
    else:
        codes = {e.code for e in error.error_list if e.code}
    if len(codes) == 1:
        body["code"] = codes.pop()
    return Status(400, body)


def _forbidden(error):
    raise HttpError(403, str(error.args[0]) if error.args else "") from None


def _session_out(session):
    return {
        "id": session.pk,
        "title": session.title,
        "date": session.date,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "kind": session.kind,
    }


def _class_ref(training_class):
    return {"id": training_class.pk, "code": training_class.code, "name": training_class.name}


def _record_out(record):
    return {
        "session": record.session_id,
        "enrolment": record.enrolment_id,
        "status": record.status,
        "status_label": str(record.get_status_display()),
        "source": record.source,
        "checked_in_at": record.checked_in_at,
    }


def _leave_out(leave):
    decided_by = leave.decided_by
    return {
        "id": leave.pk,
        "class_id": leave.enrolment.training_class_id,
        "enrolment": leave.enrolment_id,
        "trainee": leave.enrolment.profile.real_name,
        "status": leave.status,
        "status_label": str(leave.get_status_display()),
        "reason": leave.reason,
        "sessions": [_session_out(s) for s in leave.sessions.all()],
        "requested_at": leave.requested_at,
        "decided_at": leave.decided_at,
        "decided_by": decided_by.display_name if decided_by is not None else None,
        "decision_comment": leave.decision_comment,
    }


def _leave_queryset():
    return LeaveRequest.objects.select_related(
        "enrolment__profile", "decided_by__trainee_profile"
    ).prefetch_related(
        Prefetch("sessions", queryset=ClassSession.objects.order_by("date", "starts_at", "pk"))
    )


def _reload_leave(leave):
    return _leave_queryset().get(pk=leave.pk)


# --- Trainee ---------------------------------------------------------------------------------


@router.post(
    "/check-in",
    response={201: RecordOut, 400: ErrorOut},
    summary="Check in to a session with the code from its QR code",
)
def check_in(request, payload: CheckInIn):
    """The code is the ``c`` parameter of the scanned URL. 400 with ``code`` one of
    ``not_open``, ``closed``, ``expired``, ``invalid_code``, ``on_leave``,
    ``already_checked_in``, ``already_marked``, ``class_closed``."""
    session, _enrolment = policy.access_session_as_trainee(request.auth, payload.session)
    try:
        record = actions.check_check_in(session, payload.code, acting_user=request.auth)
    except ValidationError as error:
        return _error(error)
    except PermissionDenied as error:  # pragma: no cover - access checked above
        _forbidden(error)
    return Status(201, _record_out(record))


@router.get(
    "/classes/{class_id}/my-attendance",
    response=MyAttendanceOut,
    by_alias=True,
    summary="My attendance in a class: every session's mark and my rate",
)
def my_attendance(request, class_id: int):
    training_class, enrolment = access_class_as_trainee(request.auth, class_id)
    now = timezone.now()
    sessions = list(training_class.sessions.order_by("date", "starts_at", "pk"))
    marks = {r.session_id: r for r in AttendanceRecord.objects.filter(enrolment=enrolment)}
    summary = rates.summarise(
        marks[s.pk].status if s.pk in marks else None for s in sessions if rates.has_ended(s, now)
    )
    rows = []
    for session in sessions:
        record = marks.get(session.pk)
        rows.append(
            {
                **_session_out(session),
                "ended": rates.has_ended(session, now),
                "status": record.status if record else None,
                "status_label": str(record.get_status_display()) if record else None,
                "source": record.source if record else None,
                "checked_in_at": record.checked_in_at if record else None,
            }
        )
    return {"class": _class_ref(training_class), "summary": summary.as_dict(), "sessions": rows}


@router.get(
    "/classes/{class_id}/leave-requests",
    response={200: list[LeaveOut], 400: ErrorOut},
    summary="Leave requests: a trainee's own, or all of the class for its head teacher",
)
def list_leave_requests(request, class_id: int, status: str | None = None):
    user = request.auth
    training_class = access_class(user, class_id)
    queryset = _leave_queryset().filter(enrolment__training_class=training_class)
    if can_run_class(user, training_class):
        queryset = queryset.order_by("requested_at", "pk")
    elif training_class.viewer_enrolment is not None:
        queryset = queryset.filter(enrolment=training_class.viewer_enrolment)
    else:
        raise Http404
    if status:
        if status not in LeaveRequest.Status.values:
            return Status(
                400,
                {
                    "detail": _("Unknown status: use one of %(statuses)s.")
                    % {"statuses": ", ".join(LeaveRequest.Status.values)},
                    "code": "invalid_status",
                },
            )
        queryset = queryset.filter(status=status)
    return [_leave_out(leave) for leave in queryset]


@router.post(
    "/classes/{class_id}/leave-requests",
    response={201: LeaveOut, 400: ErrorOut},
    summary="Ask for leave for future sessions of my class",
)
def create_leave_request(request, class_id: int, payload: LeaveIn):
    training_class, enrolment = access_class_as_trainee(request.auth, class_id)
    enrolment.training_class = training_class
    try:
        leave = actions.check_request_leave(
            enrolment, payload.sessions, reason=payload.reason, acting_user=request.auth
        )
    except ValidationError as error:
        return _error(error)
    except PermissionDenied as error:  # pragma: no cover - access checked above
        _forbidden(error)
    return Status(201, _leave_out(_reload_leave(leave)))


@router.post(
    "/leave-requests/{leave_id}/cancel",
    response={200: LeaveOut, 400: ErrorOut},
    summary="Cancel my leave request while it awaits a decision",
)
def cancel_leave_request(request, leave_id: int):
    leave = policy.access_own_leave_request(request.auth, leave_id)
    try:
        actions.check_cancel_leave(leave, acting_user=request.auth)
    except ValidationError as error:
        return _error(error)
    except PermissionDenied as error:  # pragma: no cover
        _forbidden(error)
    return _leave_out(_reload_leave(leave))


# --- Head teacher ----------------------------------------------------------------------------


def _session_attendance(session, saved=None):
    enrolments = (
        ClassEnrolment.objects.filter(
            training_class_id=session.training_class_id, status=ClassEnrolment.Status.ENROLLED
        )
        .select_related("profile")
        .order_by("profile__real_name", "pk")
    )
    records = {r.enrolment_id: r for r in AttendanceRecord.objects.filter(session=session)}
    on_leave = actions.approved_leave_enrolment_ids(session)
    problem = actions.markable_error(session)
    lines = []
    for enrolment in enrolments:
        record = records.get(enrolment.pk)
        lines.append(
            {
                "enrolment": enrolment.pk,
                "trainee": enrolment.profile.real_name,
                "status": record.status if record else None,
                "status_label": str(record.get_status_display()) if record else None,
                "source": record.source if record else None,
                "checked_in_at": record.checked_in_at if record else None,
                "on_leave": enrolment.pk in on_leave,
            }
        )
    return {
        "session": _session_out(session),
        "class": _class_ref(session.training_class),
        "markable": problem is None,
        "not_markable_reason": problem,
        "trainees": lines,
        "saved": saved,
    }


@router.get(
    "/sessions/{session_id}/attendance",
    response=SessionAttendanceOut,
    by_alias=True,
    summary="A session's roster with each trainee's mark (head teacher)",
)
def session_attendance(request, session_id: int):
    session = policy.access_session_as_head_teacher(request.auth, session_id)
    return _session_attendance(session)


@router.put(
    "/sessions/{session_id}/attendance",
    response={200: SessionAttendanceOut, 400: ErrorOut},
    by_alias=True,
    summary="Mark or correct trainees' attendance in a session, all or nothing (head teacher)",
)
def mark_session_attendance(request, session_id: int, payload: list[MarkIn]):
    """Send only the trainees to mark. Changing a saved mark needs a ``reason``. Errors are
    keyed ``status-<enrolment>``, ``reason-<enrolment>`` or ``__all__``."""
    session = policy.access_session_as_head_teacher(request.auth, session_id)
    if len(payload) > MAX_MARKS:
        raise HttpError(400, _("Too many trainees in one request."))
    marks = [actions.Mark(m.enrolment, m.status, m.reason) for m in payload]
    try:
        result = actions.check_mark_attendance(session, marks, acting_user=request.auth)
    except ValidationError as error:
        return _error(error)
    except PermissionDenied as error:  # pragma: no cover
        _forbidden(error)
    saved = {
        "created": len(result.created),
        "corrected": len(result.corrected),
        "unchanged": result.unchanged,
    }
    return _session_attendance(session, saved)


@router.get(
    "/classes/{class_id}/attendance",
    response=ClassAttendanceOut,
    by_alias=True,
    summary="Every trainee's marks and attendance rate in a class (head teacher)",
)
def class_attendance(request, class_id: int):
    training_class = access_class_as_head_teacher(request.auth, class_id)
    grid = rates.load_class_grid(training_class)
    return {
        "class": _class_ref(training_class),
        "summary": grid.summary.as_dict(),
        "sessions": [
            {**_session_out(s), "ended": ended}
            for s, ended in zip(grid.sessions, grid.ended, strict=True)
        ],
        "trainees": [
            {
                "enrolment": row.enrolment.pk,
                "trainee": row.enrolment.profile.real_name,
                "summary": row.summary.as_dict(),
                "marks": [cell.status if cell else None for cell in row.cells],
            }
            for row in grid.rows
        ],
    }


@router.post(
    "/leave-requests/{leave_id}/decision",
    response={200: LeaveOut, 400: ErrorOut},
    summary="Approve or reject a leave request (head teacher; rejecting needs a comment)",
)
def decide_leave_request(request, leave_id: int, payload: DecisionIn):
    leave = policy.access_leave_request_as_head_teacher(request.auth, leave_id)
    try:
        actions.check_decide_leave(
            leave, approve=payload.approve, comment=payload.comment, acting_user=request.auth
        )
    except ValidationError as error:
        return _error(error)
    except PermissionDenied as error:  # pragma: no cover
        _forbidden(error)
    return _leave_out(_reload_leave(leave))
