"""Site pages: classes taking enrolments, applying, withdrawing, the head teacher's committee."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.enrolment.models import ClassEnrolment
from lms.training.models import TrainingClass
from tests.factories import VillageFactory
from tests.factories.training import make_class, make_enrolment

pytestmark = pytest.mark.django_db
Status = ClassEnrolment.Status


def apply_url(training_class):
    return f"/training/classes/{training_class.pk}/apply/"


def test_the_enrolling_list_needs_sign_in(client):
    response = client.get("/training/enrolling/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_enrolling_list_shows_public_facts(client, trainee, training_class, plan, make_person):
    make_class(plan, status=TrainingClass.Status.PLANNED, name="还没开始报名的班")
    make_enrolment(training_class, profile=make_person(village=VillageFactory()))
    client.force_login(trainee)
    response = client.get("/training/enrolling/")
    assert response.status_code == 200
    assert [c.pk for c in response.context["classes"]] == [training_class.pk]
    shown = response.context["classes"][0]
    assert shown.places_left == training_class.capacity - 1
    assert training_class.institution.legal_name in response.text
    assert "还没开始报名的班" not in response.text
    assert "4305" not in response.text  # nobody's ID number


def test_the_enrolling_list_costs_the_same_for_1_or_8_classes(
    client, trainee, plan, training_class
):
    client.force_login(trainee)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/training/enrolling/").status_code == 200
        return len(queries)

    client.get("/training/enrolling/")
    few = count()
    for _n in range(7):
        make_class(plan, status="enrolling")
    assert count() == few


def test_someone_without_a_profile_is_told_to_ask_their_registrar(
    client, make_user, training_class
):
    client.force_login(make_user("trainee"))
    response = client.get(apply_url(training_class))
    assert response.status_code == 200
    assert response.context["profile"] is None
    assert 'class="button primary wide"' not in response.text  # no Apply button
    response = client.post(apply_url(training_class))
    assert response.status_code == 400
    assert not ClassEnrolment.objects.exists()


def test_a_trainee_applies_on_the_site(client, trainee, training_class):
    client.force_login(trainee)
    page = client.get(apply_url(training_class))
    assert page.status_code == 200
    assert page.context["problems"] == []
    response = client.post(apply_url(training_class))
    assert response.status_code == 302
    enrolment = ClassEnrolment.objects.get()
    assert (enrolment.status, enrolment.source) == (Status.APPLIED, "self")
    page = client.get(apply_url(training_class))
    assert page.context["holds_place"]


def test_the_rules_and_the_reasons_are_shown(client, trainee, training_class):
    profile = trainee.trainee_profile
    profile.education = "primary"
    profile.save()
    client.force_login(trainee)
    page = client.get(apply_url(training_class))
    assert len(page.context["rules"]) == 3
    assert len(page.context["problems"]) == 1
    response = client.post(apply_url(training_class))
    assert response.status_code == 400
    assert response.context["errors"] == page.context["problems"]
    assert not ClassEnrolment.objects.exists()


def test_classes_not_enrolling_and_unknown_ids_are_404(client, trainee, training_class):
    client.force_login(trainee)
    TrainingClass.objects.filter(pk=training_class.pk).update(status="in_progress")
    assert client.get(apply_url(training_class)).status_code == 404
    assert client.post(apply_url(training_class)).status_code == 404
    assert client.get("/training/classes/999999/apply/").status_code == 404


def test_the_applicant_withdraws_on_the_site(client, trainee, training_class):
    client.force_login(trainee)
    client.post(apply_url(training_class))
    url = f"/training/classes/{training_class.pk}/application/withdraw/"
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert ClassEnrolment.objects.get().status == Status.WITHDRAWN
    assert client.post(url).status_code == 404  # nothing pending any more


def test_nobody_withdraws_someone_elses_application(client, trainee, make_user, training_class):
    from lms.enrolment import actions

    actions.check_apply(training_class, trainee)
    client.force_login(make_user("trainee"))
    url = f"/training/classes/{training_class.pk}/application/withdraw/"
    assert client.post(url).status_code == 404
    assert ClassEnrolment.objects.get().status == Status.APPLIED


# --- The class committee page ------------------------------------------------------------------


@pytest.fixture
def head_teacher(make_user, training_class):
    user = make_user("head_teacher", username="headteacher1")
    training_class.head_teacher = user
    training_class.save()
    return user


def test_the_head_teacher_sets_the_committee(client, head_teacher, training_class, make_person):
    first = make_enrolment(training_class, profile=make_person())
    second = make_enrolment(training_class, profile=make_person())
    client.force_login(head_teacher)
    url = f"/training/classes/{training_class.pk}/committee/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"enrolment": first.pk, "role": "monitor"}).status_code == 302
    assert client.post(url, {"enrolment": second.pk, "role": "monitor"}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.committee_role, second.committee_role) == ("", "monitor")
    assert [m.pk for m in client.get(url).context["members"]] == [second.pk]
    response = client.post(url, {"enrolment": first.pk, "role": "captain"})
    assert response.status_code == 400
    response = client.post(url, {"enrolment": 999999, "role": "life"})
    assert response.status_code == 400


def test_others_get_404_on_the_committee_page(client, make_user, trainee, training_class):
    url = f"/training/classes/{training_class.pk}/committee/"
    for user in (make_user("head_teacher"), trainee, make_user("registrar")):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(make_user("head_teacher"))
    assert client.get("/training/classes/999999/committee/").status_code == 404


def test_the_class_page_panel_links_the_head_teacher_to_the_committee(
    rf, head_teacher, trainee, training_class, make_person
):
    from lms.enrolment.panels import committee_panel_context

    enrolment = make_enrolment(training_class, profile=make_person(), committee_role="monitor")
    request = rf.get("/")
    request.user = head_teacher
    context = committee_panel_context(request, training_class, None)
    assert context == {"roles_filled": 1, "roles_total": 4, "committee_editable": True}
    request.user = trainee
    assert committee_panel_context(request, training_class, enrolment) is None
    assert committee_panel_context(request, training_class, None) is None
