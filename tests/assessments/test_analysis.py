"""Item analysis on a small example computed by hand."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments.analysis import chosen_keys, item_analysis
from assessments.models import Answer, Attempt, AttemptQuestion, QuestionKind
from tests.factories.assessments import (
    make_assignment,
    make_bank_course,
    make_exam,
    make_question,
)
from tests.factories.training import make_class

pytestmark = pytest.mark.django_db


def graded_attempt(assignment, user, answers, *, status=Attempt.Status.GRADED):
    """``answers``: [(question, response, score)]; score and percent summed as grading would."""
    now = timezone.now()
    max_score = sum((q.points for q, _r, _s in answers), Decimal("0"))
    score = sum((s or 0 for _q, _r, s in answers), Decimal("0"))
    attempt = Attempt.objects.create(
        assignment=assignment,
        user=user,
        number=1,
        status=status,
        seed=1,
        started_at=now,
        deadline=now + datetime.timedelta(minutes=30),
        submitted_at=now,
        score=score,
        max_score=max_score,
        percent=(score / max_score * 100).quantize(Decimal("0.01")),
        passed=score / max_score >= Decimal("0.6"),
    )
    for position, (question, response, points) in enumerate(answers, start=1):
        item = AttemptQuestion.objects.create(
            attempt=attempt, question=question, position=position, points=question.points
        )
        Answer.objects.create(item=item, response=response, score=points)
    return attempt


@pytest.fixture
def example(make_user):
    course = make_bank_course()
    single = make_question(course, QuestionKind.SINGLE, points=Decimal("1"))  # correct: A
    short = make_question(course, QuestionKind.SHORT_ANSWER)  # 5 points
    exam = make_exam(course, [single, short])
    assignment = make_assignment(exam, make_class())
    d = Decimal
    # attempt: (single response, single score, short score) -> total of 6
    rows = [
        ("A", d(1), d(5)),  # 6/6 = 100%   upper group
        ("B", d(0), d(4)),  # 4/6 = 66.67%
        ("A", d(1), d(1)),  # 2/6 = 33.33%
        ("B", d(0), d(0)),  # 0/6 = 0%     lower group
    ]
    for n, (response, single_score, short_score) in enumerate(rows):
        graded_attempt(
            assignment,
            make_user("trainee", username=f"t{n}"),
            [(single, response, single_score), (short, "答案", short_score)],
        )
    # Submitted but not yet graded: left out of the analysis.
    graded_attempt(
        assignment,
        make_user("trainee", username="waiting"),
        [(single, "C", d(0)), (short, "答案", None)],
        status=Attempt.Status.SUBMITTED,
    )
    return assignment, single, short


def test_difficulty_discrimination_and_wrong_option_by_hand(example, django_assert_num_queries):
    assignment, single, short = example
    with django_assert_num_queries(4):
        stats = item_analysis(Attempt.objects.filter(assignment=assignment))
    by_question = {row.question_id: row for row in stats}
    first, second = by_question[single.pk], by_question[short.pk]
    # 4 graded attempts; 27% of 4 rounds to 1 attempt in each group.
    assert first.n == second.n == 4
    # Single choice: 2 of 4 right; the top attempt right, the bottom one wrong.
    assert first.difficulty == pytest.approx(0.5)
    assert first.discrimination == pytest.approx(1.0)
    assert (first.wrong_option, first.wrong_option_count) == ("B", 2)
    assert first.wrong_option_text == "增加店铺的运费"
    # Short answer: shares 1, 0.8, 0.2, 0 -> mean 0.5; top 1.0 minus bottom 0.0.
    assert second.difficulty == pytest.approx(0.5)
    assert second.discrimination == pytest.approx(1.0)
    assert second.wrong_option is None


def test_a_question_the_weak_answer_right_discriminates_negatively(make_user):
    course = make_bank_course()
    question = make_question(course, QuestionKind.MULTIPLE, points=Decimal("2"))  # A and C
    filler = make_question(course, QuestionKind.TRUE_FALSE, points=Decimal("10"))
    assignment = make_assignment(make_exam(course, [question, filler]), make_class())
    d = Decimal
    rows = [  # (multiple response, score, true/false score)
        (["A"], d(0), d(10)),  # 10/12
        (["A", "B"], d(0), d(10)),  # 10/12: upper group (ties go by attempt id)
        (["A", "C"], d(2), d(0)),  # 2/12: lower group
        (["A", "C"], d(2), d(0)),  # 2/12
    ]
    for n, (response, score, filler_score) in enumerate(rows):
        graded_attempt(
            assignment,
            make_user("trainee", username=f"m{n}"),
            [(question, response, score), (filler, True, filler_score)],
        )
    stats = {row.question_id: row for row in item_analysis(Attempt.objects.all())}
    row = stats[question.pk]
    assert row.difficulty == pytest.approx(0.5)
    assert row.discrimination == pytest.approx(-1.0)
    # Wrong keys chosen: B once (A is right, C was left out but not chosen).
    assert (row.wrong_option, row.wrong_option_count) == ("B", 1)


def test_no_graded_attempt_gives_no_rows(example):
    assignment, _single, _short = example
    Attempt.objects.filter(status=Attempt.Status.GRADED).delete()
    assert item_analysis(Attempt.objects.filter(assignment=assignment)) == []


def test_chosen_keys_reads_every_response_shape():
    assert chosen_keys("B") == ["B"]
    assert chosen_keys(["A", "C"]) == ["A", "C"]
    assert chosen_keys({"keys": ["D"]}) == ["D"]
    assert chosen_keys(True) == []
    assert chosen_keys(None) == []


def test_a_single_graded_attempt_gives_no_discrimination(make_user):
    # With one attempt the top and bottom groups are the same attempt: D is not 0, it is unknown.
    course = make_bank_course()
    question = make_question(course, QuestionKind.SINGLE)
    assignment = make_assignment(make_exam(course, [question]), make_class())
    graded_attempt(assignment, make_user("trainee"), [(question, "B", Decimal("0"))])
    (row,) = item_analysis(Attempt.objects.filter(assignment=assignment))
    assert row.n == 1 and row.difficulty == pytest.approx(0.0)
    assert row.discrimination is None
    assert (row.wrong_option, row.wrong_option_count) == ("B", 1)
