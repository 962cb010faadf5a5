"""Administrators assign trainees to courses in the Wagtail admin; every change is audited."""

import pytest
from django.contrib.auth.models import Permission

from lms.audit.models import AuditEvent
from lms.learning.models import CourseEnrolment
from tests.factories.learning import enrol

pytestmark = pytest.mark.django_db

BASE = "/admin/snippets/learning/courseenrolment/"
PERMISSIONS = ["add_courseenrolment", "view_courseenrolment", "delete_courseenrolment"]


@pytest.fixture
def admin(make_user):
    """An administrator. The lead adds these three permissions to the role in roles.py;
    they are granted here directly so the test holds either way."""
    user = make_user("administrator", username="admin1")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="learning", codename__in=PERMISSIONS)
    )
    return user


def test_creating_an_enrolment_goes_through_the_action(client, admin, trainee, course):
    client.force_login(admin)
    response = client.get(f"{BASE}add/")
    assert response.status_code == 200
    response = client.post(f"{BASE}add/", {"user": trainee.pk, "course": course.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    enrolment = CourseEnrolment.objects.get()
    assert (enrolment.user, enrolment.course_id, enrolment.assigned_by) == (
        trainee,
        course.pk,
        admin,
    )
    event = AuditEvent.objects.get(action="course_enrolment.created")
    assert event.actor == admin


def test_only_trainees_are_offered(client, admin, course, make_user):
    officer = make_user("commerce_officer", username="officer")
    client.force_login(admin)
    response = client.post(f"{BASE}add/", {"user": officer.pk, "course": course.pk})
    assert response.status_code == 200  # the form again, with an error
    assert not CourseEnrolment.objects.exists()


def test_a_duplicate_enrolment_is_refused(client, admin, trainee, course):
    enrol(trainee, course, acting_user=admin)
    client.force_login(admin)
    response = client.post(f"{BASE}add/", {"user": trainee.pk, "course": course.pk})
    assert response.status_code == 200
    assert CourseEnrolment.objects.count() == 1


def test_deleting_an_enrolment_is_audited(client, admin, trainee, course):
    enrolment = enrol(trainee, course, acting_user=admin)
    client.force_login(admin)
    response = client.post(f"{BASE}delete/{enrolment.pk}/")
    assert response.status_code == 302
    assert not CourseEnrolment.objects.exists()
    assert AuditEvent.objects.get(action="course_enrolment.deleted").actor == admin


def test_the_list_and_record_pages_work_and_editing_redirects_to_the_record(
    client, admin, trainee, course
):
    enrolment = enrol(trainee, course, acting_user=admin)
    client.force_login(admin)
    response = client.get(BASE)
    assert response.status_code == 200
    assert trainee.username in response.content.decode()
    assert client.get(f"{BASE}inspect/{enrolment.pk}/").status_code == 200
    response = client.get(f"{BASE}edit/{enrolment.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}inspect/{enrolment.pk}/"


def test_people_without_the_permission_are_kept_out(client, trainee, course, make_user):
    client.force_login(make_user("lecturer", username="teacher"))
    response = client.post(f"{BASE}add/", {"user": trainee.pk, "course": course.pk})
    assert response.status_code in {302, 403}
    assert not CourseEnrolment.objects.exists()
