"""check_submit_evaluation: good answers are saved; bad input is refused, nothing saved."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from lms.audit.models import AuditEvent
from lms.enrolment.models import ClassEnrolment
from lms.evaluation.actions import (
    check_submit_evaluation,
    clean_answers,
    do_submit_evaluation,
)
from lms.evaluation.models import EvaluationReceipt, EvaluationResponse, LecturerRating
from lms.training.models import TrainingClass
from tests.factories.training import make_class, make_enrolment, make_lecturer

from .helpers import answer, good_answers

Status = TrainingClass.Status


@pytest.fixture(autouse=True)
def _english():
    """Messages are compared as written in English."""
    with translation.override("en"):
        yield


def nothing_saved():
    assert not EvaluationReceipt.objects.exists()
    assert not EvaluationResponse.objects.exists()
    assert not LecturerRating.objects.exists()
    assert not AuditEvent.objects.filter(action="evaluation.answered").exists()


def submit(world, answers, enrolment=None, **kwargs):
    enrolment = enrolment or world.enrolment
    kwargs.setdefault("acting_user", enrolment.profile.user)
    return check_submit_evaluation(world.training_class, enrolment, answers, **kwargs)


def errors_of(excinfo):
    return excinfo.value.message_dict


# --- Good answers -----------------------------------------------------------------------------


def test_good_answers_are_saved_anonymously(world):
    answers = good_answers(
        world.training_class,
        content=5,
        organisation=4,
        venue=3,
        practicality=2,
        overall=1,
        comments="  多安排实操课  ",
        lecturers=[
            {"lecturer_id": world.lecturer_a.pk, "score": 5, "comment": "讲得清楚"},
            {"lecturer_id": world.lecturer_b.pk, "score": 3, "comment": ""},
        ],
    )
    with time_machine.travel(datetime.datetime(2026, 12, 1, 23, 30, tzinfo=datetime.UTC)):
        receipt = submit(world, answers)

    assert receipt.enrolment == world.enrolment
    assert receipt.training_class == world.training_class
    # 23:30 UTC is already the next day in Shanghai.
    assert receipt.submitted_on == datetime.date(2026, 12, 2)
    response = EvaluationResponse.objects.get()
    assert (
        response.content,
        response.organisation,
        response.venue,
        response.practicality,
        response.overall,
    ) == (5, 4, 3, 2, 1)
    assert response.comments == "多安排实操课"
    ratings = {r.lecturer_id: (r.score, r.comment) for r in LecturerRating.objects.all()}
    assert ratings == {world.lecturer_a.pk: (5, "讲得清楚"), world.lecturer_b.pk: (3, "")}


def test_the_audit_names_the_receipt_never_the_answer(world):
    receipt = answer(world.enrolment)
    event = AuditEvent.objects.get(action="evaluation.answered")
    assert event.actor == world.trainee
    assert event.object_type == "evaluation.evaluationreceipt"
    assert event.object_id == str(receipt.pk)
    assert event.changes == {"training_class": [None, world.training_class.pk]}
    assert not AuditEvent.objects.filter(object_type="evaluation.evaluationresponse").exists()


def test_ratings_may_arrive_as_strings_of_digits(world):
    answers = good_answers(world.training_class, content="5")
    answers["lecturers"] = [
        {"lecturer_id": str(world.lecturer_a.pk), "score": " 2 "},
        {"lecturer_id": world.lecturer_b.pk, "score": "3"},
    ]
    submit(world, answers)
    assert EvaluationResponse.objects.get().content == 5
    assert LecturerRating.objects.get(lecturer=world.lecturer_a).score == 2


def test_a_class_without_lecturers_needs_no_lecturer_ratings(world):
    training_class = make_class(world.plan, head_teacher=world.head_teacher)
    enrolment = make_enrolment(training_class, user=True)
    check_submit_evaluation(training_class, enrolment, good_answers(training_class))
    assert EvaluationResponse.objects.filter(training_class=training_class).count() == 1


def test_a_finished_class_is_open(world):
    TrainingClass.objects.filter(pk=world.training_class.pk).update(status=Status.FINISHED)
    world.training_class.refresh_from_db()
    answer(world.enrolment)
    assert EvaluationReceipt.objects.count() == 1


# --- Bad answers ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["content", "organisation", "venue", "practicality", "overall"])
def test_a_missing_rating_is_refused(world, key):
    answers = good_answers(world.training_class)
    del answers[key]
    with pytest.raises(ValidationError) as excinfo:
        submit(world, answers)
    assert list(errors_of(excinfo)) == [key]
    nothing_saved()


@pytest.mark.parametrize("value", [0, 6, -1, 4.5, "4.5", "abc", "", None, True, [4], {"a": 1}])
def test_a_rating_out_of_range_or_not_a_whole_number_is_refused(world, value):
    with pytest.raises(ValidationError) as excinfo:
        submit(world, good_answers(world.training_class, overall=value))
    with translation.override("en"):
        assert errors_of(excinfo) == {
            "overall": ["Choose a rating from 1 (very dissatisfied) to 5 (very satisfied)."]
        }
    nothing_saved()


def test_every_problem_is_reported_at_once(world):
    answers = good_answers(world.training_class, content=0, venue=9, comments="长" * 2001)
    answers["lecturers"] = [{"lecturer_id": world.lecturer_a.pk, "score": 7, "comment": "x" * 501}]
    with pytest.raises(ValidationError) as excinfo:
        submit(world, answers)
    a, b = world.lecturer_a.pk, world.lecturer_b.pk
    assert set(errors_of(excinfo)) == {
        "content",
        "venue",
        "comments",
        f"lecturer_{a}",
        f"lecturer_{a}_comment",
        f"lecturer_{b}",
    }
    nothing_saved()


def test_a_missing_lecturer_rating_is_refused(world):
    answers = good_answers(world.training_class)
    answers["lecturers"] = [
        r for r in answers["lecturers"] if r["lecturer_id"] != world.lecturer_b.pk
    ]
    with pytest.raises(ValidationError) as excinfo:
        submit(world, answers)
    assert list(errors_of(excinfo)) == [f"lecturer_{world.lecturer_b.pk}"]
    nothing_saved()


@pytest.mark.parametrize("score", [0, 6, None, "x"])
def test_a_lecturer_rating_out_of_range_is_refused(world, score):
    answers = good_answers(world.training_class)
    answers["lecturers"][0]["score"] = score
    with pytest.raises(ValidationError) as excinfo:
        submit(world, answers)
    assert list(errors_of(excinfo)) == [f"lecturer_{answers['lecturers'][0]['lecturer_id']}"]
    nothing_saved()


def test_a_lecturer_from_outside_the_class_is_refused(world):
    stranger = make_lecturer("外校老师")
    answers = good_answers(world.training_class)
    answers["lecturers"].append({"lecturer_id": stranger.pk, "score": 1, "comment": "差"})
    with pytest.raises(ValidationError) as excinfo:
        submit(world, answers)
    with translation.override("en"):
        assert errors_of(excinfo) == {"lecturers": ["Rate only the lecturers of this class."]}
    nothing_saved()


@pytest.mark.parametrize("lecturer_id", [999999, None, "abc", True, [1]])
def test_unknown_or_malformed_lecturer_ids_are_refused(world, lecturer_id):
    answers = good_answers(world.training_class)
    answers["lecturers"].append({"lecturer_id": lecturer_id, "score": 4})
    with pytest.raises(ValidationError) as excinfo:
        submit(world, answers)
    assert "lecturers" in errors_of(excinfo)
    nothing_saved()


def test_rating_a_lecturer_twice_is_refused(world):
    answers = good_answers(world.training_class)
    answers["lecturers"].append(dict(answers["lecturers"][0]))
    with pytest.raises(ValidationError) as excinfo:
        submit(world, answers)
    assert "lecturers" in errors_of(excinfo)
    nothing_saved()


@pytest.mark.parametrize("lecturers", ["abc", 5, {"x": 1}])
def test_lecturers_must_be_a_list(world, lecturers):
    with pytest.raises(ValidationError) as excinfo:
        submit(world, good_answers(world.training_class, lecturers=lecturers))
    assert "lecturers" in errors_of(excinfo)
    nothing_saved()


def test_answers_must_be_a_dict(world):
    with pytest.raises(ValidationError):
        clean_answers(world.training_class, ["content", 5])
    nothing_saved()


def test_comments_must_be_text_of_limited_length(world):
    with pytest.raises(ValidationError) as excinfo:
        submit(world, good_answers(world.training_class, comments=12345))
    assert list(errors_of(excinfo)) == ["comments"]
    with pytest.raises(ValidationError) as excinfo:
        submit(world, good_answers(world.training_class, comments="好" * 2001))
    assert list(errors_of(excinfo)) == ["comments"]
    submit(world, good_answers(world.training_class, comments="好" * 2000))
    assert EvaluationResponse.objects.get().comments == "好" * 2000


# --- Once per trainee -------------------------------------------------------------------------


def test_a_second_submission_is_refused_and_changes_nothing(world):
    answer(world.enrolment, score=5, comments="第一次")
    with pytest.raises(ValidationError) as excinfo:
        answer(world.enrolment, score=1, comments="第二次")
    assert excinfo.value.code == "already_answered"
    with translation.override("en"):
        assert excinfo.value.messages == [
            "You have already answered the evaluation for this class; answers cannot be changed."
        ]
    assert EvaluationReceipt.objects.count() == 1
    response = EvaluationResponse.objects.get()
    assert (response.overall, response.comments) == (5, "第一次")
    assert LecturerRating.objects.filter(score=1).count() == 0
    assert AuditEvent.objects.filter(action="evaluation.answered").count() == 1


def test_a_race_past_the_check_is_stopped_by_the_receipt(world):
    """Two requests both pass ``check_``'s look-up; the receipt's unique constraint lets
    only the first save anything."""
    cleaned = clean_answers(world.training_class, good_answers(world.training_class, score=5))
    do_submit_evaluation(world.training_class, world.enrolment, cleaned)
    other = clean_answers(world.training_class, good_answers(world.training_class, score=1))
    with pytest.raises(ValidationError) as excinfo:
        do_submit_evaluation(world.training_class, world.enrolment, other)
    assert excinfo.value.code == "already_answered"
    assert EvaluationReceipt.objects.count() == 1
    assert list(EvaluationResponse.objects.values_list("overall", flat=True)) == [5]
    assert not LecturerRating.objects.filter(score=1).exists()


# --- Who may answer, and when ------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.PLANNED, Status.ENROLLING, Status.ARCHIVED])
def test_the_form_is_closed_before_the_class_runs_and_once_archived(world, status):
    TrainingClass.objects.filter(pk=world.training_class.pk).update(status=status)
    world.training_class.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        answer(world.enrolment)
    assert excinfo.value.code == "not_open"
    nothing_saved()


def test_archiving_between_check_and_save_is_caught_under_the_lock(world):
    cleaned = clean_answers(world.training_class, good_answers(world.training_class))
    TrainingClass.objects.filter(pk=world.training_class.pk).update(status=Status.ARCHIVED)
    with pytest.raises(ValidationError) as excinfo:
        do_submit_evaluation(world.training_class, world.enrolment, cleaned)
    assert excinfo.value.code == "not_open"
    nothing_saved()


@pytest.mark.parametrize(
    "status",
    [
        ClassEnrolment.Status.APPLIED,
        ClassEnrolment.Status.DECLINED,
        ClassEnrolment.Status.WITHDRAWN,
    ],
)
def test_only_enrolled_trainees_may_answer(world, status):
    enrolment = make_enrolment(world.training_class, user=True, status=status)
    with pytest.raises(PermissionDenied):
        submit(world, good_answers(world.training_class), enrolment=enrolment)
    nothing_saved()


def test_an_enrolment_in_another_class_is_refused(world):
    other_class = make_class(world.plan)
    other = make_enrolment(other_class, user=True)
    with pytest.raises(PermissionDenied):
        submit(world, good_answers(world.training_class), enrolment=other)
    nothing_saved()


def test_nobody_answers_for_someone_else(world):
    with pytest.raises(PermissionDenied):
        submit(
            world,
            good_answers(world.training_class),
            enrolment=world.enrolments[1],
            acting_user=world.trainee,
        )
    with pytest.raises(PermissionDenied):
        submit(world, good_answers(world.training_class), acting_user=world.head_teacher)
    nothing_saved()


def test_no_enrolment_is_refused(world):
    with pytest.raises(PermissionDenied):
        check_submit_evaluation(world.training_class, None, good_answers(world.training_class))
    nothing_saved()
