"""The teachers' rules: assigning exams, extra time, the grading queue and rubric grading."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import override

from assessments.actions import attempts as attempt_actions
from assessments.actions import grading
from assessments.models import Answer, Attempt, ExamAssignment, ExtraTime, QuestionKind
from assessments.signals import attempt_graded
from lms.audit.models import AuditEvent
from tests.factories.assessments import (
    make_assignment,
    make_bank_course,
    make_exam,
    make_question,
)
from tests.factories.training import make_class, make_enrolment, make_lecturer, make_plan

pytestmark = pytest.mark.django_db


class World:
    pass


@pytest.fixture
def world(make_user):
    w = World()
    w.course = make_bank_course()
    w.other_course = make_bank_course("直播带货")
    w.single = make_question(w.course, QuestionKind.SINGLE)
    w.short = make_question(w.course, QuestionKind.SHORT_ANSWER)
    w.practical = make_question(w.course, QuestionKind.PRACTICAL)
    w.exam = make_exam(w.course, [w.single, w.short, w.practical], shuffle_questions=False)
    w.other_exam = make_exam(w.other_course, [make_question(w.other_course)], title="直播带货考核")
    w.head_teacher = make_user("head_teacher", username="banzhuren")
    w.lecturer_user = make_user("lecturer", username="jiangshi")
    w.stranger = make_user("lecturer", username="other_lecturer")
    w.admin = make_user("administrator", username="admin1")
    plan = make_plan(courses=[w.course])
    w.training_class = make_class(
        plan, head_teacher=w.head_teacher, lecturers=[make_lecturer(user=w.lecturer_user)]
    )
    w.other_class = make_class(plan, head_teacher=w.stranger)
    w.trainee = make_enrolment(w.training_class, user=True).profile.user
    w.trainee2 = make_enrolment(w.training_class, user=True).profile.user
    w.outsider = make_enrolment(w.other_class, user=True).profile.user
    w.assignment = make_assignment(w.exam, w.training_class)
    return w


def sit(assignment, user, responses=None):
    """Start, answer and submit an attempt through the trainee's own actions."""
    attempt, _created = attempt_actions.check_start_attempt(user, assignment.pk)
    for item in attempt.paper.select_related("question", "answer"):
        response = (responses or {}).get(item.question.kind)
        if response is not None:
            attempt_actions.check_save_answer(
                user, attempt.pk, item.pk, response, item.answer.version
            )
    attempt_actions.check_submit_attempt(user, attempt.pk)
    attempt.refresh_from_db()
    return attempt


RIGHT = {
    "single": "A",
    "short_answer": "产地、品质、物流、售后",
    "practical": {"link": "https://shop.example.com/1"},
}


def manual_items(attempt):
    return {
        item.question.kind: item
        for item in attempt.paper.select_related("question")
        if item.question.kind in grading.MANUAL_KINDS
    }


def times(hours_from_now, length_hours=2):
    opens = timezone.now() + datetime.timedelta(hours=hours_from_now)
    return opens, opens + datetime.timedelta(hours=length_hours)


# --- Assigning --------------------------------------------------------------------------------


def test_a_lecturer_of_the_class_sets_an_exam_of_the_plans_courses(world):
    ExamAssignment.objects.all().delete()
    opens, closes = times(24)
    assignment = grading.check_assign_exam(
        world.training_class,
        world.exam,
        opens_at=opens,
        closes_at=closes,
        counts_for_completion=False,
        acting_user=world.lecturer_user,
    )
    assert (assignment.opens_at, assignment.closes_at) == (opens, closes)
    assert assignment.counts_for_completion is False
    assert assignment.assigned_by == world.lecturer_user
    event = AuditEvent.objects.get(action="exam.assigned")
    assert event.actor == world.lecturer_user and event.object_id == str(assignment.pk)


def test_only_exams_of_the_plans_courses_can_be_set(world):
    opens, closes = times(1)
    with pytest.raises(ValidationError):
        grading.check_assign_exam(
            world.training_class,
            world.other_exam,
            opens_at=opens,
            closes_at=closes,
            counts_for_completion=True,
            acting_user=world.head_teacher,
        )
    assert not ExamAssignment.objects.filter(exam=world.other_exam).exists()


@pytest.mark.parametrize(
    ("opens_offset", "length"), [(0, -1), (0, 0), (0, 24 * 91)], ids=["before", "same", "long"]
)
def test_the_exam_must_close_after_it_opens_within_reason(world, opens_offset, length):
    ExamAssignment.objects.all().delete()
    opens = timezone.now() + datetime.timedelta(hours=opens_offset)
    with pytest.raises(ValidationError):
        grading.check_assign_exam(
            world.training_class,
            world.exam,
            opens_at=opens,
            closes_at=opens + datetime.timedelta(hours=length),
            counts_for_completion=True,
            acting_user=world.head_teacher,
        )
    assert not ExamAssignment.objects.exists()


def test_the_same_exam_cannot_be_set_twice(world):
    opens, closes = times(1)
    with pytest.raises(ValidationError):
        grading.check_assign_exam(
            world.training_class,
            world.exam,
            opens_at=opens,
            closes_at=closes,
            counts_for_completion=True,
            acting_user=world.head_teacher,
        )


@pytest.mark.parametrize("who", ["stranger", "trainee"])
def test_someone_who_does_not_teach_the_class_gets_a_404(world, who):
    user = getattr(world, who)
    opens, closes = times(1)
    with pytest.raises(Http404):
        grading.check_assign_exam(
            world.other_class if who == "trainee" else world.training_class,
            world.exam,
            opens_at=opens,
            closes_at=closes,
            counts_for_completion=True,
            acting_user=user,
        )
    with pytest.raises(Http404):
        grading.check_change_assignment(
            world.assignment,
            opens_at=opens,
            closes_at=closes,
            counts_for_completion=True,
            acting_user=user,
        )
    with pytest.raises(Http404):
        grading.check_remove_assignment(world.assignment, acting_user=user)
    with pytest.raises(Http404):
        grading.check_set_extra_time(world.assignment, world.trainee.pk, 10, "", acting_user=user)


def test_times_change_and_the_exam_is_removed_before_anyone_starts(world):
    opens, closes = times(48, 3)
    grading.check_change_assignment(
        world.assignment,
        opens_at=opens,
        closes_at=closes,
        counts_for_completion=False,
        acting_user=world.admin,
    )
    world.assignment.refresh_from_db()
    assert (world.assignment.opens_at, world.assignment.closes_at) == (opens, closes)
    assert AuditEvent.objects.filter(action="exam.assignment_changed").exists()
    grading.check_remove_assignment(world.assignment, acting_user=world.head_teacher)
    assert not ExamAssignment.objects.filter(pk=world.assignment.pk).exists()
    assert AuditEvent.objects.filter(action="exam.assignment_removed").exists()


def test_times_are_fixed_and_the_exam_stays_once_a_trainee_started(world):
    attempt_actions.check_start_attempt(world.trainee, world.assignment.pk)
    before = (world.assignment.opens_at, world.assignment.closes_at)
    opens, closes = times(48)
    with pytest.raises(ValidationError):
        grading.check_change_assignment(
            world.assignment,
            opens_at=opens,
            closes_at=closes,
            counts_for_completion=True,
            acting_user=world.head_teacher,
        )
    with pytest.raises(ValidationError):
        grading.check_remove_assignment(world.assignment, acting_user=world.head_teacher)
    world.assignment.refresh_from_db()
    assert (world.assignment.opens_at, world.assignment.closes_at) == before


# --- Extra time -------------------------------------------------------------------------------


def test_extra_time_moves_an_open_attempts_deadline_up_to_the_close(world):
    with time_machine.travel(world.assignment.opens_at + datetime.timedelta(minutes=1), tick=False):
        attempt, _ = attempt_actions.check_start_attempt(world.trainee, world.assignment.pk)
        assert attempt.deadline == attempt.started_at + datetime.timedelta(minutes=30)
        grading.check_set_extra_time(
            world.assignment, world.trainee.pk, 15, "视力障碍", acting_user=world.head_teacher
        )
        attempt.refresh_from_db()
        assert attempt.deadline == attempt.started_at + datetime.timedelta(minutes=45)
        # More than the exam stays open: the closing time wins.
        grading.check_set_extra_time(
            world.assignment, world.trainee.pk, 600, "", acting_user=world.head_teacher
        )
        attempt.refresh_from_db()
        assert attempt.deadline == world.assignment.closes_at
        grading.check_remove_extra_time(
            world.assignment, world.trainee.pk, acting_user=world.head_teacher
        )
        attempt.refresh_from_db()
        assert attempt.deadline == attempt.started_at + datetime.timedelta(minutes=30)
    actions = list(
        AuditEvent.objects.filter(action__startswith="exam.extra_time")
        .order_by("pk")
        .values_list("action", "reason")
    )
    assert actions[0] == ("exam.extra_time_set", "视力障碍")
    assert actions[-1][0] == "exam.extra_time_removed"


def test_extra_time_counts_for_attempts_started_afterwards(world):
    grading.check_set_extra_time(
        world.assignment, world.trainee.pk, 20, "", acting_user=world.lecturer_user
    )
    attempt, _ = attempt_actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert attempt.deadline == attempt.started_at + datetime.timedelta(minutes=50)
    other, _ = attempt_actions.check_start_attempt(world.trainee2, world.assignment.pk)
    assert other.deadline == other.started_at + datetime.timedelta(minutes=30)


@pytest.mark.parametrize("minutes", [0, -5, 601, "abc", None])
def test_extra_time_is_1_to_600_minutes(world, minutes):
    with pytest.raises(ValidationError):
        grading.check_set_extra_time(
            world.assignment, world.trainee.pk, minutes, "", acting_user=world.head_teacher
        )
    assert not ExtraTime.objects.exists()


def test_extra_time_only_for_trainees_enrolled_in_the_class(world):
    with pytest.raises(ValidationError):
        grading.check_set_extra_time(
            world.assignment, world.outsider.pk, 10, "", acting_user=world.head_teacher
        )
    assert not ExtraTime.objects.exists()


# --- The grading queue ------------------------------------------------------------------------


def test_the_queue_holds_manual_answers_of_submitted_attempts_oldest_first(world):
    start = world.assignment.opens_at + datetime.timedelta(minutes=1)
    with time_machine.travel(start, tick=False):
        first = sit(world.assignment, world.trainee, RIGHT)
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        second = sit(world.assignment, world.trainee2, RIGHT)
    make_enrolment(world.other_class, profile=None, user=True)
    other_assignment = make_assignment(world.exam, world.other_class)
    sit(other_assignment, world.outsider, RIGHT)

    queue = list(grading.grading_queue(world.lecturer_user))
    assert [(i.attempt_id, i.question.kind) for i in queue] == [
        (first.pk, "short_answer"),
        (first.pk, "practical"),
        (second.pk, "short_answer"),
        (second.pk, "practical"),
    ]
    assert len(grading.grading_queue(world.admin)) == 6
    assert [i.attempt.assignment_id for i in grading.grading_queue(world.stranger)] == [
        other_assignment.pk
    ] * 2


def test_attempts_in_progress_and_objective_questions_are_not_in_the_queue(world):
    attempt, _ = attempt_actions.check_start_attempt(world.trainee, world.assignment.pk)
    assert not grading.grading_queue(world.head_teacher).exists()
    with pytest.raises(Http404):
        grading.access_queue_item(world.head_teacher, manual_items(attempt)["short_answer"].pk)
    submitted = sit(world.assignment, world.trainee2, RIGHT)
    objective = submitted.paper.get(question__kind="single")
    with pytest.raises(Http404):
        grading.access_queue_item(world.head_teacher, objective.pk)
    with pytest.raises(Http404):
        grading.access_queue_item(world.head_teacher, "999999")


# --- Grading ----------------------------------------------------------------------------------


def test_grading_every_manual_answer_finalises_the_attempt(world):
    attempt = sit(world.assignment, world.trainee, RIGHT)
    assert attempt.status == Attempt.Status.SUBMITTED
    items = manual_items(attempt)
    graded = []

    def receiver(sender, attempt, **kwargs):
        graded.append(attempt.pk)

    attempt_graded.connect(receiver)
    try:
        grading.check_grade_answer(
            items["short_answer"], ["2.5", "2"], "不错", acting_user=world.lecturer_user
        )
        attempt.refresh_from_db()
        assert attempt.status == Attempt.Status.SUBMITTED  # the practical task still waits
        assert graded == []
        grading.check_grade_answer(items["practical"], ["4", "1"], "", acting_user=world.admin)
    finally:
        attempt_graded.disconnect(receiver)
    attempt.refresh_from_db()
    # 2 (single, right) + 4.5 + 5 = 11.5 of 17
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == Decimal("11.50")
    assert attempt.percent == Decimal("67.65")
    assert attempt.passed is True
    assert graded == [attempt.pk]
    answer = Answer.objects.get(item=items["short_answer"])
    assert answer.score == Decimal("4.50")
    assert answer.comment == "不错" and answer.graded_by == world.lecturer_user
    assert answer.rubric_scores == [
        {"criterion": "产地与品质", "points": "3", "score": "2.50"},
        {"criterion": "物流与售后", "points": "2", "score": "2.00"},
    ]
    assert AuditEvent.objects.filter(action="exam.answer_graded").count() == 2
    assert not grading.grading_queue(world.lecturer_user).exists()


@pytest.mark.parametrize(
    "scores",
    [
        ["3.5", "1"],
        ["-1", "1"],
        ["x", "1"],
        ["1"],
        ["1", "1", "1"],
        ["1.005", "1"],
        ["NaN", "1"],
        ["1e30", "1"],
        ["Infinity", "1"],
        ["", "1"],
        [None, "1"],
    ],
    ids=[
        "above",
        "negative",
        "text",
        "too-few",
        "too-many",
        "three-decimals",
        "nan",
        "huge-exponent",
        "infinity",
        "empty",
        "none",
    ],
)
def test_bad_scores_are_refused_and_nothing_changes(world, scores):
    attempt = sit(world.assignment, world.trainee, RIGHT)
    item = manual_items(attempt)["short_answer"]
    with pytest.raises(ValidationError):
        grading.check_grade_answer(item, scores, acting_user=world.head_teacher)
    answer = Answer.objects.get(item=item)
    assert answer.score is None and answer.rubric_scores == []
    assert not AuditEvent.objects.filter(action__startswith="exam.answer_").exists()


def test_a_teacher_of_another_class_cannot_grade(world):
    attempt = sit(world.assignment, world.trainee, RIGHT)
    item = manual_items(attempt)["short_answer"]
    for user in (world.stranger, world.trainee):
        with pytest.raises(Http404):
            grading.check_grade_answer(item, ["1", "1"], acting_user=user)
    assert Answer.objects.get(item=item).score is None


def test_regrading_needs_a_reason_and_is_audited(world):
    attempt = sit(world.assignment, world.trainee, RIGHT)
    items = manual_items(attempt)
    grading.check_grade_answer(items["short_answer"], ["3", "2"], acting_user=world.head_teacher)
    grading.check_grade_answer(items["practical"], ["5", "5"], acting_user=world.head_teacher)
    attempt.refresh_from_db()
    assert attempt.score == Decimal("17.00")
    with pytest.raises(ValidationError):
        grading.check_grade_answer(items["practical"], ["1", "1"], acting_user=world.head_teacher)
    assert Answer.objects.get(item=items["practical"]).score == Decimal("10.00")
    grading.check_grade_answer(
        items["practical"],
        ["1", "1"],
        acting_user=world.head_teacher,
        reason="截图不是本人店铺",
    )
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == Decimal("9.00")
    assert attempt.passed is False  # 52.94% < 60
    event = AuditEvent.objects.get(action="exam.answer_regraded")
    assert event.reason == "截图不是本人店铺"
    assert event.changes["score"] == ["10.00", "2.00"]


def test_a_rubric_worth_other_points_is_scaled_to_the_questions_points(world):
    world.short.rubric = [{"criterion": "内容", "points": "10"}]
    world.short.save()
    attempt = sit(world.assignment, world.trainee, RIGHT)
    answer = grading.check_grade_answer(
        manual_items(attempt)["short_answer"], ["7"], acting_user=world.head_teacher
    )
    assert answer.score == Decimal("3.50")  # 7 of 10 on a 5-point question


def test_an_unanswered_manual_question_is_graded_too(world):
    attempt = sit(world.assignment, world.trainee, {"single": "B"})
    items = manual_items(attempt)
    assert len(grading.grading_queue(world.head_teacher)) == 2
    grading.check_grade_answer(items["short_answer"], ["0", "0"], acting_user=world.head_teacher)
    grading.check_grade_answer(items["practical"], ["0", "0"], acting_user=world.head_teacher)
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED
    assert attempt.score == Decimal("0") and attempt.passed is False


def test_a_score_out_of_range_names_the_criterion_and_its_limits(world):
    attempt = sit(world.assignment, world.trainee, RIGHT)
    item = manual_items(attempt)["short_answer"]
    with override("en"), pytest.raises(ValidationError) as caught:
        grading.check_grade_answer(item, ["2", "1e30"], acting_user=world.head_teacher)
    assert caught.value.messages == ["The score for “物流与售后” must be between 0 and 2."]
    assert Answer.objects.get(item=item).score is None


@pytest.mark.parametrize(
    ("comment", "reason"),
    [("好" * (grading.MAX_COMMENT_CHARS + 1), "x"), ("", "因" * (grading.MAX_REASON_CHARS + 1))],
    ids=["comment", "reason"],
)
def test_an_overlong_comment_or_reason_is_refused_and_nothing_changes(world, comment, reason):
    attempt = sit(world.assignment, world.trainee, RIGHT)
    item = manual_items(attempt)["short_answer"]
    grading.check_grade_answer(item, ["1", "1"], acting_user=world.head_teacher)
    with pytest.raises(ValidationError):
        grading.check_grade_answer(
            item, ["3", "2"], comment, acting_user=world.head_teacher, reason=reason
        )
    answer = Answer.objects.get(item=item)
    assert answer.score == Decimal("2.00") and answer.comment == ""
    assert not AuditEvent.objects.filter(action="exam.answer_regraded").exists()


# --- At the same moment (PostgreSQL) ----------------------------------------------------------


def run_together(*calls):
    """Run ``calls`` in threads released at once; their results or errors, in call order."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(5)
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_exam_set_twice_at_once_is_set_once(world, monkeypatch):
    import threading

    ExamAssignment.objects.all().delete()
    opens, closes = times(24)
    # Both requests pass the "already set?" check before either inserts (a double tap).
    both_checked = threading.Barrier(2)
    original = grading.do_assign_exam

    def after_the_check(*args, **kwargs):
        both_checked.wait(5)
        return original(*args, **kwargs)

    monkeypatch.setattr(grading, "do_assign_exam", after_the_check)

    def assign():
        return grading.check_assign_exam(
            world.training_class,
            world.exam,
            opens_at=opens,
            closes_at=closes,
            counts_for_completion=True,
            acting_user=world.head_teacher,
        )

    outcomes = run_together(assign, assign)
    assert sorted(type(o).__name__ for o in outcomes) == ["ExamAssignment", "ValidationError"]
    assert ExamAssignment.objects.filter(training_class=world.training_class).count() == 1
    assert AuditEvent.objects.filter(action="exam.assigned").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_graders_at_once_grade_an_answer_once(world):
    attempt = sit(world.assignment, world.trainee, RIGHT)
    item = manual_items(attempt)["short_answer"]
    outcomes = run_together(
        lambda: grading.check_grade_answer(item, ["3", "2"], acting_user=world.head_teacher),
        lambda: grading.check_grade_answer(item, ["1", "1"], acting_user=world.lecturer_user),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Answer", "ValidationError"]
    (winner,) = [o for o in outcomes if isinstance(o, Answer)]
    assert Answer.objects.get(item=item).score == winner.score
    assert AuditEvent.objects.filter(action="exam.answer_graded").count() == 1
    assert not AuditEvent.objects.filter(action="exam.answer_regraded").exists()
