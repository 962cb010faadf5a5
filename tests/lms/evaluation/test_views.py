"""The site pages: the form, a class's results, a lecturer's own ratings."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from lms.enrolment.models import ClassEnrolment
from lms.evaluation.models import EvaluationReceipt, EvaluationResponse, LecturerRating
from lms.training.models import TrainingClass
from tests.factories.training import make_class, make_enrolment, make_institution

from .helpers import answer, form_data


def form_url(training_class):
    return f"/training/classes/{training_class.pk}/evaluation/"


def results_url(training_class):
    return f"/training/classes/{training_class.pk}/evaluation/results/"


MY_RATINGS = "/training/lecturers/me/ratings/"


def set_status(training_class, status):
    TrainingClass.objects.filter(pk=training_class.pk).update(status=status)


# --- The form ---------------------------------------------------------------------------------


def test_a_trainee_sees_the_form_with_every_question_and_lecturer(client, world):
    client.force_login(world.trainee)
    response = client.get(form_url(world.training_class))
    assert response.status_code == 200
    html = response.text
    for name in ("content", "organisation", "venue", "practicality", "overall", "comments"):
        assert f'name="{name}"' in html
    for lecturer in (world.lecturer_a, world.lecturer_b):
        assert f'name="lecturer_{lecturer.pk}"' in html
        assert f'name="lecturer_{lecturer.pk}_comment"' in html
        assert lecturer.name in html
    # Five labelled radio buttons per rating, each inside its label.
    assert html.count('type="radio"') == 5 * 7
    with translation.override("zh-hans"):
        assert gettext("Very dissatisfied") in html
    assert f'href="/training/classes/{world.training_class.pk}/"' in html


def test_an_empty_post_shows_every_question_as_missing(client, world):
    client.force_login(world.trainee)
    response = client.post(form_url(world.training_class), {})
    assert response.status_code == 400
    assert len(response.context["form"].errors) == 5 + 2
    assert not EvaluationReceipt.objects.exists()


def test_submitting_the_form_saves_and_thanks(client, world):
    client.force_login(world.trainee)
    data = form_data(world.training_class, score=5, comments="很好")
    data[f"lecturer_{world.lecturer_a.pk}_comment"] = "耐心"
    response = client.post(form_url(world.training_class), data)
    assert response.status_code == 302
    assert response["Location"] == form_url(world.training_class)
    assert EvaluationReceipt.objects.get().enrolment == world.enrolment
    assert EvaluationResponse.objects.get().comments == "很好"
    assert LecturerRating.objects.get(lecturer=world.lecturer_a).comment == "耐心"

    page = client.get(form_url(world.training_class))
    assert page.status_code == 200
    assert 'type="radio"' not in page.text
    receipt = EvaluationReceipt.objects.get()
    assert receipt.submitted_on.strftime("%Y-%m-%d") in page.text


def test_a_missing_rating_re_renders_with_the_error(client, world):
    client.force_login(world.trainee)
    data = form_data(world.training_class)
    del data["venue"]
    data[f"lecturer_{world.lecturer_b.pk}"] = "9"
    response = client.post(form_url(world.training_class), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"venue", f"lecturer_{world.lecturer_b.pk}"}
    assert 'role="alert"' in response.text
    # What was chosen stays chosen.
    assert re.search(r'<input type="radio" name="content" value="4"[^>]* checked', response.text)
    assert not EvaluationResponse.objects.exists()


def test_a_second_submission_gets_a_clear_message_and_changes_nothing(client, world):
    answer(world.enrolment, score=5)
    client.force_login(world.trainee)
    response = client.post(form_url(world.training_class), form_data(world.training_class, 1))
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert (
            gettext(
                "You have already answered the evaluation for this class; answers cannot be "
                "changed."
            )
            in response.text
        )
    assert EvaluationResponse.objects.count() == 1
    assert EvaluationResponse.objects.get().overall == 5


@pytest.mark.parametrize(
    "status",
    [
        TrainingClass.Status.PLANNED,
        TrainingClass.Status.ENROLLING,
        TrainingClass.Status.ARCHIVED,
    ],
)
def test_a_class_that_is_not_open_shows_why_and_refuses_posts(client, world, status):
    set_status(world.training_class, status)
    client.force_login(world.trainee)
    page = client.get(form_url(world.training_class))
    assert page.status_code == 200
    assert 'type="radio"' not in page.text
    assert page.context["is_open"] is False
    response = client.post(form_url(world.training_class), form_data(world.training_class))
    assert response.status_code == 400
    assert response.context["errors"]
    assert not EvaluationReceipt.objects.exists()


def test_a_trainee_of_another_class_gets_404(client, world):
    other_class = make_class(world.plan)
    outsider = make_enrolment(other_class, user=True).profile.user
    client.force_login(outsider)
    assert client.get(form_url(world.training_class)).status_code == 404
    response = client.post(form_url(world.training_class), form_data(world.training_class))
    assert response.status_code == 404
    assert not EvaluationReceipt.objects.exists()


@pytest.mark.parametrize("status", [ClassEnrolment.Status.APPLIED, ClassEnrolment.Status.WITHDRAWN])
def test_a_trainee_not_enrolled_gets_404(client, world, status):
    user = make_enrolment(world.training_class, user=True, status=status).profile.user
    client.force_login(user)
    assert client.get(form_url(world.training_class)).status_code == 404
    assert (
        client.post(form_url(world.training_class), form_data(world.training_class)).status_code
        == 404
    )
    assert not EvaluationReceipt.objects.exists()


def test_unknown_class_and_strangers_get_the_same_404(client, world, make_user):
    client.force_login(world.trainee)
    unknown = client.get("/training/classes/999999/evaluation/")
    client.force_login(world.lecturer_user)
    forbidden = client.get(form_url(world.training_class))
    assert unknown.status_code == forbidden.status_code == 404


def test_those_who_see_results_are_sent_to_them(client, world):
    client.force_login(world.head_teacher)
    response = client.get(form_url(world.training_class))
    assert response.status_code == 302
    assert response["Location"] == results_url(world.training_class)
    client.post(form_url(world.training_class), form_data(world.training_class))
    assert not EvaluationReceipt.objects.exists()


def test_visitors_are_asked_to_sign_in(client, world):
    response = client.get(form_url(world.training_class))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get(results_url(world.training_class)).status_code == 302
    assert client.get(MY_RATINGS).status_code == 302


# --- Results: who sees what ---------------------------------------------------------------------


@pytest.fixture
def answered(world):
    """Three of four trainees answered; the fourth has not."""
    for enrolment in world.enrolments[:3]:
        answer(enrolment, comments=f"建议{enrolment.pk}")
    world.silent = world.enrolments[3]
    return world


def viewer(world, make_user, who):
    if who == "head_teacher":
        return world.head_teacher
    if who == "staff":
        return world.staff
    if who == "other_staff":
        other = make_user("institution_staff")
        make_institution(staff=[other]).save()
        return other
    if who == "lecturer":
        return world.lecturer_user
    if who == "trainee":
        return world.trainee
    if who == "other_head_teacher":
        return make_user("head_teacher")
    return make_user(who)


RESULTS_MATRIX = [
    # who, sees results, sees who has not answered
    ("head_teacher", True, True),
    ("administrator", True, True),
    ("commerce_officer", True, False),
    ("finance_officer", True, False),
    ("staff", True, False),
    ("other_staff", False, False),
    ("other_head_teacher", False, False),
    ("lecturer", False, False),
    ("trainee", False, False),
    ("registrar", False, False),
]


@pytest.mark.parametrize(("who", "sees", "sees_list"), RESULTS_MATRIX)
def test_results_permission_matrix(client, answered, make_user, who, sees, sees_list):
    world = answered
    client.force_login(viewer(world, make_user, who))
    response = client.get(results_url(world.training_class))
    assert response.status_code == (200 if sees else 404)
    if not sees:
        return
    assert response.context["results"].shown
    silent_name = world.silent.profile.real_name
    assert (silent_name in response.text) is sees_list
    assert response.context["show_non_answerers"] is sees_list
    # Nobody's page names a trainee who answered.
    for enrolment in world.enrolments[:3]:
        assert enrolment.profile.real_name not in response.text


def test_results_show_figures_comments_and_lecturers(client, answered):
    world = answered
    client.force_login(world.staff)
    response = client.get(results_url(world.training_class))
    html = response.text
    assert "4.00" in html
    assert "100.0%" in html
    for enrolment in world.enrolments[:3]:
        assert f"建议{enrolment.pk}" in html
    assert world.lecturer_a.name in html and world.lecturer_b.name in html


def test_results_wait_for_the_minimum_number_of_answers(client, world):
    answer(world.enrolments[0], comments="唯一的意见")
    client.force_login(world.head_teacher)
    response = client.get(results_url(world.training_class))
    assert response.status_code == 200
    assert not response.context["results"].shown
    assert "唯一的意见" not in response.text
    # The head teacher still sees who has not answered, to remind them.
    assert world.enrolments[1].profile.real_name in response.text


def test_unknown_class_results_404(client, world):
    client.force_login(world.head_teacher)
    assert client.get("/training/classes/999999/evaluation/results/").status_code == 404


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("who", ["head_teacher", "staff", "commerce_officer"])
def test_results_page_queries_are_the_same_for_3_and_12_answers(client, world, make_user, who):
    client.force_login(viewer(world, make_user, who))
    for enrolment in world.enrolments[:3]:
        answer(enrolment, comments="意见", lecturers=[
            {"lecturer_id": world.lecturer_a.pk, "score": 4, "comment": "好"},
            {"lecturer_id": world.lecturer_b.pk, "score": 3, "comment": "一般"},
        ])  # fmt: skip
    for _ in range(10):
        make_enrolment(world.training_class, user=True)
    few = count_queries(client, results_url(world.training_class))
    for enrolment in ClassEnrolment.objects.filter(
        training_class=world.training_class, evaluation_receipt__isnull=True
    )[:9]:
        answer(enrolment, comments="更多意见")
    assert EvaluationResponse.objects.count() == 12
    many = count_queries(client, results_url(world.training_class))
    assert few == many
    assert many <= 16


# --- A lecturer's own ratings -------------------------------------------------------------------


def test_a_lecturer_sees_their_own_ratings_and_no_names(client, answered):
    world = answered
    client.force_login(world.lecturer_user)
    response = client.get(MY_RATINGS)
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.lecturer == world.lecturer_a
    assert (summary.count, summary.shown) == (3, True)
    for enrolment in world.enrolments:
        assert enrolment.profile.real_name not in response.text
    # Not the class's general comments, which are not about them.
    assert "建议" not in response.text


def test_a_lecturer_sees_only_their_own_comments(client, world):
    for enrolment in world.enrolments[:3]:
        answer(enrolment, lecturers=[
            {"lecturer_id": world.lecturer_a.pk, "score": 5, "comment": f"王好{enrolment.pk}"},
            {"lecturer_id": world.lecturer_b.pk, "score": 2, "comment": f"李差{enrolment.pk}"},
        ])  # fmt: skip
    client.force_login(world.lecturer_user)
    html = client.get(MY_RATINGS).text
    assert "王好" in html
    assert "李差" not in html


def test_my_ratings_query_count_is_constant(client, world):
    client.force_login(world.lecturer_user)
    for enrolment in world.enrolments[:3]:
        answer(enrolment)
    few = count_queries(client, MY_RATINGS)
    for _ in range(9):
        answer(make_enrolment(world.training_class, user=True), lecturers=[
            {"lecturer_id": world.lecturer_a.pk, "score": 3, "comment": "还行"},
            {"lecturer_id": world.lecturer_b.pk, "score": 3, "comment": ""},
        ])  # fmt: skip
    assert count_queries(client, MY_RATINGS) == few


@pytest.mark.parametrize("role", ["head_teacher", "trainee", "commerce_officer"])
def test_my_ratings_needs_a_lecturer_library_entry(client, make_user, world, role):
    client.force_login(make_user(role))
    assert client.get(MY_RATINGS).status_code == 404
