"""Read-only attendance and leave listings in the Wagtail admin, scoped by institution."""

import pytest

from lms.attendance import actions
from lms.attendance.models import AttendanceRecord, LeaveRequest

from .conftest import MONDAY, at

pytestmark = pytest.mark.django_db

RECORDS = "/admin/attendance_records/"
LEAVE = "/admin/leave_requests/"
CORRECTIONS = "/admin/attendance_corrections/"


@pytest.fixture
def marked(clock, morning, afternoon, enrolment, trainee, head_teacher, other_class):
    clock.move_to(at(MONDAY, 9, 5), tick=False)
    actions.check_mark_attendance(
        morning, [actions.Mark(enrolment.pk, "absent")], acting_user=head_teacher
    )
    actions.check_mark_attendance(
        morning, [actions.Mark(enrolment.pk, "late", "晚到")], acting_user=head_teacher
    )
    actions.check_mark_attendance(
        other_class.session,
        [actions.Mark(other_class.enrolment.pk, "present")],
        acting_user=other_class.head_teacher,
    )
    actions.check_request_leave(enrolment, [afternoon.pk], reason="有事", acting_user=trainee)
    return AttendanceRecord.objects.get(enrolment=enrolment)


@pytest.mark.parametrize("role", ["administrator", "commerce_officer"])
def test_officers_see_every_class(client, make_user, marked, other_class, role):
    client.force_login(make_user(role))
    response = client.get(RECORDS)
    assert response.status_code == 200
    assert marked.enrolment.profile.real_name in response.text
    assert other_class.enrolment.profile.real_name in response.text
    assert client.get(LEAVE).status_code == 200
    assert client.get(CORRECTIONS).status_code == 200
    assert client.get(f"{RECORDS}inspect/{marked.pk}/").status_code == 200


def test_institution_staff_see_only_their_institution(client, make_user, marked, other_class):
    staff = make_user("institution_staff", username="jigou")
    institution = marked.session.training_class.institution
    institution.staff.add(staff)
    institution.save()  # a ParentalManyToManyField is written on save
    client.force_login(staff)
    html = client.get(RECORDS).text
    assert marked.enrolment.profile.real_name in html
    assert other_class.enrolment.profile.real_name not in html
    other_record = AttendanceRecord.objects.get(enrolment=other_class.enrolment)
    assert client.get(f"{RECORDS}inspect/{marked.pk}/").status_code == 200
    assert client.get(f"{RECORDS}inspect/{other_record.pk}/").status_code == 404
    assert client.get(f"{RECORDS}inspect/999999/").status_code == 404
    assert marked.enrolment.profile.real_name in client.get(LEAVE).text


def test_nothing_is_added_edited_or_deleted_in_the_admin(client, make_user, marked):
    client.force_login(make_user("administrator"))
    leave = LeaveRequest.objects.get()
    for url in (
        f"{RECORDS}new/",
        f"{RECORDS}edit/{marked.pk}/",
        f"{RECORDS}delete/{marked.pk}/",
        f"{LEAVE}edit/{leave.pk}/",
        f"{LEAVE}delete/{leave.pk}/",
    ):
        assert client.get(url).status_code in (302, 403), url
    response = client.post(f"{RECORDS}edit/{marked.pk}/", {"status": "present"})
    assert response.status_code in (302, 403)
    response = client.post(f"{RECORDS}delete/{marked.pk}/")
    assert response.status_code in (302, 403)
    marked.refresh_from_db()
    assert marked.status == "late"
    assert LeaveRequest.objects.get().status == "pending"


@pytest.mark.parametrize("role", ["head_teacher", "lecturer", "registrar"])
def test_others_have_no_listing(client, make_user, marked, role):
    client.force_login(make_user(role))
    assert client.get(RECORDS).status_code in (302, 403)
    assert client.get(LEAVE).status_code in (302, 403)


def test_the_menu_shows_the_listings_only_to_those_who_may_see_them(client, make_user, marked):
    client.force_login(make_user("commerce_officer"))
    assert RECORDS in client.get("/admin/").text
    client.force_login(make_user("head_teacher"))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert RECORDS not in response.text
