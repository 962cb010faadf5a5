"""The results' arithmetic, the minimum number of answers, and the queries they cost."""

from decimal import Decimal

import pytest

from lms.evaluation import results
from tests.factories.training import make_class, make_enrolment, make_lecturer

from .helpers import answer


def lecturers(world, a, b, comment_a="", comment_b=""):
    return [
        {"lecturer_id": world.lecturer_a.pk, "score": a, "comment": comment_a},
        {"lecturer_id": world.lecturer_b.pk, "score": b, "comment": comment_b},
    ]


@pytest.fixture
def three_answers(world):
    e1, e2, e3 = world.enrolments[:3]
    answer(
        e1,
        content=5, organisation=4, venue=3, practicality=5, overall=5,
        comments="课程很实用",
        lecturers=lecturers(world, 5, 4, comment_a="讲得清楚"),
    )  # fmt: skip
    answer(
        e2,
        content=4, organisation=4, venue=2, practicality=4, overall=4,
        comments="",
        lecturers=lecturers(world, 4, 2, comment_b="语速太快"),
    )  # fmt: skip
    answer(
        e3,
        content=3, organisation=5, venue=1, practicality=3, overall=2,
        comments="机房电脑太旧",
        lecturers=lecturers(world, 3, 1, comment_a="案例很好"),
    )  # fmt: skip
    return world


def by_key(class_results):
    return {dimension.key: dimension for dimension in class_results.dimensions}


def test_averages_distribution_and_satisfaction_rate(three_answers):
    figures = results.class_results(three_answers.training_class)
    assert (figures.answered, figures.enrolled, figures.shown) == (3, 4, True)
    dimensions = by_key(figures)
    assert list(dimensions) == ["content", "organisation", "venue", "practicality", "overall"]
    assert dimensions["content"].average == Decimal("4.00")
    assert dimensions["organisation"].average == Decimal("4.33")
    assert dimensions["venue"].average == Decimal("2.00")
    assert dimensions["practicality"].average == Decimal("4.00")
    assert dimensions["overall"].average == Decimal("3.67")
    overall = dimensions["overall"].distribution
    assert [row.score for row in overall] == [1, 2, 3, 4, 5]
    assert [row.count for row in overall] == [0, 1, 0, 1, 1]
    assert [row.percent for row in overall] == [
        Decimal("0.0"), Decimal("33.3"), Decimal("0.0"), Decimal("33.3"), Decimal("33.3"),
    ]  # fmt: skip
    assert [row.count for row in dimensions["venue"].distribution] == [1, 1, 1, 0, 0]
    # Two of three rated overall satisfaction 4 or 5.
    assert figures.satisfaction_rate == Decimal("66.7")


def test_per_lecturer_averages_counts_and_comments(three_answers):
    world = three_answers
    figures = results.class_results(world.training_class)
    rows = {row.lecturer_id: row for row in figures.lecturers}
    assert rows[world.lecturer_a.pk].average == Decimal("4.00")
    assert rows[world.lecturer_a.pk].count == 3
    assert rows[world.lecturer_a.pk].comments == sorted(["讲得清楚", "案例很好"])
    assert rows[world.lecturer_b.pk].average == Decimal("2.33")
    assert rows[world.lecturer_b.pk].comments == ["语速太快"]
    assert rows[world.lecturer_a.pk].title == "高级讲师"


def test_a_lecturer_added_later_shows_unrated(three_answers):
    world = three_answers
    newcomer = make_lecturer("赵老师")
    world.training_class.lecturers.add(newcomer)
    figures = results.class_results(world.training_class)
    row = next(row for row in figures.lecturers if row.lecturer_id == newcomer.pk)
    assert (row.average, row.count, row.comments) == (None, 0, [])


def test_a_lecturer_removed_after_being_rated_still_counts(three_answers):
    world = three_answers
    world.training_class.lecturers.remove(world.lecturer_b)
    figures = results.class_results(world.training_class)
    rows = {row.lecturer_id: row for row in figures.lecturers}
    assert rows[world.lecturer_b.pk].count == 3
    assert rows[world.lecturer_b.pk].name == "李老师"


def test_comments_are_sorted_by_text_not_by_when_they_came(world):
    for enrolment, text in zip(world.enrolments, ["丙", "甲", "", "乙"], strict=True):
        answer(enrolment, comments=text)
    assert results.class_results(world.training_class).comments == sorted(["丙", "甲", "乙"])


def test_nothing_is_shown_below_the_minimum(world):
    answer(world.enrolments[0], comments="只有我一个人回答")
    answer(world.enrolments[1])
    figures = results.class_results(world.training_class)
    assert (figures.answered, figures.enrolled, figures.shown) == (2, 4, False)
    assert figures.dimensions == []
    assert figures.lecturers == []
    assert figures.comments == []
    assert figures.satisfaction_rate is None


def test_a_class_nobody_answered(world):
    figures = results.class_results(world.training_class)
    assert (figures.answered, figures.enrolled, figures.shown) == (0, 4, False)


def test_non_answerers_are_the_enrolled_without_a_receipt(world):
    answer(world.enrolments[1])
    make_enrolment(world.training_class, user=True, status="withdrawn")
    names = [e.profile.real_name for e in results.non_answerers(world.training_class)]
    expected = [e.profile.real_name for e in world.enrolments if e != world.enrolments[1]]
    assert names == sorted(expected)


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [(2, 3, "0.67"), (5, 8, "0.63"), (13, 3, "4.33"), (9, 2, "4.50"), (0, 0, None)],
)
def test_average_rounds_half_up_to_hundredths(total, count, expected):
    assert results.average(total, count) == (Decimal(expected) if expected else None)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 8, "12.5"), (1, 6, "16.7"), (2, 3, "66.7"), (3, 3, "100.0"), (1, 0, None)],
)
def test_percent_rounds_half_up_to_tenths(part, whole, expected):
    assert results.percent(part, whole) == (Decimal(expected) if expected else None)


def test_lecturer_rating_summaries_in_one_query(three_answers, django_assert_num_queries):
    world = three_answers
    unrated = make_lecturer("新老师")
    with django_assert_num_queries(1):
        summaries = results.lecturer_rating_summaries(
            [world.lecturer_a.pk, world.lecturer_b.pk, unrated.pk]
        )
    assert summaries == {
        world.lecturer_a.pk: {"average": Decimal("4.00"), "count": 3},
        world.lecturer_b.pk: {"average": Decimal("2.33"), "count": 3},
        unrated.pk: {"average": None, "count": 0},
    }
    with django_assert_num_queries(0):
        assert results.lecturer_rating_summaries([]) == {}


def test_lecturer_summary_adds_up_every_class(three_answers, django_assert_num_queries):
    world = three_answers
    second = make_class(world.plan, lecturers=[world.lecturer_a])
    answer(make_enrolment(second, user=True), score=1, lecturers=[
        {"lecturer_id": world.lecturer_a.pk, "score": 1, "comment": "听不懂"}
    ])  # fmt: skip
    with django_assert_num_queries(2):
        summary = results.lecturer_summary(world.lecturer_a)
    assert (summary.count, summary.classes, summary.shown) == (4, 2, True)
    assert summary.average == Decimal("3.25")  # (5 + 4 + 3 + 1) / 4
    assert [row.count for row in summary.distribution] == [1, 0, 1, 1, 1]
    assert summary.comments == sorted(["讲得清楚", "案例很好", "听不懂"])


def test_lecturer_summary_hides_figures_below_the_minimum(world):
    answer(world.enrolments[0], lecturers=lecturers(world, 5, 5, comment_a="好"))
    summary = results.lecturer_summary(world.lecturer_a)
    assert (summary.count, summary.shown, summary.average, summary.comments) == (1, False, None, [])


def test_class_summaries_in_two_queries(three_answers, django_assert_num_queries):
    world = three_answers
    quiet = make_class(world.plan)
    make_enrolment(quiet, user=True)
    with django_assert_num_queries(2):
        summaries = results.class_summaries([world.training_class.pk, quiet.pk])
    busy = summaries[world.training_class.pk]
    assert (busy["answered"], busy["enrolled"], busy["shown"]) == (3, 4, True)
    assert busy["averages"]["organisation"] == Decimal("4.33")
    assert busy["satisfaction_rate"] == Decimal("66.7")
    assert summaries[quiet.pk] == {
        "answered": 0,
        "enrolled": 1,
        "shown": False,
        "averages": dict.fromkeys(["content", "organisation", "venue", "practicality", "overall"]),
        "satisfaction_rate": None,
    }


def test_class_results_cost_the_same_queries_for_3_and_12_answers(world, django_assert_num_queries):
    for enrolment in world.enrolments[:3]:
        answer(enrolment, comments=f"意见{enrolment.pk}")
    with django_assert_num_queries(6):
        results.class_results(world.training_class)
    for _ in range(9):
        answer(make_enrolment(world.training_class, user=True), comments="更多")
    with django_assert_num_queries(6):
        figures = results.class_results(world.training_class)
    assert figures.answered == 12
