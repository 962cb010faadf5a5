"""Taking an exam: starting, the paper, deadlines, saving answers, submitting, grading."""

import datetime
import random
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from assessments.actions import attempts as actions
from assessments.models import Answer, Attempt, AttemptQuestion, ExtraTime, QuestionKind
from assessments.signals import attempt_graded
from lms.audit.models import AuditEvent
from tests.factories.assessments import (
    make_assignment,
    make_bank_course,
    make_exam,
    make_question,
)
from tests.factories.training import make_class, make_enrolment

pytestmark = pytest.mark.django_db

# A weekday morning in the county.
NOW = datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC)


def build_world(kinds=("single", "multiple", "true_false", "fill_in"), **exam_fields):
    """A class with one enrolled trainee, an exam of the given kinds assigned from 8:55 to
    10:55 (UTC), and a stranger (enrolled in another class)."""
    course = make_bank_course()
    questions = [make_question(course, kind) for kind in kinds]
    exam_fields.setdefault("shuffle_questions", False)
    exam_fields.setdefault("shuffle_options", False)
    exam = make_exam(course, questions, **exam_fields)
    training_class = make_class()
    trainee = make_enrolment(training_class, user=True).profile.user
    stranger = make_enrolment(make_class(), user=True).profile.user
    assignment = make_assignment(
        exam,
        training_class,
        opens_at=NOW - datetime.timedelta(minutes=5),
        closes_at=NOW + datetime.timedelta(hours=2),
    )
    return SimpleNamespace(
        course=course,
        questions=questions,
        exam=exam,
        training_class=training_class,
        trainee=trainee,
        stranger=stranger,
        assignment=assignment,
    )


def items_by_kind(attempt):
    return {
        item.question.kind: item
        for item in AttemptQuestion.objects.filter(attempt=attempt).select_related("question")
    }


RIGHT = {
    "single": "A",
    "multiple": ["A", "C"],
    "true_false": True,
    "fill_in": "阿里巴巴",
}


def answer_all(world, attempt, answers):
    for kind, item in items_by_kind(attempt).items():
        if kind in answers:
            actions.check_save_answer(world.trainee, attempt.pk, item.pk, answers[kind], 0)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock):
    return build_world()


# --- Starting ---------------------------------------------------------------------------------


def test_starting_makes_the_paper_and_empty_answers(world):
    attempt, created = actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert created
    assert (attempt.number, attempt.status) == (1, "in_progress")
    assert attempt.started_at == NOW
    assert attempt.deadline == NOW + datetime.timedelta(minutes=30)
    assert attempt.max_score == Decimal("8")
    paper = list(attempt.paper.order_by("position"))
    assert [item.question for item in paper] == world.questions
    assert paper[0].option_order == ["A", "B", "C", "D"]
    assert [a.version for a in Answer.objects.filter(item__attempt=attempt)] == [0, 0, 0, 0]
    assert AuditEvent.objects.filter(action="exam.attempt_started").count() == 1


def test_starting_again_resumes_the_open_attempt(world):
    first, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    again, created = actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert (again.pk, created) == (first.pk, False)
    assert Attempt.objects.count() == 1


def test_a_lost_race_returns_the_winners_attempt(world):
    """The second start of a double tap hits the one-open-attempt constraint."""
    first, _ = actions.do_start_attempt(world.assignment, world.trainee, number=1)
    second, created = actions.do_start_attempt(world.assignment, world.trainee, number=2)
    assert (second.pk, created) == (first.pk, False)
    assert Attempt.objects.count() == 1


def test_only_enrolled_trainees_may_start(world):
    with pytest.raises(Http404):
        actions.check_start_attempt(world.stranger, world.assignment.pk)
    with pytest.raises(Http404):
        actions.check_start_attempt(world.trainee, 999999)
    assert not Attempt.objects.exists()


def test_not_before_it_opens_nor_after_it_closes(world, clock):
    clock.move_to(NOW - datetime.timedelta(minutes=10))
    with pytest.raises(ValidationError) as error:
        actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert error.value.error_list[0].code == "not_open"
    clock.move_to(world.assignment.closes_at)
    with pytest.raises(ValidationError) as error:
        actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert error.value.error_list[0].code == "closed"
    assert not Attempt.objects.exists()


def test_attempts_allowed(world):
    world.exam.attempts_allowed = 2
    world.exam.save()
    for number in (1, 2):
        attempt, created = actions.check_start_attempt(world.trainee, world.assignment.pk)
        assert (attempt.number, created) == (number, True)
        actions.check_submit_attempt(world.trainee, attempt.pk)
    with pytest.raises(ValidationError) as error:
        actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert error.value.error_list[0].code == "no_attempts"
    assert Attempt.objects.count() == 2


def test_the_deadline_is_cut_at_the_closing_time(world, clock):
    clock.move_to(world.assignment.closes_at - datetime.timedelta(minutes=10))
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert attempt.deadline == world.assignment.closes_at


def test_extra_time_lengthens_the_deadline_but_not_past_the_close(world, clock):
    ExtraTime.objects.create(assignment=world.assignment, user=world.trainee, minutes=15)
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert attempt.deadline == NOW + datetime.timedelta(minutes=45)
    actions.check_submit_attempt(world.trainee, attempt.pk)
    world.exam.attempts_allowed = 2
    world.exam.save()
    clock.move_to(world.assignment.closes_at - datetime.timedelta(minutes=40))
    second, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert second.deadline == world.assignment.closes_at


def test_a_random_draw_follows_the_rules_and_the_seed(clock):
    course = make_bank_course()
    easy = [make_question(course, topic="标题优化", difficulty="easy") for _ in range(6)]
    hard = [make_question(course, topic="物流", difficulty="hard") for _ in range(3)]
    make_question(course, topic="物流", difficulty="hard", is_active=False)
    make_question(course, topic="物流", difficulty="hard", tier="cadre")
    exam = make_exam(course, rules=[("标题优化", "easy", 2), ("物流", "hard", 3)])
    training_class = make_class()
    trainees = [make_enrolment(training_class, user=True).profile.user for _ in range(3)]
    assignment = make_assignment(exam, training_class)
    papers = []
    for trainee in trainees:
        attempt, _ = actions.check_start_attempt(trainee, assignment.pk)
        drawn = [item.question for item in attempt.paper.all()]
        assert len(drawn) == 5
        assert sum(q in easy for q in drawn) == 2
        assert set(hard) <= set(drawn)  # only these three are active hard ones of the tier
        papers.append(drawn)
        rng = random.Random(attempt.seed)  # the same seed gives the same paper again
        expected = actions.draw_questions(exam, rng)
        if exam.shuffle_questions:
            rng.shuffle(expected)
        assert expected == [item.question for item in attempt.paper.order_by("position")]
    assert len({tuple(q.pk for q in paper) for paper in papers}) > 1


def test_a_bank_too_small_for_the_draw_is_refused(clock):
    course = make_bank_course()
    make_question(course, topic="物流", difficulty="hard")
    exam = make_exam(course, rules=[("物流", "hard", 2)])
    training_class = make_class()
    trainee = make_enrolment(training_class, user=True).profile.user
    assignment = make_assignment(exam, training_class)
    with pytest.raises(ValidationError) as error:
        actions.check_start_attempt(trainee, assignment.pk)
    assert error.value.error_list[0].code == "bank_too_small"
    assert not Attempt.objects.exists()


def test_shuffling_questions_and_options_comes_from_the_seed(clock):
    world = build_world(
        kinds=["single"] * 1 + ["multiple"], shuffle_questions=True, shuffle_options=True
    )
    for _ in range(3):
        make_question(world.course, QuestionKind.SINGLE)
    orders = set()
    for _ in range(8):
        attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
        item = attempt.paper.get(question__kind="single")
        assert sorted(item.option_order) == ["A", "B", "C", "D"]
        orders.add(tuple(item.option_order))
        Attempt.objects.filter(pk=attempt.pk).delete()
    assert len(orders) > 1


# --- Saving answers ---------------------------------------------------------------------------


def test_saving_an_answer_increments_its_version(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = items_by_kind(attempt)["single"]
    answer = actions.check_save_answer(world.trainee, attempt.pk, item.pk, "B", 0)
    assert (answer.response, answer.version, answer.saved_at) == ("B", 1, NOW)
    answer = actions.check_save_answer(world.trainee, attempt.pk, item.pk, "A", 1)
    assert (answer.response, answer.version) == ("A", 2)


def test_an_out_of_date_tab_cannot_overwrite_a_newer_answer(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = items_by_kind(attempt)["single"]
    actions.check_save_answer(world.trainee, attempt.pk, item.pk, "A", 0)  # the phone
    with pytest.raises(actions.AnswerConflict) as conflict:
        actions.check_save_answer(world.trainee, attempt.pk, item.pk, "B", 0)  # old tab
    assert (conflict.value.version, conflict.value.response) == (1, "A")
    item.answer.refresh_from_db()
    assert (item.answer.response, item.answer.version) == ("A", 1)


def test_someone_elses_attempt_and_a_question_outside_the_attempt_are_404(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = items_by_kind(attempt)["single"]
    with pytest.raises(Http404) as others:
        actions.check_save_answer(world.stranger, attempt.pk, item.pk, "A", 0)
    with pytest.raises(Http404) as unknown:
        actions.check_save_answer(world.stranger, 999999, item.pk, "A", 0)
    assert str(others.value) == str(unknown.value)
    other_attempt, _ = actions.do_start_attempt(
        make_assignment(world.exam, make_class()), world.trainee, number=1
    )
    other_world_item = other_attempt.paper.first()
    with pytest.raises(Http404):
        actions.check_save_answer(world.trainee, attempt.pk, other_world_item.pk, "A", 0)
    with pytest.raises(Http404):
        actions.check_save_answer(world.trainee, attempt.pk, "abc", "A", 0)
    assert not Answer.objects.filter(version__gt=0).exists()


@pytest.mark.parametrize(
    "kind,response",
    [
        ("single", "Z"),
        ("single", ["A"]),
        ("multiple", "A"),
        ("multiple", ["A", "Z"]),
        ("multiple", ["A", "A"]),
        ("true_false", "true"),
        ("fill_in", 5),
        ("fill_in", "很" * 201),
        ("practical", {"link": "ftp://shop.example/"}),
        ("practical", {"link": "javascript:alert(1)"}),
        ("practical", {"url": "https://shop.example/"}),
        ("short_answer", "字" * 5001),
    ],
)
def test_invalid_responses_are_refused_and_nothing_changes(clock, kind, response):
    world = build_world(kinds=[kind])
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = attempt.paper.get()
    with pytest.raises(ValidationError):
        actions.check_save_answer(world.trainee, attempt.pk, item.pk, response, 0)
    item.answer.refresh_from_db()
    assert (item.answer.response, item.answer.version) == (None, 0)


def test_a_missing_version_is_refused(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = items_by_kind(attempt)["single"]
    with pytest.raises(ValidationError):
        actions.check_save_answer(world.trainee, attempt.pk, item.pk, "A", None)


def test_answers_after_the_deadline_are_refused_and_the_attempt_handed_in(world, clock):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = items_by_kind(attempt)["single"]
    actions.check_save_answer(world.trainee, attempt.pk, item.pk, "A", 0)
    clock.move_to(attempt.deadline)
    with pytest.raises(ValidationError) as error:
        actions.check_save_answer(world.trainee, attempt.pk, item.pk, "B", 1)
    assert error.value.error_list[0].code == "late"
    item.answer.refresh_from_db()
    assert (item.answer.response, item.answer.version) == ("A", 1)
    attempt.refresh_from_db()
    assert attempt.auto_submitted and attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("2")


def test_extra_time_keeps_the_trainee_answering_past_the_limit(world, clock):
    ExtraTime.objects.create(assignment=world.assignment, user=world.trainee, minutes=10)
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = items_by_kind(attempt)["single"]
    clock.move_to(NOW + datetime.timedelta(minutes=35))
    assert actions.check_save_answer(world.trainee, attempt.pk, item.pk, "A", 0).version == 1
    clock.move_to(NOW + datetime.timedelta(minutes=40))
    with pytest.raises(ValidationError):
        actions.check_save_answer(world.trainee, attempt.pk, item.pk, "B", 1)


def test_a_submitted_attempt_never_changes(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    item = items_by_kind(attempt)["single"]
    actions.check_submit_attempt(world.trainee, attempt.pk)
    with pytest.raises(ValidationError) as error:
        actions.check_save_answer(world.trainee, attempt.pk, item.pk, "A", 0)
    assert error.value.error_list[0].code == "submitted"
    item.answer.refresh_from_db()
    assert item.answer.version == 0


# --- Submitting and grading -------------------------------------------------------------------


def test_submitting_grades_the_objective_answers(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    answer_all(world, attempt, {**RIGHT, "fill_in": "  ＡＬＩ巴巴 "})
    result = actions.check_submit_attempt(world.trainee, attempt.pk)
    assert result.status == "graded"
    assert (result.score, result.max_score, result.percent) == (
        Decimal("6"),
        Decimal("8"),
        Decimal("75.00"),
    )
    assert result.passed is True
    assert result.submitted_at == NOW and not result.auto_submitted
    assert AuditEvent.objects.filter(action="exam.attempt_submitted").count() == 1


def test_a_double_submission_changes_nothing(world, clock):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    answer_all(world, attempt, RIGHT)
    first = actions.check_submit_attempt(world.trainee, attempt.pk)
    clock.move_to(NOW + datetime.timedelta(minutes=3))
    second = actions.check_submit_attempt(world.trainee, attempt.pk)
    assert (second.pk, second.submitted_at, second.score) == (first.pk, NOW, Decimal("8"))
    assert AuditEvent.objects.filter(action="exam.attempt_submitted").count() == 1


def test_someone_elses_attempt_cannot_be_submitted(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    with pytest.raises(Http404):
        actions.check_submit_attempt(world.stranger, attempt.pk)
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"


def test_written_answers_wait_for_a_lecturer(clock):
    world = build_world(kinds=["single", "short_answer"])
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    answer_all(world, attempt, {"single": "A", "short_answer": "产地、品质、物流"})
    result = actions.check_submit_attempt(world.trainee, attempt.pk)
    assert result.status == "submitted"
    assert (result.score, result.percent, result.passed) == (Decimal("2"), None, None)
    # The lecturer's grade (H3) then finalises it.
    written = items_by_kind(attempt)["short_answer"].answer
    written.score = Decimal("4")
    written.save()
    graded = actions.do_finalise_attempt(result)
    assert (graded.status, graded.score, graded.percent, graded.passed) == (
        "graded",
        Decimal("6"),
        Decimal("85.71"),
        True,
    )


def test_the_pass_mark(clock):
    world = build_world(kinds=["single", "true_false"], pass_mark=Decimal("60"))
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    answer_all(world, attempt, {"single": "A", "true_false": False})
    result = actions.check_submit_attempt(world.trainee, attempt.pk)
    assert (result.percent, result.passed) == (Decimal("50.00"), False)


def test_attempt_graded_is_sent_when_graded(world):
    received = []

    def receiver(sender, attempt, **kwargs):
        received.append((sender, attempt.pk, attempt.status))

    attempt_graded.connect(receiver)
    try:
        attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
        actions.check_submit_attempt(world.trainee, attempt.pk)
    finally:
        attempt_graded.disconnect(receiver)
    assert received == [(Attempt, attempt.pk, "graded")]


def test_no_signal_while_a_lecturer_still_has_to_grade(clock):
    world = build_world(kinds=["practical"])
    received = []
    attempt_graded.connect(lambda sender, attempt, **kw: received.append(attempt))
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    actions.check_submit_attempt(world.trainee, attempt.pk)
    assert received == []


@pytest.mark.parametrize(
    "kind,response,points",
    [
        ("single", "A", 2),
        ("single", "B", 0),
        ("single", None, 0),
        ("multiple", ["A", "C"], 2),
        ("multiple", ["C", "A"], 2),
        ("multiple", ["A"], 0),
        ("multiple", ["A", "B", "C"], 0),
        ("true_false", True, 2),
        ("true_false", False, 0),
        ("fill_in", "阿里巴巴", 2),
        ("fill_in", " 阿里 ", 2),
        ("fill_in", "阿里巴巴集团", 0),
        ("fill_in", "", 0),
    ],
)
def test_grade_objective(db, kind, response, points):
    question = make_question(make_bank_course(), kind)
    item = SimpleNamespace(question=question, points=Decimal("2"))
    assert actions.grade_objective(item, response) == Decimal(points)


def test_fill_in_ignores_case_and_full_width(db):
    question = make_question(make_bank_course(), "fill_in", correct=["SEO", "搜索引擎优化"])
    item = SimpleNamespace(question=question, points=Decimal("3"))
    assert actions.grade_objective(item, "ｓｅｏ") == Decimal("3")
    assert actions.grade_objective(item, " Seo ") == Decimal("3")


# --- Overdue attempts -------------------------------------------------------------------------


def test_an_overdue_attempt_is_handed_in_when_next_touched(world, clock):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    answer_all(world, attempt, {"single": "A"})
    clock.move_to(NOW + datetime.timedelta(hours=1))
    result = actions.check_submit_attempt(world.trainee, attempt.pk)
    assert result.auto_submitted and result.submitted_at == attempt.deadline
    assert result.score == Decimal("2")


def test_starting_after_an_overdue_attempt_hands_it_in_first(world, clock):
    world.exam.attempts_allowed = 2
    world.exam.save()
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    clock.move_to(NOW + datetime.timedelta(minutes=31))
    second, created = actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert created and second.number == 2
    attempt.refresh_from_db()
    assert attempt.auto_submitted and attempt.status == "graded"


def test_the_close_overdue_attempts_command(world, clock, capsys):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    call_command("close_overdue_attempts")
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"
    clock.move_to(NOW + datetime.timedelta(minutes=30))
    call_command("close_overdue_attempts")
    attempt.refresh_from_db()
    assert attempt.status == "graded" and attempt.auto_submitted
    assert "1" in capsys.readouterr().out


# --- Review -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "review,after_submit,after_close",
    [("after_submit", True, True), ("after_close", False, True), ("never", False, False)],
)
def test_when_review_is_allowed(clock, review, after_submit, after_close):
    world = build_world(review=review)
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert actions.review_allowed(attempt) is False
    attempt = actions.check_submit_attempt(world.trainee, attempt.pk)
    assert actions.review_allowed(attempt) is after_submit
    clock.move_to(world.assignment.closes_at)
    assert actions.review_allowed(attempt) is after_close


def test_the_paper_never_carries_correct_answers_or_feedback(world):
    attempt, _ = actions.check_start_attempt(world.trainee, world.assignment.pk)
    for item in actions.paper_items(attempt):
        assert "correct" not in item and "feedback" not in item
    assert timezone.now() == NOW


def test_an_exam_without_questions_cannot_start(clock):
    world = build_world(kinds=[])
    with pytest.raises(ValidationError) as error:
        actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert error.value.error_list[0].code == "empty"
    assert not Attempt.objects.exists()
