"""The evaluation panel on the class page."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from lms.evaluation.panels import evaluation_panel_context
from lms.training.models import TrainingClass
from lms.training.panels import _PANELS, class_panels

from .helpers import answer


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def context_for(world, user, enrolment=None):
    return evaluation_panel_context(request_for(user), world.training_class, enrolment)


def test_the_panel_is_registered():
    panel = _PANELS["evaluation"]
    assert panel.template == "evaluation/panels/evaluation.html"
    assert panel.context is evaluation_panel_context


def test_a_trainee_is_invited_to_answer(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        context = context_for(world, world.trainee, world.enrolment)
    assert context["state"] == "open"
    html = render_to_string("evaluation/panels/evaluation.html", context)
    assert f"/training/classes/{world.training_class.pk}/evaluation/" in html


def test_a_trainee_who_answered_is_thanked_with_the_date(world):
    receipt = answer(world.enrolment)
    context = context_for(world, world.trainee, world.enrolment)
    assert context["state"] == "answered"
    html = render_to_string("evaluation/panels/evaluation.html", context)
    assert receipt.submitted_on.strftime("%Y-%m-%d") in html
    assert "/evaluation/" not in html.split("</h2>", 1)[1]


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (TrainingClass.Status.PLANNED, "not_yet_open"),
        (TrainingClass.Status.ENROLLING, "not_yet_open"),
        (TrainingClass.Status.FINISHED, "open"),
        (TrainingClass.Status.ARCHIVED, "closed"),
    ],
)
def test_the_trainee_panel_follows_the_class_status(world, status, state):
    world.training_class.status = status
    assert context_for(world, world.trainee, world.enrolment)["state"] == state


def test_the_head_teacher_sees_how_many_answered_and_the_link(world):
    for enrolment in world.enrolments[:2]:
        answer(enrolment)
    context = context_for(world, world.head_teacher)
    assert (context["answered"], context["enrolled"], context["runs_class"]) == (2, 4, True)
    html = render_to_string("evaluation/panels/evaluation.html", context)
    assert f"/training/classes/{world.training_class.pk}/evaluation/results/" in html


def test_staff_see_the_count_but_do_not_run_the_class(world):
    context = context_for(world, world.staff)
    assert context["runs_class"] is False


def test_lecturers_see_no_panel(world):
    assert context_for(world, world.lecturer_user) is None


def test_class_panels_include_the_evaluation(world):
    shown = class_panels(request_for(world.trainee), world.training_class, world.enrolment)
    keys = [panel.key for panel, _context in shown]
    assert "evaluation" in keys


def test_the_class_page_shows_the_panel(client, world):
    client.force_login(world.trainee)
    response = client.get(f"/training/classes/{world.training_class.pk}/")
    assert response.status_code == 200
    assert f"/training/classes/{world.training_class.pk}/evaluation/" in response.text
    client.force_login(world.head_teacher)
    response = client.get(f"/training/classes/{world.training_class.pk}/")
    assert f"/training/classes/{world.training_class.pk}/evaluation/results/" in response.text
