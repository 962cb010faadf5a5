"""The head teacher marks a session's roster: all or nothing, corrections with reasons."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from lms.attendance import actions
from lms.attendance.actions import Mark
from lms.attendance.models import AttendanceCorrection, AttendanceRecord, LeaveRequest
from lms.audit.models import AuditEvent
from lms.training.models import TrainingClass
from tests.factories.training import make_enrolment

from .conftest import MONDAY, TUESDAY, at

pytestmark = pytest.mark.django_db


def statuses(session):
    return dict(
        AttendanceRecord.objects.filter(session=session).values_list("enrolment_id", "status")
    )


def error_dict(excinfo):
    return {key: [str(m) for m in value] for key, value in excinfo.value.message_dict.items()}


@pytest.fixture
def roster(training_class, enrolment):
    return [enrolment, make_enrolment(training_class), make_enrolment(training_class)]


def test_marking_a_whole_roster(clock, morning, roster, head_teacher):
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    result = actions.check_mark_attendance(
        morning,
        [Mark(roster[0].pk, "present"), Mark(roster[1].pk, "late"), Mark(roster[2].pk, "absent")],
        acting_user=head_teacher,
    )
    assert (len(result.created), len(result.corrected), result.unchanged) == (3, 0, 0)
    assert statuses(morning) == {
        roster[0].pk: "present",
        roster[1].pk: "late",
        roster[2].pk: "absent",
    }
    record = AttendanceRecord.objects.get(session=morning, enrolment=roster[0])
    assert (record.source, record.marked_by, record.checked_in_at) == (
        "head_teacher",
        head_teacher,
        None,
    )
    event = AuditEvent.objects.get(action="attendance.marked")
    assert event.actor == head_teacher
    assert event.changes[str(roster[1].pk)] == [None, "late"]


def test_the_same_mark_again_changes_nothing(clock, morning, roster, head_teacher):
    actions.check_mark_attendance(
        morning, [Mark(roster[0].pk, "present")], acting_user=head_teacher
    )
    result = actions.check_mark_attendance(
        morning, [Mark(roster[0].pk, "present")], acting_user=head_teacher
    )
    assert (len(result.created), len(result.corrected), result.unchanged) == (0, 0, 1)
    assert not AttendanceCorrection.objects.exists()


def test_a_change_is_a_correction_that_needs_a_reason(clock, morning, roster, head_teacher):
    actions.check_mark_attendance(morning, [Mark(roster[0].pk, "absent")], acting_user=head_teacher)
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        actions.check_mark_attendance(
            morning, [Mark(roster[0].pk, "late")], acting_user=head_teacher
        )
    errors = error_dict(excinfo)
    assert list(errors) == [f"reason-{roster[0].pk}"]
    assert "give the reason" in errors[f"reason-{roster[0].pk}"][0]
    assert statuses(morning) == {roster[0].pk: "absent"}
    assert not AttendanceCorrection.objects.exists()

    clock.move_to(at(MONDAY, 9, 40), tick=False)
    result = actions.check_mark_attendance(
        morning, [Mark(roster[0].pk, "late", "  堵车，九点半到  ")], acting_user=head_teacher
    )
    correction = result.corrected[0]
    assert (correction.from_status, correction.to_status, correction.reason) == (
        "absent",
        "late",
        "堵车，九点半到",
    )
    assert correction.corrected_by == head_teacher
    assert correction.corrected_at == at(MONDAY, 9, 40)
    assert statuses(morning) == {roster[0].pk: "late"}
    event = AuditEvent.objects.get(action="attendance.corrected")
    assert (event.actor, event.reason, event.changes["status"]) == (
        head_teacher,
        "堵车，九点半到",
        ["absent", "late"],
    )


def test_correcting_a_check_in_keeps_the_time_it_was_made(
    clock, morning, enrolment, trainee, head_teacher
):
    from lms.attendance import checkin

    clock.move_to(at(MONDAY, 8, 55), tick=False)
    actions.check_check_in(morning, checkin.current_code(morning.pk), acting_user=trainee)
    actions.check_mark_attendance(
        morning, [Mark(enrolment.pk, "absent", "扫码后离开")], acting_user=head_teacher
    )
    record = AttendanceRecord.objects.get()
    assert (record.status, record.source) == ("absent", "head_teacher")
    assert record.checked_in_at == at(MONDAY, 8, 55)


def test_one_bad_line_saves_nothing(clock, morning, roster, head_teacher):
    actions.check_mark_attendance(morning, [Mark(roster[2].pk, "absent")], acting_user=head_teacher)
    with pytest.raises(ValidationError) as excinfo:
        actions.check_mark_attendance(
            morning,
            [
                Mark(roster[0].pk, "present"),
                Mark(roster[1].pk, "sleeping"),
                Mark(roster[2].pk, "present"),  # a correction without a reason
            ],
            acting_user=head_teacher,
        )
    assert set(error_dict(excinfo)) == {f"status-{roster[1].pk}", f"reason-{roster[2].pk}"}
    assert statuses(morning) == {roster[2].pk: "absent"}


def test_only_enrolled_trainees_of_this_class(clock, morning, roster, head_teacher, other_class):
    withdrawn = make_enrolment(morning.training_class, status="withdrawn")
    applied = make_enrolment(morning.training_class, status="applied")
    for stranger in (other_class.enrolment, withdrawn, applied):
        with pytest.raises(ValidationError) as excinfo, translation.override("en"):
            actions.check_mark_attendance(
                morning,
                [Mark(roster[0].pk, "present"), Mark(stranger.pk, "present")],
                acting_user=head_teacher,
            )
        assert error_dict(excinfo) == {
            "__all__": ["Only trainees enrolled in this class can be marked."]
        }
    assert not AttendanceRecord.objects.exists()


def test_a_trainee_cannot_be_marked_twice_in_one_go(clock, morning, roster, head_teacher):
    with pytest.raises(ValidationError):
        actions.check_mark_attendance(
            morning,
            [Mark(roster[0].pk, "present"), Mark(roster[0].pk, "absent")],
            acting_user=head_teacher,
        )
    assert not AttendanceRecord.objects.exists()


def test_an_empty_form_is_refused(clock, morning, roster, head_teacher):
    with pytest.raises(ValidationError):
        actions.check_mark_attendance(morning, [], acting_user=head_teacher)


def test_not_before_the_sessions_day(clock, tuesday, roster, head_teacher):
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        actions.check_mark_attendance(
            tuesday, [Mark(roster[0].pk, "present")], acting_user=head_teacher
        )
    assert excinfo.value.messages == ["Attendance for this session can be marked from 2026-03-10."]
    assert excinfo.value.error_list[0].code == "not_markable"
    clock.move_to(at(TUESDAY, 7), tick=False)
    actions.check_mark_attendance(
        tuesday, [Mark(roster[0].pk, "present")], acting_user=head_teacher
    )
    assert statuses(tuesday) == {roster[0].pk: "present"}


def test_not_in_an_archived_class(clock, morning, roster, head_teacher):
    TrainingClass.objects.filter(pk=morning.training_class_id).update(
        status=TrainingClass.Status.ARCHIVED
    )
    morning.training_class.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        actions.check_mark_attendance(
            morning, [Mark(roster[0].pk, "present")], acting_user=head_teacher
        )
    assert excinfo.value.error_list[0].code == "not_markable"
    assert not AttendanceRecord.objects.exists()


def test_a_finished_class_may_still_be_corrected(clock, morning, roster, head_teacher):
    TrainingClass.objects.filter(pk=morning.training_class_id).update(
        status=TrainingClass.Status.FINISHED
    )
    morning.training_class.refresh_from_db()
    actions.check_mark_attendance(
        morning, [Mark(roster[0].pk, "present")], acting_user=head_teacher
    )
    assert statuses(morning) == {roster[0].pk: "present"}


def approve_leave(enrolment, sessions, head_teacher):
    leave = LeaveRequest.objects.create(enrolment=enrolment, reason="家中有事")
    leave.sessions.set(sessions)
    return actions.check_decide_leave(leave, approve=True, comment="", acting_user=head_teacher)


def test_a_trainee_on_approved_leave_cannot_be_marked_absent(clock, morning, roster, head_teacher):
    approve_leave(roster[0], [morning], head_teacher)
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        actions.check_mark_attendance(
            morning, [Mark(roster[0].pk, "absent", "没来")], acting_user=head_teacher
        )
    [message] = error_dict(excinfo)[f"status-{roster[0].pk}"]
    assert "is on approved leave for this session" in message
    assert statuses(morning) == {roster[0].pk: "on_leave"}
    # Coming after all is a correction with a reason.
    actions.check_mark_attendance(
        morning, [Mark(roster[0].pk, "present", "事情办完来上课了")], acting_user=head_teacher
    )
    assert statuses(morning) == {roster[0].pk: "present"}


@pytest.mark.parametrize("who", ["other_head_teacher", "trainee", "lecturer", "anonymous"])
def test_only_the_head_teacher_or_an_administrator_marks(clock, morning, roster, people, who):
    from django.contrib.auth.models import AnonymousUser

    user = people[who] or AnonymousUser()
    with pytest.raises(PermissionDenied):
        actions.check_mark_attendance(morning, [Mark(roster[0].pk, "present")], acting_user=user)
    assert not AttendanceRecord.objects.exists()


def test_an_administrator_may_stand_in(clock, morning, roster, people):
    actions.check_mark_attendance(
        morning, [Mark(roster[0].pk, "present")], acting_user=people["administrator"]
    )
    assert AttendanceRecord.objects.get().marked_by == people["administrator"]
