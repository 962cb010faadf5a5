"""Leave: a trainee asks for future sessions, may cancel while pending; the head teacher
approves (sessions become on leave) or rejects with a comment."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from lms.attendance import actions
from lms.attendance.actions import Mark
from lms.attendance.models import AttendanceCorrection, AttendanceRecord, LeaveRequest
from lms.audit.models import AuditEvent
from lms.training.models import TrainingClass

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db
Status = LeaveRequest.Status


def ask(enrolment, sessions, reason="家里农忙", user=None):
    return actions.check_request_leave(
        enrolment,
        [s.pk for s in sessions],
        reason=reason,
        acting_user=user or enrolment.profile.user,
    )


def refused(enrolment, sessions, reason="家里农忙", user=None):
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        ask(enrolment, sessions, reason, user)
    return excinfo.value


# --- Asking ------------------------------------------------------------------------------------


def test_asking_for_future_sessions(clock, enrolment, afternoon, tuesday, trainee):
    leave = ask(enrolment, [afternoon, tuesday])
    assert leave.status == Status.PENDING
    assert set(leave.sessions.all()) == {afternoon, tuesday}
    assert leave.reason == "家里农忙"
    event = AuditEvent.objects.get(action="leave.requested")
    assert event.actor == trainee
    assert sorted(event.changes["sessions"]) == sorted([afternoon.pk, tuesday.pk])


def test_a_started_or_past_session_is_refused(clock, enrolment, morning, afternoon):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    error = refused(enrolment, [morning, afternoon])
    assert error.error_dict["sessions"][0].code == "started"
    assert "have not started yet" in error.message_dict["sessions"][0]
    assert morning.title in error.message_dict["sessions"][0]
    assert not LeaveRequest.objects.exists()
    clock.move_to(at(MONDAY, 8, 59), tick=False)
    assert ask(enrolment, [morning]).status == Status.PENDING


def test_a_session_already_covered_is_refused(clock, enrolment, afternoon, tuesday):
    ask(enrolment, [afternoon])
    error = refused(enrolment, [afternoon, tuesday])
    assert error.error_dict["sessions"][0].code == "overlap"
    assert afternoon.title in error.message_dict["sessions"][0]
    assert LeaveRequest.objects.count() == 1


def test_an_approved_request_covers_its_sessions_too(clock, enrolment, afternoon, head_teacher):
    leave = ask(enrolment, [afternoon])
    actions.check_decide_leave(leave, approve=True, comment="", acting_user=head_teacher)
    assert refused(enrolment, [afternoon]).error_dict["sessions"][0].code == "overlap"


def test_after_a_rejection_or_cancellation_one_may_ask_again(
    clock, enrolment, afternoon, tuesday, head_teacher, trainee
):
    rejected = ask(enrolment, [afternoon])
    actions.check_decide_leave(
        rejected, approve=False, comment="课程重要", acting_user=head_teacher
    )
    cancelled = ask(enrolment, [tuesday])
    actions.check_cancel_leave(cancelled, acting_user=trainee)
    assert ask(enrolment, [afternoon, tuesday]).status == Status.PENDING


def test_another_trainees_leave_does_not_count(clock, enrolment, training_class, afternoon):
    from tests.factories.training import make_enrolment

    classmate = make_enrolment(training_class, user=True)
    ask(classmate, [afternoon])
    assert ask(enrolment, [afternoon]).status == Status.PENDING


def test_sessions_of_another_class_are_refused(clock, enrolment, afternoon, other_class):
    error = refused(enrolment, [afternoon, other_class.session])
    assert error.error_dict["sessions"][0].code == "other_sessions"
    assert not LeaveRequest.objects.exists()


def test_at_least_one_session(clock, enrolment):
    assert refused(enrolment, []).error_dict["sessions"][0].code == "no_sessions"


@pytest.mark.parametrize("reason", ["", "   ", "长" * 1001])
def test_a_reason_is_needed_and_short(clock, enrolment, afternoon, reason):
    assert "reason" in refused(enrolment, [afternoon], reason).error_dict
    assert not LeaveRequest.objects.exists()


def test_only_the_trainee_asks_for_themself(clock, enrolment, afternoon, people):
    for who in ("head_teacher", "administrator", "other_trainee"):
        with pytest.raises(PermissionDenied):
            ask(enrolment, [afternoon], user=people[who])
    assert not LeaveRequest.objects.exists()


def test_not_in_an_archived_class(clock, enrolment, afternoon):
    TrainingClass.objects.filter(pk=enrolment.training_class_id).update(status="archived")
    enrolment.training_class.refresh_from_db()
    assert refused(enrolment, [afternoon]).error_list[0].code == "class_closed"


def test_the_choices_leave_out_started_and_covered_sessions(
    clock, enrolment, morning, afternoon, tuesday
):
    clock.move_to(at(MONDAY, 10), tick=False)
    assert actions.leave_choices(enrolment) == [afternoon, tuesday]
    ask(enrolment, [tuesday])
    assert actions.leave_choices(enrolment) == [afternoon]


# --- Cancelling -------------------------------------------------------------------------------


def test_the_trainee_cancels_a_pending_request(clock, enrolment, afternoon, trainee):
    leave = ask(enrolment, [afternoon])
    actions.check_cancel_leave(leave, acting_user=trainee)
    leave.refresh_from_db()
    assert leave.status == Status.CANCELLED
    assert AuditEvent.objects.filter(action="leave.cancelled", actor=trainee).exists()


def test_a_decided_request_cannot_be_cancelled(clock, enrolment, afternoon, trainee, head_teacher):
    leave = ask(enrolment, [afternoon])
    actions.check_decide_leave(leave, approve=True, comment="", acting_user=head_teacher)
    with pytest.raises(ValidationError) as excinfo:
        actions.check_cancel_leave(leave, acting_user=trainee)
    assert excinfo.value.error_list[0].code == "not_pending"
    leave.refresh_from_db()
    assert leave.status == Status.APPROVED


def test_only_the_trainee_cancels(clock, enrolment, afternoon, people):
    leave = ask(enrolment, [afternoon])
    for who in ("head_teacher", "administrator", "other_trainee"):
        with pytest.raises(PermissionDenied):
            actions.check_cancel_leave(leave, acting_user=people[who])
    leave.refresh_from_db()
    assert leave.status == Status.PENDING


# --- Deciding ---------------------------------------------------------------------------------


def test_approval_marks_the_sessions_on_leave(clock, enrolment, afternoon, tuesday, head_teacher):
    leave = ask(enrolment, [afternoon, tuesday])
    clock.move_to(at(MONDAY, 12), tick=False)
    actions.check_decide_leave(leave, approve=True, comment="注意安全", acting_user=head_teacher)
    leave.refresh_from_db()
    assert (leave.status, leave.decided_by, leave.decided_at, leave.decision_comment) == (
        Status.APPROVED,
        head_teacher,
        at(MONDAY, 12),
        "注意安全",
    )
    records = AttendanceRecord.objects.filter(enrolment=enrolment)
    assert {(r.session_id, r.status, r.source) for r in records} == {
        (afternoon.pk, "on_leave", "leave"),
        (tuesday.pk, "on_leave", "leave"),
    }
    event = AuditEvent.objects.get(action="leave.approved")
    assert (event.actor, event.reason, event.changes["status"]) == (
        head_teacher,
        "注意安全",
        ["pending", "approved"],
    )


def test_approval_corrects_an_absent_mark_and_keeps_attendance(
    clock, enrolment, morning, afternoon, head_teacher
):
    """Approved late (after the sessions): absence becomes leave; a session the trainee came
    to keeps its mark."""
    leave = ask(enrolment, [morning, afternoon])
    clock.move_to(at(MONDAY, 18), tick=False)
    actions.check_mark_attendance(morning, [Mark(enrolment.pk, "late")], acting_user=head_teacher)
    actions.check_mark_attendance(
        afternoon, [Mark(enrolment.pk, "absent")], acting_user=head_teacher
    )
    actions.check_decide_leave(leave, approve=True, comment="", acting_user=head_teacher)
    assert AttendanceRecord.objects.get(session=morning).status == "late"
    afternoon_record = AttendanceRecord.objects.get(session=afternoon)
    assert (afternoon_record.status, afternoon_record.source) == ("on_leave", "leave")
    correction = AttendanceCorrection.objects.get()
    assert (correction.record, correction.from_status, correction.to_status) == (
        afternoon_record,
        "absent",
        "on_leave",
    )
    assert correction.corrected_by == head_teacher
    assert correction.reason
    assert AuditEvent.objects.filter(action="attendance.corrected").count() == 1
    assert AuditEvent.objects.get(action="leave.approved").changes["on_leave_sessions"] == [
        afternoon.pk
    ]


def test_rejection_needs_a_comment(clock, enrolment, afternoon, head_teacher):
    leave = ask(enrolment, [afternoon])
    for comment in ("", "   "):
        with pytest.raises(ValidationError) as excinfo:
            actions.check_decide_leave(
                leave, approve=False, comment=comment, acting_user=head_teacher
            )
        assert "comment" in excinfo.value.error_dict
    leave.refresh_from_db()
    assert leave.status == Status.PENDING
    actions.check_decide_leave(
        leave, approve=False, comment="实操课不能缺", acting_user=head_teacher
    )
    leave.refresh_from_db()
    assert (leave.status, leave.decision_comment) == (Status.REJECTED, "实操课不能缺")
    assert not AttendanceRecord.objects.exists()
    assert AuditEvent.objects.filter(action="leave.rejected", reason="实操课不能缺").exists()


def test_a_request_is_decided_once(clock, enrolment, afternoon, head_teacher, trainee):
    leave = ask(enrolment, [afternoon])
    actions.check_decide_leave(leave, approve=False, comment="不行", acting_user=head_teacher)
    with pytest.raises(ValidationError) as excinfo:
        actions.check_decide_leave(leave, approve=True, comment="", acting_user=head_teacher)
    assert excinfo.value.error_list[0].code == "not_pending"
    cancelled = ask(enrolment, [afternoon])
    actions.check_cancel_leave(cancelled, acting_user=trainee)
    with pytest.raises(ValidationError):
        actions.check_decide_leave(cancelled, approve=True, comment="", acting_user=head_teacher)
    assert not AttendanceRecord.objects.exists()


def test_a_stale_decision_is_refused(clock, enrolment, afternoon, head_teacher, trainee):
    """The trainee cancels while the head teacher's page still shows the request."""
    leave = ask(enrolment, [afternoon])
    stale = LeaveRequest.objects.get(pk=leave.pk)
    actions.check_cancel_leave(leave, acting_user=trainee)
    with pytest.raises(ValidationError) as excinfo:
        actions.do_decide_leave(stale, approve=True, comment="", acting_user=head_teacher)
    assert excinfo.value.error_list[0].code == "conflict"
    assert not AttendanceRecord.objects.exists()


def test_a_withdrawn_trainees_request_cannot_be_approved(clock, enrolment, afternoon, head_teacher):
    leave = ask(enrolment, [afternoon])
    type(enrolment).objects.filter(pk=enrolment.pk).update(status="withdrawn")
    leave.enrolment.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        actions.check_decide_leave(leave, approve=True, comment="", acting_user=head_teacher)
    assert excinfo.value.error_list[0].code == "not_enrolled"


@pytest.mark.parametrize("who", ["trainee", "other_head_teacher", "lecturer", "other_trainee"])
def test_only_the_head_teacher_or_an_administrator_decides(
    clock, enrolment, afternoon, people, who
):
    leave = ask(enrolment, [afternoon])
    with pytest.raises(PermissionDenied):
        actions.check_decide_leave(leave, approve=True, comment="", acting_user=people[who])
    leave.refresh_from_db()
    assert leave.status == Status.PENDING
    actions.check_decide_leave(leave, approve=True, comment="", acting_user=people["administrator"])
    leave.refresh_from_db()
    assert leave.status == Status.APPROVED
