"""Builders for the exam and certificate tests (``assessments``).

``make_question(course, kind)`` gives a valid question of each kind; ``make_exam`` a fixed exam
over the given questions (or a random one with ``rules``); ``make_assignment`` sets it before a
class, open now for two hours by default.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from assessments.models import (
    DrawRule,
    Exam,
    ExamAssignment,
    ExamQuestion,
    Question,
    QuestionKind,
)
from tests.factories.learning import make_course_with_lessons

CHOICES = [
    {"key": "A", "text": "提高商品标题的搜索排名"},
    {"key": "B", "text": "增加店铺的运费"},
    {"key": "C", "text": "减少商品图片"},
    {"key": "D", "text": "关闭客服"},
]


def make_bank_course(title="农产品网店运营"):
    course, _lessons = make_course_with_lessons(1, title=title)
    return course


def make_question(
    course, kind=QuestionKind.SINGLE, *, topic="标题优化", difficulty="easy", **fields
):
    values = {
        "course": course,
        "tier": "primary",
        "topic": topic,
        "difficulty": difficulty,
        "kind": kind,
        "text": "商品标题优化的主要目的是什么？",
        "points": Decimal("2"),
        "feedback": "标题决定搜索曝光。",
    }
    if kind == QuestionKind.SINGLE:
        values.update(options=CHOICES, correct=["A"])
    elif kind == QuestionKind.MULTIPLE:
        values.update(
            text="以下哪些做法能提高转化率？",
            options=CHOICES,
            correct=["A", "C"],
        )
    elif kind == QuestionKind.TRUE_FALSE:
        values.update(text="拼多多店铺可以上架生鲜农产品。", options=[], correct=[True])
    elif kind == QuestionKind.FILL_IN:
        values.update(text="淘宝的母公司是____集团。", options=[], correct=["阿里巴巴", "阿里"])
    elif kind == QuestionKind.SHORT_ANSWER:
        values.update(
            text="简述农产品详情页应包含的内容。",
            options=[],
            correct=[],
            rubric=[
                {"criterion": "产地与品质", "points": "3"},
                {"criterion": "物流与售后", "points": "2"},
            ],
            points=Decimal("5"),
        )
    elif kind == QuestionKind.PRACTICAL:
        values.update(
            text="在你的网店上架一款本地农产品，提交店铺链接或截图。",
            options=[],
            correct=[],
            rubric=[
                {"criterion": "标题与主图", "points": "5"},
                {"criterion": "价格与运费", "points": "5"},
            ],
            points=Decimal("10"),
        )
    values.update(fields)
    return Question.objects.create(**values)


def make_exam(course, questions=(), *, rules=(), **fields):
    """A fixed exam over ``questions``, or a random one when ``rules`` (topic, difficulty,
    count) are given."""
    values = {
        "title": "农产品网店运营结业考试",
        "course": course,
        "tier": "primary",
        "mode": Exam.Mode.RANDOM if rules else Exam.Mode.FIXED,
        "time_limit_minutes": 30,
        "attempts_allowed": 1,
        "pass_mark": Decimal("60"),
    }
    values.update(fields)
    exam = Exam.objects.create(**values)
    for position, question in enumerate(questions, start=1):
        ExamQuestion.objects.create(exam=exam, question=question, position=position)
    for topic, difficulty, count in rules:
        DrawRule.objects.create(exam=exam, topic=topic, difficulty=difficulty, count=count)
    return exam


def make_assignment(exam, training_class, *, opens_at=None, closes_at=None, **fields):
    opens_at = opens_at or timezone.now() - datetime.timedelta(minutes=5)
    closes_at = closes_at or opens_at + datetime.timedelta(hours=2)
    return ExamAssignment.objects.create(
        exam=exam, training_class=training_class, opens_at=opens_at, closes_at=closes_at, **fields
    )
