"""QR check-in: the window, the late threshold, expiry and replay, once per trainee, and the
pages a scan opens."""

import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from lms.attendance import actions, checkin
from lms.attendance.models import AttendanceRecord, LeaveRequest
from lms.training.models import TrainingClass

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def check_in(session, user, code=None):
    return actions.check_check_in(
        session, code if code is not None else checkin.current_code(session.pk), acting_user=user
    )


def refused(session, user, code=None):
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        check_in(session, user, code)
    assert not AttendanceRecord.objects.filter(session=session).exists()
    return excinfo.value.error_list[0].code, excinfo.value.messages[0]


# --- The window and the late threshold -----------------------------------------------------------


def test_before_the_window_opens(clock, morning, trainee):
    clock.move_to(at(MONDAY, 8, 29, 59), tick=False)
    assert refused(morning, trainee) == ("not_open", "Check-in for this session opens at 08:30.")


def test_at_the_window_opening_is_present(clock, morning, trainee, enrolment):
    clock.move_to(at(MONDAY, 8, 30), tick=False)
    record = check_in(morning, trainee)
    assert (record.status, record.source, record.checked_in_at, record.marked_by) == (
        "present",
        "check_in",
        at(MONDAY, 8, 30),
        trainee,
    )
    assert record.enrolment == enrolment


def test_up_to_the_late_threshold_is_present(clock, morning, trainee):
    clock.move_to(at(MONDAY, 9, 10), tick=False)
    assert check_in(morning, trainee).status == "present"


def test_after_the_late_threshold_is_late(clock, morning, trainee):
    clock.move_to(at(MONDAY, 9, 10, 1), tick=False)
    assert check_in(morning, trainee).status == "late"


def test_the_late_threshold_comes_from_settings(clock, morning, trainee, settings):
    settings.CHECKIN_LATE_MINUTES = 2
    clock.move_to(at(MONDAY, 9, 3), tick=False)
    assert check_in(morning, trainee).status == "late"


def test_until_the_end(clock, morning, trainee):
    clock.move_to(at(MONDAY, 11, 30), tick=False)
    assert check_in(morning, trainee).status == "late"


def test_after_the_end(clock, morning, trainee):
    clock.move_to(at(MONDAY, 11, 30, 1), tick=False)
    assert refused(morning, trainee) == ("closed", "Check-in for this session closed at 11:30.")


def test_the_window_comes_from_settings(clock, morning, trainee, settings):
    settings.CHECKIN_OPENS_MINUTES_BEFORE = 5
    clock.move_to(at(MONDAY, 8, 50), tick=False)
    assert refused(morning, trainee)[0] == "not_open"
    clock.move_to(at(MONDAY, 8, 55), tick=False)
    assert check_in(morning, trainee).status == "present"


# --- Codes: expiry, replay, forgery ------------------------------------------------------------


def test_the_previous_step_is_still_accepted(clock, morning, trainee):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    code = checkin.current_code(morning.pk)
    clock.move_to(at(MONDAY, 9, 0, 59), tick=False)
    assert check_in(morning, trainee, code).status == "present"


def test_an_older_code_has_expired(clock, morning, trainee):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    code = checkin.current_code(morning.pk)
    clock.move_to(at(MONDAY, 9, 1), tick=False)
    assert refused(morning, trainee, code) == (
        "expired",
        "This code has expired. Scan the code shown in the room now.",
    )


def test_a_code_sent_out_of_the_room_fails_later(clock, morning, trainee):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    photo = checkin.current_code(morning.pk)
    clock.move_to(at(MONDAY, 10, 15), tick=False)
    assert refused(morning, trainee, photo)[0] == "expired"


def test_another_sessions_code(clock, morning, afternoon, trainee):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    assert refused(morning, trainee, checkin.current_code(afternoon.pk)) == (
        "invalid_code",
        "This code is not valid for this session. Scan the code shown in the room.",
    )


@pytest.mark.parametrize("code", ["", "0123456789abcdef", "not-a-code", "x" * 64])
def test_a_forged_code(clock, morning, trainee, code):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    assert refused(morning, trainee, code)[0] == "invalid_code"


# --- Once per trainee ---------------------------------------------------------------------------


def test_a_second_check_in_says_when_the_first_was(clock, morning, trainee):
    clock.move_to(at(MONDAY, 8, 52), tick=False)
    check_in(morning, trainee)
    clock.move_to(at(MONDAY, 9, 20), tick=False)
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        check_in(morning, trainee)
    assert excinfo.value.error_list[0].code == "already_checked_in"
    assert excinfo.value.messages == ["You already checked in at 08:52."]
    record = AttendanceRecord.objects.get()
    assert (record.status, record.checked_in_at) == ("present", at(MONDAY, 8, 52))


def test_a_double_tap_makes_one_record(clock, morning, trainee, enrolment):
    """The second write loses the race at the unique constraint and reads as checked in."""
    clock.move_to(at(MONDAY, 8, 52), tick=False)
    actions.do_check_in(morning, enrolment, at=at(MONDAY, 8, 52), acting_user=trainee)
    with pytest.raises(ValidationError) as excinfo:
        actions.do_check_in(morning, enrolment, at=at(MONDAY, 8, 52, 1), acting_user=trainee)
    assert excinfo.value.error_list[0].code == "already_checked_in"
    assert AttendanceRecord.objects.count() == 1


def test_a_mark_by_the_head_teacher_is_not_overwritten(
    clock, morning, trainee, enrolment, head_teacher
):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    actions.check_mark_attendance(
        morning, [actions.Mark(enrolment.pk, "absent")], acting_user=head_teacher
    )
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        check_in(morning, trainee)
    assert excinfo.value.error_list[0].code == "already_marked"
    assert "already recorded as Absent" in excinfo.value.messages[0]
    assert AttendanceRecord.objects.get().status == "absent"


def test_a_trainee_on_approved_leave_cannot_check_in(
    clock, morning, trainee, enrolment, head_teacher
):
    leave = LeaveRequest.objects.create(enrolment=enrolment, reason="看病")
    leave.sessions.set([morning])
    leave.status = LeaveRequest.Status.APPROVED
    leave.save()
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    code, message = refused(morning, trainee)
    assert code == "on_leave"
    assert "approved leave" in message


def test_pending_leave_does_not_stop_a_check_in(clock, morning, trainee, enrolment):
    leave = LeaveRequest.objects.create(enrolment=enrolment, reason="看病")
    leave.sessions.set([morning])
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    assert check_in(morning, trainee).status == "present"


def test_only_enrolled_trainees(clock, morning, other_class, make_user, training_class):
    from tests.factories.training import make_enrolment

    clock.move_to(at(MONDAY, 9, 0), tick=False)
    withdrawn = make_enrolment(training_class, user=True, status="withdrawn")
    for user in (other_class.trainee, withdrawn.profile.user, make_user("trainee")):
        with pytest.raises(PermissionDenied):
            check_in(morning, user)
    assert not AttendanceRecord.objects.exists()


def test_not_in_an_archived_class(clock, morning, trainee):
    TrainingClass.objects.filter(pk=morning.training_class_id).update(status="archived")
    morning.training_class.refresh_from_db()
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    assert refused(morning, trainee)[0] == "class_closed"


# --- The pages a scan opens --------------------------------------------------------------------


def scan_url(session, code=None):
    return f"/training/check-in/?s={session.pk}&c={code or checkin.current_code(session.pk)}"


def test_a_scan_signed_out_goes_to_sign_in_and_keeps_the_code(clock, client, morning, trainee):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    url = scan_url(morning)
    response = client.get(url)
    assert response.status_code == 302
    next_url = parse_qs(urlparse(response["Location"]).query)["next"][0]
    assert next_url == url


def test_the_confirm_page_then_the_button(clock, client, morning, trainee):
    clock.move_to(at(MONDAY, 8, 58), tick=False)
    client.force_login(trainee)
    response = client.get(scan_url(morning))
    assert response.status_code == 200
    assert 'id="check-in-form"' in response.text
    assert morning.title in response.text
    assert not AttendanceRecord.objects.exists()  # GET never records

    code = checkin.current_code(morning.pk)
    response = client.post("/training/check-in/", {"s": morning.pk, "c": code})
    assert response.status_code == 302
    assert response["Location"] == f"/training/check-in/?s={morning.pk}"
    assert AttendanceRecord.objects.get().status == "present"

    response = client.get(response["Location"])
    assert response.status_code == 200
    assert 'id="check-in-status"' in response.text
    assert "att-present" in response.text


def test_the_confirm_page_validates_the_code(clock, client, morning, trainee):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    old = checkin.current_code(morning.pk)
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    client.force_login(trainee)
    with translation.override("en"):
        response = client.get(scan_url(morning, old), headers={"accept-language": "en"})
    assert response.status_code == 400
    assert 'id="check-in-error"' in response.text
    assert 'id="check-in-form"' not in response.text


def test_the_button_validates_the_code_again(clock, client, morning, trainee):
    """The code may expire between opening the page and pressing the button."""
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    client.force_login(trainee)
    url = scan_url(morning)
    assert client.get(url).status_code == 200
    code = parse_qs(urlparse(url).query)["c"][0]
    clock.move_to(at(MONDAY, 9, 0) + datetime.timedelta(minutes=2), tick=False)
    response = client.post("/training/check-in/", {"s": morning.pk, "c": code})
    assert response.status_code == 400
    assert 'id="check-in-error"' in response.text
    assert not AttendanceRecord.objects.exists()


def test_a_second_scan_shows_the_first_check_in(clock, client, morning, trainee):
    clock.move_to(at(MONDAY, 8, 45), tick=False)
    check_in(morning, trainee)
    client.force_login(trainee)
    clock.move_to(at(MONDAY, 9, 30), tick=False)
    response = client.get(scan_url(morning))
    assert response.status_code == 400
    assert "08:45" in response.text


@pytest.mark.parametrize("who", ["other_trainee", "head_teacher", "administrator", "lecturer"])
def test_people_not_enrolled_get_the_same_404(clock, client, morning, people, who):
    clock.move_to(at(MONDAY, 9, 0), tick=False)
    client.force_login(people[who])
    assert client.get(scan_url(morning)).status_code == 404
    assert client.get("/training/check-in/?s=999999&c=abc").status_code == 404
    response = client.post(
        "/training/check-in/", {"s": morning.pk, "c": checkin.current_code(morning.pk)}
    )
    assert response.status_code == 404
    assert not AttendanceRecord.objects.exists()


def test_a_malformed_session_id_is_404(clock, client, trainee):
    client.force_login(trainee)
    assert client.get("/training/check-in/?s=abc&c=1").status_code == 404
    assert client.get("/training/check-in/").status_code == 404
