"""The "Satisfaction evaluation" admin menu item and views."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.training.models import TrainingClass
from tests.factories.training import make_class, make_enrolment, make_institution, make_plan

from .helpers import answer

INDEX = "/admin/evaluation/"


def class_url(training_class):
    return f"/admin/evaluation/classes/{training_class.pk}/"


@pytest.fixture
def two_institutions(world):
    """``world``'s class (3 answers) and a class of another institution (3 answers)."""
    for enrolment in world.enrolments[:3]:
        answer(enrolment, comments="本机构的意见")
    other_institution = make_institution()
    other_class = make_class(make_plan(other_institution), name="外机构培训班")
    for _ in range(3):
        answer(make_enrolment(other_class, user=True), comments="外机构的意见")
    world.other_class = other_class
    return world


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("administrator", True),
        ("commerce_officer", True),
        ("institution_staff", True),
        ("finance_officer", True),
        ("lecturer", False),
        ("head_teacher", False),
        ("registrar", False),
    ],
)
def test_the_menu_item_shows_only_with_the_permission(client, make_user, db, role, shown):
    client.force_login(make_user(role))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert ("/admin/evaluation/" in response.text) is shown
    assert client.get(INDEX).status_code == (200 if shown else 404)


@pytest.mark.parametrize("role", ["lecturer", "head_teacher", "registrar"])
def test_without_the_permission_the_views_404(client, two_institutions, make_user, role):
    world = two_institutions
    client.force_login(make_user(role))
    assert client.get(INDEX).status_code == 404
    assert client.get(class_url(world.training_class)).status_code == 404


@pytest.mark.parametrize("role", ["administrator", "commerce_officer", "finance_officer"])
def test_officers_see_every_class(client, two_institutions, make_user, role):
    world = two_institutions
    client.force_login(make_user(role))
    response = client.get(INDEX)
    assert {row.pk for row in response.context["rows"]} == {
        world.training_class.pk,
        world.other_class.pk,
    }
    row = next(row for row in response.context["rows"] if row.pk == world.training_class.pk)
    assert (row.evaluation["answered"], row.evaluation["enrolled"]) == (3, 4)
    assert client.get(class_url(world.other_class)).status_code == 200


def test_institution_staff_see_only_their_institutions_classes(client, two_institutions):
    world = two_institutions
    client.force_login(world.staff)
    response = client.get(INDEX)
    assert [row.pk for row in response.context["rows"]] == [world.training_class.pk]
    assert "外机构培训班" not in response.text
    page = client.get(class_url(world.training_class))
    assert page.status_code == 200
    assert "本机构的意见" in page.text
    # Another institution's class reads like one that does not exist.
    assert client.get(class_url(world.other_class)).status_code == 404
    assert client.get("/admin/evaluation/classes/999999/").status_code == 404


def test_classes_not_yet_running_are_not_listed(client, world, make_user):
    planned = make_class(world.plan, status=TrainingClass.Status.PLANNED)
    client.force_login(make_user("commerce_officer"))
    rows = client.get(INDEX).context["rows"]
    assert planned.pk not in {row.pk for row in rows}


def test_the_class_page_names_nobody_for_officers(client, two_institutions, make_user):
    world = two_institutions
    client.force_login(make_user("commerce_officer"))
    response = client.get(class_url(world.training_class))
    assert response.context["show_non_answerers"] is False
    for enrolment in world.enrolments:
        assert enrolment.profile.real_name not in response.text


def test_an_administrator_standing_in_sees_who_has_not_answered(
    client, two_institutions, make_user
):
    world = two_institutions
    client.force_login(make_user("administrator"))
    response = client.get(class_url(world.training_class))
    assert response.context["show_non_answerers"] is True
    assert world.enrolments[3].profile.real_name in response.text


def count(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_admin_query_counts_do_not_grow_with_answers_or_classes(client, world, make_user):
    client.force_login(make_user("commerce_officer"))
    for enrolment in world.enrolments[:3]:
        answer(enrolment, comments="意见")
    index_few, class_few = count(client, INDEX), count(client, class_url(world.training_class))
    for _ in range(9):
        answer(make_enrolment(world.training_class, user=True), comments="更多")
    for _ in range(3):
        extra = make_class(world.plan)
        answer(make_enrolment(extra, user=True))
    assert count(client, INDEX) == index_few
    assert count(client, class_url(world.training_class)) == class_few
