"""The question bank's per-kind rules and the exam definition's checks against the bank."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from assessments.actions import bank
from assessments.models import Exam, QuestionKind
from tests.factories.assessments import CHOICES, make_bank_course, make_exam, make_question

K = QuestionKind


def problems(kind, *, options=(), correct=(), rubric=(), points="2"):
    return bank.question_problems(
        kind=kind,
        options=list(options),
        correct=list(correct),
        rubric=list(rubric),
        points=Decimal(points) if points is not None else None,
    )


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


def line(criterion, points):
    return {"criterion": criterion, "points": points}


def opts(*keys):
    return [{"key": key, "text": f"选项{key}"} for key in keys]


def test_a_sound_question_of_each_kind_passes():
    assert problems(K.SINGLE, options=CHOICES, correct=["A"]) == {}
    assert problems(K.MULTIPLE, options=CHOICES, correct=["A", "C"]) == {}
    assert problems(K.TRUE_FALSE, correct=[True]) == {}
    assert problems(K.TRUE_FALSE, correct=[False]) == {}
    assert problems(K.FILL_IN, correct=["阿里巴巴", "阿里"]) == {}
    rubric = [{"criterion": "产地", "points": "3"}, {"criterion": "物流", "points": "2"}]
    assert problems(K.SHORT_ANSWER, rubric=rubric, points="5") == {}
    assert problems(K.PRACTICAL, rubric=rubric, points="5") == {}


@pytest.mark.parametrize(
    ("kind", "options", "correct", "field"),
    [
        (K.SINGLE, opts("A"), ["A"], "options"),  # one option
        (K.SINGLE, opts("A", "B"), ["A", "B"], "correct"),  # two correct
        (K.SINGLE, opts("A", "B"), [], "correct"),  # none correct
        (K.SINGLE, opts("A", "B"), ["C"], "correct"),  # not an option
        (K.SINGLE, opts("A", "A"), ["A"], "options"),  # duplicate key
        (K.SINGLE, opts("A", "C"), ["A"], "options"),  # a gap
        (K.SINGLE, [{"key": "A", "text": "x"}, {"key": "B", "text": " "}], ["A"], "options"),
        (K.MULTIPLE, opts("A", "B"), [], "correct"),
        (K.MULTIPLE, opts("A"), ["A"], "options"),
        (K.MULTIPLE, opts("A", "B"), ["A", "A"], "correct"),
        (K.TRUE_FALSE, [], ["对"], "correct"),
        (K.TRUE_FALSE, [], [], "correct"),
        (K.TRUE_FALSE, opts("A", "B"), [True], "options"),
        (K.FILL_IN, [], [], "correct"),
        (K.FILL_IN, [], ["  "], "correct"),
        (K.FILL_IN, opts("A", "B"), ["x"], "options"),
    ],
)
def test_broken_questions_are_refused_on_the_right_field(kind, options, correct, field):
    assert field in problems(kind, options=options, correct=correct)


def test_seven_options_are_too_many():
    many = [{"key": key, "text": key} for key in "ABCDEFG"]
    assert "options" in problems(K.SINGLE, options=many, correct=["A"])


@pytest.mark.parametrize(
    ("rubric", "points", "fragment"),
    [
        ([], "5", "Give the rubric"),
        ([line("产地", "3")], "5", "add up to 3"),
        ([line("产地", "0"), line("物流", "5")], "5", "positive"),
        ([line("产地", "-1"), line("物流", "6")], "5", "positive"),
        ([line("", "5")], "5", "needs a criterion"),
        ([line("产地", "abc")], "5", "positive"),
    ],
)
def test_rubrics_need_positive_points_adding_up(rubric, points, fragment):
    found = problems(K.PRACTICAL, rubric=rubric, points=points)
    assert "rubric" in found
    assert fragment in " ".join(found["rubric"])


def test_rubric_kinds_take_no_correct_answer_and_others_no_rubric():
    rubric = [{"criterion": "产地", "points": "2"}]
    assert "correct" in problems(K.SHORT_ANSWER, rubric=rubric, correct=["x"])
    assert "rubric" in problems(K.FILL_IN, correct=["x"], rubric=rubric)


def test_points_must_be_positive():
    assert "points" in problems(K.TRUE_FALSE, correct=[True], points="0")
    assert "points" in problems(K.TRUE_FALSE, correct=[True], points=None)


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (K.SINGLE, " a ", ["A"]),
        (K.MULTIPLE, "AC", ["A", "C"]),
        (K.MULTIPLE, "A，C", ["A", "C"]),
        (K.MULTIPLE, "A、C", ["A", "C"]),
        (K.TRUE_FALSE, "对", [True]),
        (K.TRUE_FALSE, "错误", [False]),
        (K.TRUE_FALSE, "TRUE", [True]),
        (K.FILL_IN, "阿里巴巴|阿里｜ Alibaba ", ["阿里巴巴", "阿里", "Alibaba"]),
    ],
)
def test_correct_answers_read_from_text(kind, text, expected):
    assert bank.parse_correct(kind, text) == expected


def test_rubric_reads_from_lines_and_semicolons():
    assert bank.parse_rubric("标题与主图：5\n价格与运费: 2.5；售后:１分") == [
        {"criterion": "标题与主图", "points": "5"},
        {"criterion": "价格与运费", "points": "2.5"},
        {"criterion": "售后", "points": "1"},
    ]
    assert bank.parse_rubric("没有分数") == [{"criterion": "没有分数", "points": ""}]


# --- Exams -----------------------------------------------------------------------------------


@pytest.fixture
def course(db):
    return make_bank_course()


def test_a_fixed_exam_takes_active_questions_of_its_course_and_tier(course):
    good = make_question(course)
    retired = make_question(course, is_active=False)
    other_course = make_question(make_bank_course("直播带货"))
    other_tier = make_question(course, tier="cadre")
    exam = Exam(course=course, tier="primary", mode=Exam.Mode.FIXED)
    assert bank.exam_problems(exam, [good], []) == {}
    for question in (retired, other_course, other_tier):
        assert "questions" in bank.exam_problems(exam, [good, question], []), question
    assert "questions" in bank.exam_problems(exam, [], [])
    assert "draw_rules" in bank.exam_problems(exam, [good], [("标题优化", "easy", 1)])


def test_a_random_exam_needs_enough_active_questions_for_every_rule(course):
    for _ in range(3):
        make_question(course, topic="标题优化", difficulty="easy")
    make_question(course, topic="标题优化", difficulty="easy", is_active=False)
    make_question(course, topic="标题优化", difficulty="easy", tier="cadre")
    make_question(course, topic="物流", difficulty="hard")
    exam = Exam(course=course, tier="primary", mode=Exam.Mode.RANDOM)
    assert bank.exam_problems(exam, [], [("标题优化", "easy", 3), ("物流", "hard", 1)]) == {}
    found = bank.exam_problems(exam, [], [("标题优化", "easy", 4)])
    assert "has 3 questions in use, fewer than 4" in " ".join(found["draw_rules"])
    assert "draw_rules" in bank.exam_problems(exam, [], [("没有的知识点", "easy", 1)])
    assert "draw_rules" in bank.exam_problems(exam, [], [])
    twice = [("标题优化", "easy", 1), ("标题优化", "easy", 1)]
    assert "given twice" in " ".join(bank.exam_problems(exam, [], twice)["draw_rules"])


def test_saving_an_exam_replaces_its_paper_and_is_audited(course, make_user):
    from lms.audit.models import AuditEvent

    admin = make_user("administrator")
    q1, q2, q3 = (make_question(course) for _ in range(3))
    exam = make_exam(course, [q1, q2])
    bank.check_save_exam(exam, [q3, q1], [], acting_user=admin)
    assert [(i.question, i.position) for i in exam.fixed_questions.all()] == [(q3, 1), (q1, 2)]
    event = AuditEvent.objects.get(action="exam.exam_edited")
    assert event.changes["questions"] == [q3.pk, q1.pk]


def sat_once(exam, make_user):
    """Set ``exam`` before a class and start one attempt at it (as a trainee would)."""
    from assessments.models import Attempt
    from tests.factories.assessments import make_assignment
    from tests.factories.training import make_class

    assignment = make_assignment(exam, make_class())
    Attempt.objects.create(
        assignment=assignment,
        user=make_user("trainee"),
        number=1,
        seed=1,
        started_at=assignment.opens_at,
        deadline=assignment.closes_at,
        max_score=Decimal("2"),
    )
    return assignment


def test_once_trainees_sat_an_exam_its_pass_mark_stays(course, make_user):
    admin = make_user("administrator")
    question = make_question(course)
    exam = make_exam(course, [question])
    sat_once(exam, make_user)
    exam.pass_mark = Decimal("80")
    with pytest.raises(ValidationError) as caught:
        bank.check_save_exam(exam, [question], [], acting_user=admin)
    assert "pass_mark" in caught.value.message_dict
    exam.refresh_from_db()
    assert exam.pass_mark == Decimal("60")
    # Everything else may still change.
    exam.title, exam.time_limit_minutes = "改名后的考试", 45
    bank.check_save_exam(exam, [question], [], acting_user=admin)
    exam.refresh_from_db()
    assert (exam.title, exam.time_limit_minutes, exam.pass_mark) == ("改名后的考试", 45, 60)


def test_an_exam_set_before_a_class_keeps_its_course(course, make_user):
    from tests.factories.assessments import make_assignment
    from tests.factories.training import make_class

    admin = make_user("administrator")
    other = make_bank_course("直播带货")
    exam = make_exam(course, [make_question(course)])
    make_assignment(exam, make_class())
    exam.course = other
    foreign = make_question(other)
    with pytest.raises(ValidationError) as caught:
        bank.check_save_exam(exam, [foreign], [], acting_user=admin)
    assert "course" in caught.value.message_dict
    assert Exam.objects.get(pk=exam.pk).course_id == course.pk
