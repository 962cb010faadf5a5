"""GET/POST /api/v1/classes/{id}/evaluation, GET .../evaluation/results, /lecturers/me/ratings."""

import pytest
from django.utils import translation

from lms.accounts.actions import do_issue_api_token
from lms.evaluation.models import EvaluationReceipt, EvaluationResponse, LecturerRating
from lms.training.models import TrainingClass
from tests.factories.training import make_class, make_enrolment, make_lecturer

from .helpers import answer, good_answers


def url(training_class, suffix=""):
    return f"/api/v1/classes/{training_class.pk}/evaluation{suffix}"


def bearer(user):
    _token, raw = do_issue_api_token(user, "phone", acting_user=user)
    return {"authorization": f"Bearer {raw}"}


def post(client, training_class, body, user):
    return client.post(
        url(training_class), body, content_type="application/json", headers=bearer(user)
    )


def test_the_form_definition(client, world):
    client.force_login(world.trainee)
    with translation.override("en"):
        response = client.get(url(world.training_class), headers={"accept-language": "en"})
    assert response.status_code == 200
    body = response.json()
    assert body["class_id"] == world.training_class.pk
    assert body["open"] is True
    assert body["answered"] is False
    assert body["answered_on"] is None
    assert [d["key"] for d in body["dimensions"]] == [
        "content", "organisation", "venue", "practicality", "overall",
    ]  # fmt: skip
    assert [s["value"] for s in body["scale"]] == [1, 2, 3, 4, 5]
    assert {lecturer["id"] for lecturer in body["lecturers"]} == {
        world.lecturer_a.pk,
        world.lecturer_b.pk,
    }
    assert body["max_comments_length"] == 2000


def test_answering_with_a_token(client, world):
    body = good_answers(world.training_class, score=5, comments="很实用")
    response = post(client, world.training_class, body, world.trainee)
    assert response.status_code == 201
    receipt = EvaluationReceipt.objects.get()
    assert response.json() == {"answered": True, "answered_on": str(receipt.submitted_on)}
    assert EvaluationResponse.objects.get().comments == "很实用"
    assert LecturerRating.objects.count() == 2
    form = client.get(url(world.training_class), headers=bearer(world.trainee)).json()
    assert form["answered"] is True
    assert form["answered_on"] == str(receipt.submitted_on)


def test_a_session_post_needs_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.trainee)
    response = client.post(
        url(world.training_class),
        good_answers(world.training_class),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not EvaluationReceipt.objects.exists()


def test_bad_answers_get_400_with_errors_per_field(client, world):
    body = good_answers(world.training_class, overall=6)
    del body["venue"]
    body["lecturers"] = body["lecturers"][:1]
    response = post(client, world.training_class, body, world.trainee)
    assert response.status_code == 400
    errors = response.json()["errors"]
    missing = (
        {world.lecturer_a.pk, world.lecturer_b.pk} - {body["lecturers"][0]["lecturer_id"]}
    ).pop()
    assert set(errors) == {"overall", "venue", f"lecturer_{missing}"}
    assert response.json()["detail"]
    assert not EvaluationReceipt.objects.exists()


def test_a_lecturer_not_in_the_class_gets_400(client, world):
    body = good_answers(world.training_class)
    body["lecturers"].append({"lecturer_id": make_lecturer("外人").pk, "score": 3})
    response = post(client, world.training_class, body, world.trainee)
    assert response.status_code == 400
    assert "lecturers" in response.json()["errors"]
    assert not EvaluationReceipt.objects.exists()


def test_a_wrongly_typed_rating_gets_422(client, world):
    body = good_answers(world.training_class, content="very good")
    response = post(client, world.training_class, body, world.trainee)
    assert response.status_code == 422
    assert not EvaluationReceipt.objects.exists()


def test_a_second_answer_gets_400_and_changes_nothing(client, world):
    answer(world.enrolment, score=5)
    response = post(
        client, world.training_class, good_answers(world.training_class, 1), world.trainee
    )
    assert response.status_code == 400
    with translation.override("en"):
        response = client.post(
            url(world.training_class),
            good_answers(world.training_class, 1),
            content_type="application/json",
            headers={**bearer(world.trainee), "accept-language": "en"},
        )
    assert response.json()["errors"] == {
        "__all__": [
            "You have already answered the evaluation for this class; answers cannot be changed."
        ]
    }
    assert list(EvaluationResponse.objects.values_list("overall", flat=True)) == [5]


def test_a_closed_class_gets_400(client, world):
    TrainingClass.objects.filter(pk=world.training_class.pk).update(
        status=TrainingClass.Status.ENROLLING
    )
    assert (
        client.get(url(world.training_class), headers=bearer(world.trainee)).json()["open"] is False
    )
    response = post(client, world.training_class, good_answers(world.training_class), world.trainee)
    assert response.status_code == 400
    assert not EvaluationReceipt.objects.exists()


def test_other_classes_and_unknown_ids_get_the_same_404(client, world):
    other_class = make_class(world.plan)
    make_enrolment(other_class, user=True)
    headers = bearer(world.trainee)
    unknown = client.get("/api/v1/classes/999999/evaluation", headers=headers)
    other = client.get(url(other_class), headers=headers)
    assert unknown.status_code == other.status_code == 404
    assert unknown.json() == other.json()
    response = post(client, other_class, good_answers(other_class), world.trainee)
    assert response.status_code == 404
    assert not EvaluationReceipt.objects.exists()


@pytest.mark.parametrize("who", ["head_teacher", "lecturer_user", "staff"])
def test_only_enrolled_trainees_get_the_form(client, world, who):
    user = getattr(world, who)
    assert client.get(url(world.training_class), headers=bearer(user)).status_code == 404
    response = post(client, world.training_class, good_answers(world.training_class), user)
    assert response.status_code == 404


def test_anonymous_requests_get_401(client, world):
    assert client.get(url(world.training_class)).status_code == 401
    assert client.get(url(world.training_class, "/results")).status_code == 401


# --- Results ------------------------------------------------------------------------------------


@pytest.fixture
def answered(world):
    for enrolment in world.enrolments[:3]:
        answer(enrolment, score=4, comments=f"意见{enrolment.pk}")
    return world


def test_the_head_teacher_gets_results_and_who_has_not_answered(client, answered):
    world = answered
    response = client.get(url(world.training_class, "/results"), headers=bearer(world.head_teacher))
    assert response.status_code == 200
    body = response.json()
    assert (body["answered"], body["enrolled"], body["shown"]) == (3, 4, True)
    assert body["satisfaction_rate"] == 100.0
    overall = next(d for d in body["dimensions"] if d["key"] == "overall")
    assert overall["average"] == 4.0
    assert [row["count"] for row in overall["distribution"]] == [0, 0, 0, 3, 0]
    assert {lecturer["id"] for lecturer in body["lecturers"]} == {
        world.lecturer_a.pk,
        world.lecturer_b.pk,
    }
    assert body["comments"] == sorted(f"意见{e.pk}" for e in world.enrolments[:3])
    assert body["non_answerers"] == [
        {
            "name": world.enrolments[3].profile.real_name,
            "village": world.enrolments[3].profile.village.name,
        }
    ]


@pytest.mark.parametrize("who", ["staff", "commerce_officer", "finance_officer"])
def test_others_who_see_results_do_not_see_who_answered(client, answered, make_user, who):
    world = answered
    user = getattr(world, who, None) or make_user(who)
    response = client.get(url(world.training_class, "/results"), headers=bearer(user))
    assert response.status_code == 200
    body = response.json()
    assert body["non_answerers"] is None
    for enrolment in world.enrolments:
        assert enrolment.profile.real_name not in response.text


@pytest.mark.parametrize("who", ["trainee", "lecturer_user"])
def test_trainees_and_lecturers_get_404_for_class_results(client, answered, who):
    user = getattr(answered, who)
    response = client.get(url(answered.training_class, "/results"), headers=bearer(user))
    assert response.status_code == 404


def test_results_below_the_minimum_carry_no_figures(client, world):
    answer(world.enrolment, comments="唯一")
    body = client.get(
        url(world.training_class, "/results"), headers=bearer(world.head_teacher)
    ).json()
    assert body["shown"] is False
    assert body["min_answers"] == 3
    assert body["dimensions"] == body["lecturers"] == body["comments"] == []
    assert body["satisfaction_rate"] is None


def test_a_lecturer_reads_their_own_ratings(client, answered):
    world = answered
    response = client.get("/api/v1/lecturers/me/ratings", headers=bearer(world.lecturer_user))
    assert response.status_code == 200
    body = response.json()
    assert body["lecturer_id"] == world.lecturer_a.pk
    assert (body["count"], body["classes"], body["shown"], body["average"]) == (3, 1, True, 4.0)
    for enrolment in world.enrolments:
        assert enrolment.profile.real_name not in response.text


def test_my_ratings_needs_a_lecturer_library_entry(client, world):
    response = client.get("/api/v1/lecturers/me/ratings", headers=bearer(world.trainee))
    assert response.status_code == 404
