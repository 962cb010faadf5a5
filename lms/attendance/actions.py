"""Changes to attendance and leave. Site pages, the API and the admin all call these.

``check_<verb>`` authorises (``PermissionDenied``) and validates (``ValidationError`` with a
translated message, keyed by field where it helps, and a ``code`` tests and clients can rely
on); then ``do_<verb>`` changes the rows atomically and writes the audit rows. A failed check
changes nothing.

Serialisation: marking locks the session row, a check-in and a leave request lock the trainee's
enrolment row, and a leave decision updates the request only if it is still pending; the
``unique_attendance`` constraint (one record per trainee and session) is the last guard, so two
taps on "check in" make one record.
"""

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lms.audit.actions import record
from lms.enrolment.models import ClassEnrolment
from lms.training.models import ClassSession, TrainingClass
from lms.training.policy import can_run_class

from . import checkin
from .models import AttendanceCorrection, AttendanceRecord, LeaveRequest

Status = AttendanceRecord.Status
Source = AttendanceRecord.Source
LeaveStatus = LeaveRequest.Status

MAX_REASON_LENGTH = 1000
# Leave requests that cover their sessions: a session in one of these cannot be asked again.
ACTIVE_LEAVE = (LeaveStatus.PENDING, LeaveStatus.APPROVED)
CLOSED_CLASS = (TrainingClass.Status.ARCHIVED,)
ATTENDED = (Status.PRESENT, Status.LATE)


def _time(value):
    return formats.time_format(timezone.localtime(value), "H:i")


def _user_or_none(user):
    return user if user is not None and getattr(user, "pk", None) else None


def _field_error(field_name, message, code):
    """A ``ValidationError`` keyed by ``field_name`` whose error keeps ``code``."""
    return ValidationError({field_name: ValidationError(message, code=code)})


def _clean_text(value, *, field_name, required_message=None):
    text = (value or "").strip()
    if required_message and not text:
        raise _field_error(field_name, required_message, "required")
    if len(text) > MAX_REASON_LENGTH:
        raise _field_error(
            field_name,
            _("This can be at most %(n)d characters.") % {"n": MAX_REASON_LENGTH},
            "too_long",
        )
    return text


def _session_list(sessions):
    return _("; ").join(f"{s.date:%m-%d} {s.starts_at:%H:%M} {s.title}" for s in sessions)


def approved_leave_enrolment_ids(session):
    """Ids of the enrolments with approved leave for ``session`` (one query)."""
    return set(
        LeaveRequest.objects.filter(sessions=session, status=LeaveStatus.APPROVED).values_list(
            "enrolment_id", flat=True
        )
    )


def has_approved_leave(enrolment, session):
    return LeaveRequest.objects.filter(
        enrolment=enrolment, sessions=session, status=LeaveStatus.APPROVED
    ).exists()


# --- Marking by the head teacher -----------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """One line of the roster form: this enrolment gets this status (with a reason when it
    changes an existing mark)."""

    enrolment_id: int
    status: str
    reason: str = ""


@dataclass
class MarkingResult:
    created: list = field(default_factory=list)  # AttendanceRecord
    corrected: list = field(default_factory=list)  # AttendanceCorrection
    unchanged: int = 0


def markable_error(session, *, today=None):
    """Why ``session`` cannot be marked now (a message), or None."""
    today = today or timezone.localdate()
    if session.training_class.status in CLOSED_CLASS:
        return _("This class is archived; its attendance can no longer change.")
    if today < session.date:
        return _("Attendance for this session can be marked from %(date)s.") % {
            "date": formats.date_format(session.date, "Y-m-d")
        }
    return None


def status_field(enrolment_id):
    return f"status-{enrolment_id}"


def reason_field(enrolment_id):
    return f"reason-{enrolment_id}"


def check_mark_attendance(session, marks, *, acting_user):
    """Mark (or correct) the attendance of several trainees in ``session``, all or nothing.

    ``marks`` is a list of ``Mark``. A mark equal to the one recorded changes nothing; a
    different one is a correction and needs a reason. Raises ``PermissionDenied`` unless
    ``acting_user`` runs the class, and ``ValidationError`` keyed ``status-<enrolment id>`` /
    ``reason-<enrolment id>`` (or ``__all__``) for bad input. Returns a ``MarkingResult``.
    """
    training_class = session.training_class
    if not can_run_class(acting_user, training_class):
        raise PermissionDenied(_("Only the class's head teacher may mark attendance."))
    problem = markable_error(session)
    if problem:
        raise ValidationError(problem, code="not_markable")

    errors = {}
    cleaned = []
    seen = set()
    for mark in marks:
        try:
            enrolment_id = int(mark.enrolment_id)
        except (TypeError, ValueError):
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("Only trainees enrolled in this class can be marked.")
            )
            continue
        if enrolment_id in seen:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _("Each trainee can be marked only once at a time.")
            )
            continue
        seen.add(enrolment_id)
        if mark.status not in Status.values:
            errors[status_field(enrolment_id)] = [_("Choose present, late, absent or on leave.")]
            continue
        reason = (mark.reason or "").strip()
        if len(reason) > MAX_REASON_LENGTH:
            errors[reason_field(enrolment_id)] = [
                _("This can be at most %(n)d characters.") % {"n": MAX_REASON_LENGTH}
            ]
            continue
        cleaned.append(Mark(enrolment_id, Status(mark.status), reason))
    if not marks:
        errors.setdefault(NON_FIELD_ERRORS, []).append(_("Mark at least one trainee."))

    with transaction.atomic():
        # One marker at a time per session; check-ins wait for this form to be saved.
        ClassSession.objects.select_for_update().filter(pk=session.pk).first()
        enrolments = {
            e.pk: e
            for e in ClassEnrolment.objects.filter(
                training_class=training_class, status=ClassEnrolment.Status.ENROLLED
            ).select_related("profile")
        }
        records = {r.enrolment_id: r for r in AttendanceRecord.objects.filter(session=session)}
        on_leave = approved_leave_enrolment_ids(session)
        changes = []
        for mark in cleaned:
            enrolment = enrolments.get(mark.enrolment_id)
            if enrolment is None:
                message = _("Only trainees enrolled in this class can be marked.")
                if message not in errors.get(NON_FIELD_ERRORS, []):
                    errors.setdefault(NON_FIELD_ERRORS, []).append(message)
                continue
            name = enrolment.profile.real_name
            if mark.status == Status.ABSENT and enrolment.pk in on_leave:
                errors[status_field(enrolment.pk)] = [
                    _(
                        "%(name)s is on approved leave for this session: mark them on leave, "
                        "not absent."
                    )
                    % {"name": name}
                ]
                continue
            existing = records.get(enrolment.pk)
            if existing is not None and existing.status == mark.status:
                continue
            if existing is not None and not mark.reason:
                errors[reason_field(enrolment.pk)] = [
                    _("%(name)s is already marked %(from)s: give the reason for the change.")
                    % {"name": name, "from": Status(existing.status).label}
                ]
                continue
            changes.append((enrolment, existing, mark))
        if errors:
            raise ValidationError(errors)
        result = do_mark_attendance(session, changes, acting_user=acting_user)
        result.unchanged = len(cleaned) - len(changes)
        return result


def do_mark_attendance(session, changes, *, acting_user):
    """Write validated marks: ``changes`` is ``[(enrolment, existing record or None, Mark)]``.

    New marks are created (source ``head_teacher``) and audited together as
    ``attendance.marked``; changed marks get an ``AttendanceCorrection`` and an
    ``attendance.corrected`` audit row each.
    """
    result = MarkingResult()
    actor = _user_or_none(acting_user)
    created_changes = {}
    try:
        with transaction.atomic():
            for enrolment, existing, mark in changes:
                if existing is None:
                    result.created.append(
                        AttendanceRecord.objects.create(
                            session=session,
                            enrolment=enrolment,
                            status=mark.status,
                            source=Source.HEAD_TEACHER,
                            marked_by=actor,
                        )
                    )
                    created_changes[str(enrolment.pk)] = [None, str(mark.status)]
                else:
                    result.corrected.append(
                        _correct(existing, mark.status, Source.HEAD_TEACHER, mark.reason, actor)
                    )
            if created_changes:
                record("attendance.marked", session, actor=actor, changes=created_changes)
    except IntegrityError:
        raise ValidationError(
            _("Someone changed this session's attendance meanwhile; reload and try again."),
            code="conflict",
        ) from None
    return result


def _correct(existing, to_status, source, reason, actor):
    """Change ``existing`` to ``to_status`` and keep the correction (and an audit row)."""
    from_status = existing.status
    correction = AttendanceCorrection.objects.create(
        record=existing,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        corrected_by=actor,
    )
    existing.status = to_status
    existing.source = source
    existing.marked_by = actor
    existing.save(update_fields=["status", "source", "marked_by", "updated_at"])
    record(
        "attendance.corrected",
        existing,
        actor=actor,
        changes={"status": [str(from_status), str(to_status)], "source": str(source)},
        reason=reason,
    )
    return correction


# --- QR check-in -----------------------------------------------------------------------------


def check_in_error(session, enrolment, code, *, at=None):
    """The first reason ``enrolment`` cannot check in to ``session`` with ``code`` at ``at``,
    as a ``ValidationError`` (with a ``code``), or None. Reads, never writes."""
    at = at or timezone.now()
    if session.training_class.status in CLOSED_CLASS:
        return ValidationError(
            _("This class is archived; check-in is closed."), code="class_closed"
        )
    opens, closes = checkin.window(session)
    state = checkin.window_state(session, at)
    if state == "before":
        return ValidationError(
            _("Check-in for this session opens at %(time)s.") % {"time": _time(opens)},
            code="not_open",
        )
    if state == "closed":
        return ValidationError(
            _("Check-in for this session closed at %(time)s.") % {"time": _time(closes)},
            code="closed",
        )
    verdict = checkin.verify_code(session.pk, code, at)
    if verdict == checkin.CodeCheck.EXPIRED:
        return ValidationError(
            _("This code has expired. Scan the code shown in the room now."), code="expired"
        )
    if verdict != checkin.CodeCheck.VALID:
        return ValidationError(
            _("This code is not valid for this session. Scan the code shown in the room."),
            code="invalid_code",
        )
    if has_approved_leave(enrolment, session):
        return ValidationError(
            _(
                "You are on approved leave for this session, so you cannot check in. "
                "If you came after all, ask the head teacher to mark you present."
            ),
            code="on_leave",
        )
    existing = AttendanceRecord.objects.filter(session=session, enrolment=enrolment).first()
    if existing is not None:
        return _already_recorded(existing)
    return None


def _already_recorded(existing):
    if existing.checked_in_at is not None:
        return ValidationError(
            _("You already checked in at %(time)s.") % {"time": _time(existing.checked_in_at)},
            code="already_checked_in",
        )
    return ValidationError(
        _(
            "Your attendance for this session is already recorded as %(status)s. "
            "If it is wrong, ask the head teacher."
        )
        % {"status": Status(existing.status).label},
        code="already_marked",
    )


def check_check_in(session, code, *, acting_user, at=None):
    """Check ``acting_user`` in to ``session`` with the scanned ``code``; returns the record.

    Raises ``PermissionDenied`` unless they are enrolled in the class, and ``ValidationError``
    (codes ``class_closed``, ``not_open``, ``closed``, ``expired``, ``invalid_code``,
    ``on_leave``, ``already_checked_in``, ``already_marked``) otherwise; nothing changes then.
    """
    from lms.training.policy import enrolment_of

    at = at or timezone.now()
    enrolment = enrolment_of(acting_user, session.training_class)
    if enrolment is None:
        raise PermissionDenied(_("Only trainees enrolled in this class can check in."))
    with transaction.atomic():
        # Double taps (or two phones) for one trainee wait here and then see the first record.
        ClassEnrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        error = check_in_error(session, enrolment, code, at=at)
        if error is not None:
            raise error
        return do_check_in(session, enrolment, at=at, acting_user=acting_user)


def do_check_in(session, enrolment, *, at, acting_user):
    """Record a check-in at ``at``: present, or late after the late threshold."""
    try:
        with transaction.atomic():
            return AttendanceRecord.objects.create(
                session=session,
                enrolment=enrolment,
                status=checkin.status_at(session, at),
                source=Source.CHECK_IN,
                checked_in_at=at,
                marked_by=_user_or_none(acting_user),
            )
    except IntegrityError:
        existing = AttendanceRecord.objects.get(session=session, enrolment=enrolment)
        raise _already_recorded(existing) from None


# --- Leave -------------------------------------------------------------------------------------


def leave_choices(enrolment, *, now=None):
    """The sessions ``enrolment`` may still ask leave for: not started, not already covered by
    a pending or approved request. Two queries."""
    now = now or timezone.now()
    covered = set(
        LeaveRequest.objects.filter(enrolment=enrolment, status__in=ACTIVE_LEAVE).values_list(
            "sessions", flat=True
        )
    )
    return [
        session
        for session in enrolment.training_class.sessions.order_by("date", "starts_at", "pk")
        if session.starts() > now and session.pk not in covered
    ]


def _own_enrolment(enrolment, user):
    return (
        user is not None
        and user.is_authenticated
        and enrolment.profile.user_id == user.pk
        and enrolment.status == ClassEnrolment.Status.ENROLLED
    )


def check_request_leave(enrolment, session_ids, *, reason, acting_user, now=None):
    """A trainee asks leave for some future sessions of their class; returns the request.

    Refused (``ValidationError`` keyed ``sessions`` or ``reason``) for no sessions, sessions
    of another class, sessions already started, sessions already in a pending or approved
    request, and a missing reason. Only the trainee themself may ask (``PermissionDenied``).
    """
    now = now or timezone.now()
    if not _own_enrolment(enrolment, acting_user):
        raise PermissionDenied(_("Only the trainee may ask for their own leave."))
    training_class = enrolment.training_class
    if training_class.status in CLOSED_CLASS:
        raise ValidationError(
            _("This class is archived; leave can no longer be asked for."), code="class_closed"
        )
    reason = _clean_text(
        reason, field_name="reason", required_message=_("Give the reason for your leave.")
    )
    try:
        ids = {int(pk) for pk in session_ids or ()}
    except (TypeError, ValueError):
        ids = {-1}
    if not ids:
        raise _field_error("sessions", _("Choose at least one session."), "no_sessions")
    sessions = list(
        ClassSession.objects.filter(training_class=training_class, pk__in=ids).order_by(
            "date", "starts_at", "pk"
        )
    )
    if len(sessions) != len(ids):
        raise _field_error("sessions", _("Choose sessions of your class."), "other_sessions")
    started = [s for s in sessions if s.starts() <= now]
    if started:
        raise _field_error(
            "sessions",
            _("Leave can only be asked for sessions that have not started yet: %(sessions)s.")
            % {"sessions": _session_list(started)},
            "started",
        )
    with transaction.atomic():
        ClassEnrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        covered_ids = set(
            LeaveRequest.objects.filter(
                enrolment=enrolment, status__in=ACTIVE_LEAVE, sessions__in=sessions
            ).values_list("sessions", flat=True)
        )
        covered = [s for s in sessions if s.pk in covered_ids]
        if covered:
            raise _field_error(
                "sessions",
                _("You have already asked for leave for: %(sessions)s.")
                % {"sessions": _session_list(covered)},
                "overlap",
            )
        return do_request_leave(enrolment, sessions, reason=reason, acting_user=acting_user)


def do_request_leave(enrolment, sessions, *, reason, acting_user):
    with transaction.atomic():
        leave = LeaveRequest.objects.create(enrolment=enrolment, reason=reason)
        leave.sessions.set(sessions)
        record(
            "leave.requested",
            leave,
            actor=_user_or_none(acting_user),
            changes={
                "status": [None, LeaveStatus.PENDING.value],
                "sessions": [s.pk for s in sessions],
            },
            reason=reason,
        )
    return leave


def check_cancel_leave(leave, *, acting_user):
    """The trainee withdraws their own request while it awaits a decision."""
    if not _own_enrolment(leave.enrolment, acting_user):
        raise PermissionDenied(_("Only the trainee may cancel their own leave request."))
    if leave.status != LeaveStatus.PENDING:
        raise ValidationError(
            _("Only a request awaiting a decision can be cancelled; this one is %(status)s.")
            % {"status": LeaveStatus(leave.status).label},
            code="not_pending",
        )
    return do_cancel_leave(leave, acting_user=acting_user)


def do_cancel_leave(leave, *, acting_user):
    with transaction.atomic():
        updated = LeaveRequest.objects.filter(pk=leave.pk, status=LeaveStatus.PENDING).update(
            status=LeaveStatus.CANCELLED
        )
        if not updated:
            raise ValidationError(
                _("This request was decided meanwhile; reload the page."), code="conflict"
            )
        leave.status = LeaveStatus.CANCELLED
        record(
            "leave.cancelled",
            leave,
            actor=_user_or_none(acting_user),
            changes={"status": [LeaveStatus.PENDING.value, LeaveStatus.CANCELLED.value]},
        )
    return leave


def check_decide_leave(leave, *, approve, comment, acting_user):
    """The head teacher approves or rejects a pending request (a rejection needs a comment).

    Approval marks each of its sessions on leave (source ``leave``). A session the trainee
    already attended (present or late) keeps its mark; an absent mark becomes on leave with a
    correction row.
    """
    training_class = leave.enrolment.training_class
    if not can_run_class(acting_user, training_class):
        raise PermissionDenied(_("Only the class's head teacher may decide leave requests."))
    if training_class.status in CLOSED_CLASS:
        raise ValidationError(
            _("This class is archived; its leave requests can no longer change."),
            code="class_closed",
        )
    if leave.status != LeaveStatus.PENDING:
        raise ValidationError(
            _("This request has already been decided: %(status)s.")
            % {"status": LeaveStatus(leave.status).label},
            code="not_pending",
        )
    comment = _clean_text(
        comment,
        field_name="comment",
        required_message=None if approve else _("Give the reason for rejecting this request."),
    )
    if leave.enrolment.status != ClassEnrolment.Status.ENROLLED:
        raise ValidationError(
            _("This trainee is no longer enrolled in the class."), code="not_enrolled"
        )
    return do_decide_leave(leave, approve=bool(approve), comment=comment, acting_user=acting_user)


def do_decide_leave(leave, *, approve, comment, acting_user):
    new_status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    actor = _user_or_none(acting_user)
    now = timezone.now()
    with transaction.atomic():
        updated = LeaveRequest.objects.filter(pk=leave.pk, status=LeaveStatus.PENDING).update(
            status=new_status, decided_by=actor, decided_at=now, decision_comment=comment
        )
        if not updated:
            raise ValidationError(
                _("This request was cancelled or decided meanwhile; reload the page."),
                code="conflict",
            )
        leave.status, leave.decided_by, leave.decided_at = new_status, actor, now
        leave.decision_comment = comment
        marked = []
        if approve:
            marked = _mark_on_leave(leave, actor)
        record(
            f"leave.{new_status.value}",
            leave,
            actor=actor,
            changes={
                "status": [LeaveStatus.PENDING.value, new_status.value],
                "on_leave_sessions": marked,
            },
            reason=comment,
        )
    return leave


def _mark_on_leave(leave, actor):
    sessions = list(leave.sessions.all())
    ClassEnrolment.objects.select_for_update().filter(pk=leave.enrolment_id).first()
    records = {
        r.session_id: r
        for r in AttendanceRecord.objects.filter(enrolment=leave.enrolment, session__in=sessions)
    }
    reason = _("Leave approved (request %(id)s).") % {"id": leave.pk}
    marked = []
    for session in sessions:
        existing = records.get(session.pk)
        if existing is None:
            AttendanceRecord.objects.create(
                session=session,
                enrolment=leave.enrolment,
                status=Status.ON_LEAVE,
                source=Source.LEAVE,
                marked_by=actor,
            )
        elif existing.status in ATTENDED or existing.status == Status.ON_LEAVE:
            continue  # they came after all (or are already on leave): keep the mark
        else:
            _correct(existing, Status.ON_LEAVE, Source.LEAVE, reason, actor)
        marked.append(session.pk)
    return marked
