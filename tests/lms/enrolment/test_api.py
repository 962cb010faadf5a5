"""The enrolment API: classes taking enrolments, applying and withdrawing, the same rules and
the same 404 as the site."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.accounts.actions import do_issue_api_token
from lms.enrolment.models import ClassEnrolment
from lms.training.models import TrainingClass
from tests.factories import VillageFactory
from tests.factories.training import make_class, make_enrolment

pytestmark = pytest.mark.django_db
Status = ClassEnrolment.Status


def bearer(user):
    _token, raw = do_issue_api_token(user, "phone", acting_user=user)
    return {"authorization": f"Bearer {raw}", "accept-language": "en"}


def test_the_api_needs_a_user(client, training_class):
    assert client.get("/api/v1/enrolling-classes").status_code == 401
    assert client.post(f"/api/v1/classes/{training_class.pk}/apply").status_code == 401
    assert client.delete(f"/api/v1/classes/{training_class.pk}/application").status_code == 401


def test_enrolling_classes(client, trainee, training_class, plan, make_person):
    make_class(plan, status=TrainingClass.Status.IN_PROGRESS)
    make_enrolment(training_class, profile=make_person(village=VillageFactory()))
    response = client.get("/api/v1/enrolling-classes", headers=bearer(trainee))
    assert response.status_code == 200
    [shown] = response.json()
    assert shown["id"] == training_class.pk
    assert shown["places_left"] == training_class.capacity - 1
    assert shown["institution"] == training_class.institution.legal_name
    assert shown["eligible"] is True and shown["problems"] == []
    assert shown["my_status"] is None
    assert shown["rules"][0].startswith("Aged 16 to 45")


def test_someone_without_a_profile_has_no_eligibility(client, make_user, training_class):
    [shown] = client.get("/api/v1/enrolling-classes", headers=bearer(make_user("trainee"))).json()
    assert shown["eligible"] is None


def test_the_list_costs_the_same_for_1_or_6_classes(client, trainee, training_class, plan):
    headers = bearer(trainee)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/enrolling-classes", headers=headers).status_code == 200
        return len(queries)

    count()
    few = count()
    for _n in range(5):
        make_class(plan, status="enrolling")
    assert count() == few


def test_apply_and_withdraw(client, trainee, training_class):
    headers = bearer(trainee)
    response = client.post(f"/api/v1/classes/{training_class.pk}/apply", headers=headers)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "applied" and body["class_id"] == training_class.pk
    [shown] = client.get("/api/v1/enrolling-classes", headers=headers).json()
    assert shown["my_status"] == "applied"
    again = client.post(f"/api/v1/classes/{training_class.pk}/apply", headers=headers)
    assert again.status_code == 400
    assert "already in this class" in again.json()["detail"]
    assert again.json()["code"] == "already_in_class"
    response = client.delete(f"/api/v1/classes/{training_class.pk}/application", headers=headers)
    assert response.status_code == 204
    assert ClassEnrolment.objects.get().status == Status.WITHDRAWN
    response = client.delete(f"/api/v1/classes/{training_class.pk}/application", headers=headers)
    assert response.status_code == 404


def test_the_same_rules_and_messages_as_the_site(client, trainee, training_class):
    profile = trainee.trainee_profile
    profile.computer_skill = "none"
    profile.save()
    response = client.post(f"/api/v1/classes/{training_class.pk}/apply", headers=bearer(trainee))
    assert response.status_code == 400
    body = response.json()
    assert body["reasons"] == ["Computer skill: None; this class needs Basic or above."]
    assert body["detail"] == body["reasons"][0]
    assert body["code"] == "ineligible"
    assert not ClassEnrolment.objects.exists()


def test_without_a_profile(client, make_user, training_class):
    response = client.post(
        f"/api/v1/classes/{training_class.pk}/apply", headers=bearer(make_user("trainee"))
    )
    assert response.status_code == 400
    assert "registrar" in response.json()["detail"]  # bearer() asks for English


def test_unknown_and_not_enrolling_classes_are_the_same_404(client, trainee, training_class):
    headers = bearer(trainee)
    TrainingClass.objects.filter(pk=training_class.pk).update(status="planned")
    closed = client.post(f"/api/v1/classes/{training_class.pk}/apply", headers=headers)
    unknown = client.post("/api/v1/classes/999999/apply", headers=headers)
    assert closed.status_code == unknown.status_code == 404
    assert closed.json() == unknown.json()
    assert client.delete("/api/v1/classes/999999/application", headers=headers).status_code == 404


def test_one_cannot_withdraw_a_confirmed_place_or_someone_elses(
    client, trainee, make_user, training_class, registrar
):
    from lms.enrolment import actions

    application = actions.check_apply(training_class, trainee)
    other = client.delete(
        f"/api/v1/classes/{training_class.pk}/application", headers=bearer(make_user("trainee"))
    )
    assert other.status_code == 404
    actions.check_confirm_application(application, acting_user=registrar)
    response = client.delete(
        f"/api/v1/classes/{training_class.pk}/application", headers=bearer(trainee)
    )
    assert response.status_code == 404
    assert ClassEnrolment.objects.get().status == Status.ENROLLED


def test_session_clients_need_the_csrf_token(trainee, training_class):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee)
    response = client.post(f"/api/v1/classes/{training_class.pk}/apply")
    assert response.status_code == 403
    assert not ClassEnrolment.objects.exists()
