"""The satisfaction evaluation's results: per class, per lecturer, and summaries for lists.

Every figure is added up in the database, so a report costs the same few queries for 3 answers
or 50. Nothing here returns an answer's id, its position or a whole single answer: only
counts, averages and comment texts, the comments sorted by their text (see docs/evaluation.md).

Figures are shown only once at least ``MIN_ANSWERS_TO_SHOW`` answers are in. The head teacher
knows who has answered; with one or two answers the "average" would simply be that person's
answer.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from lms.enrolment.models import ClassEnrolment

from .actions import DIMENSION_KEYS, DIMENSIONS, MAX_SCORE, MIN_SCORE, SCALE
from .models import EvaluationResponse, LecturerRating

MIN_ANSWERS_TO_SHOW = 3
SCORES = range(MIN_SCORE, MAX_SCORE + 1)
SATISFIED_SCORES = (4, 5)  # "satisfied" and "very satisfied"

HUNDREDTH = Decimal("0.01")
TENTH = Decimal("0.1")


def average(total, count):
    """``total / count`` as a Decimal rounded half-up to 0.01; None when nothing was counted."""
    if not count:
        return None
    return (Decimal(total or 0) / Decimal(count)).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def percent(part, whole):
    """``part`` as a percentage of ``whole``, a Decimal rounded half-up to 0.1; None for 0."""
    if not whole:
        return None
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class ScoreCount:
    score: int
    label: str
    count: int
    percent: Decimal | None


@dataclass
class DimensionResult:
    key: str
    label: str
    average: Decimal | None
    distribution: list[ScoreCount]


@dataclass
class LecturerResult:
    lecturer_id: int
    name: str
    title: str
    average: Decimal | None
    count: int
    comments: list[str] = field(default_factory=list)


@dataclass
class ClassResults:
    """One class's results. ``shown`` is False below ``MIN_ANSWERS_TO_SHOW`` answers, and then
    only ``answered`` and ``enrolled`` are filled in."""

    training_class: object
    answered: int
    enrolled: int
    shown: bool
    min_answers: int = MIN_ANSWERS_TO_SHOW
    dimensions: list[DimensionResult] = field(default_factory=list)
    satisfaction_rate: Decimal | None = None
    lecturers: list[LecturerResult] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


@dataclass
class LecturerSummary:
    """One lecturer's ratings over all their classes (for the lecturer's own page)."""

    lecturer: object
    count: int
    classes: int
    shown: bool
    min_answers: int = MIN_ANSWERS_TO_SHOW
    average: Decimal | None = None
    distribution: list[ScoreCount] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def _distribution(counts, total):
    return [
        ScoreCount(score, str(label), counts[score], percent(counts[score], total))
        for score, label in SCALE
    ]


def _response_aggregates():
    aggregates = {"answered": Count("pk")}
    for key in DIMENSION_KEYS:
        aggregates[f"{key}_sum"] = Sum(key)
        for score in SCORES:
            aggregates[f"{key}_{score}"] = Count("pk", filter=Q(**{key: score}))
    return aggregates


def enrolled_count(training_class):
    return ClassEnrolment.objects.filter(
        training_class=training_class, status=ClassEnrolment.Status.ENROLLED
    ).count()


def class_results(training_class):
    """The results of ``training_class`` in at most six queries, whatever the number of answers.

    Per dimension the average and the count of each score 1-5; the satisfaction rate (the
    share of 4 and 5 on overall satisfaction, in percent); per lecturer the average and count
    with their comments; the comments and suggestions. Comments are sorted by their text, so
    their order says nothing about when, or by whom, they were written.
    """
    enrolled = enrolled_count(training_class)
    figures = EvaluationResponse.objects.filter(training_class=training_class).aggregate(
        **_response_aggregates()
    )
    answered = figures["answered"]
    results = ClassResults(
        training_class=training_class,
        answered=answered,
        enrolled=enrolled,
        shown=answered >= MIN_ANSWERS_TO_SHOW,
    )
    if not results.shown:
        return results

    for key, label in DIMENSIONS:
        counts = {score: figures[f"{key}_{score}"] for score in SCORES}
        results.dimensions.append(
            DimensionResult(
                key=key,
                label=str(label),
                average=average(figures[f"{key}_sum"], answered),
                distribution=_distribution(counts, answered),
            )
        )
    satisfied = sum(figures[f"overall_{score}"] for score in SATISFIED_SCORES)
    results.satisfaction_rate = percent(satisfied, answered)

    ratings = LecturerRating.objects.filter(response__training_class=training_class)
    rated = {
        row["lecturer_id"]: row
        for row in ratings.values("lecturer_id", "lecturer__name", "lecturer__title")
        .annotate(total=Sum("score"), count=Count("pk"))
        .order_by()
    }
    lecturers = {}
    # The class's lecturers first (even unrated), then any removed from it since they were rated.
    for lecturer in training_class.lecturers.all():
        row = rated.get(lecturer.pk, {})
        lecturers[lecturer.pk] = LecturerResult(
            lecturer.pk,
            lecturer.name,
            lecturer.title,
            average(row.get("total"), row.get("count")),
            row.get("count", 0),
        )
    for lecturer_id, row in rated.items():
        if lecturer_id not in lecturers:
            lecturers[lecturer_id] = LecturerResult(
                lecturer_id,
                row["lecturer__name"],
                row["lecturer__title"],
                average(row["total"], row["count"]),
                row["count"],
            )
    for lecturer_id, comment in (
        ratings.exclude(comment="").order_by("comment").values_list("lecturer_id", "comment")
    ):
        lecturers[lecturer_id].comments.append(comment)
    results.lecturers = sorted(lecturers.values(), key=lambda item: (item.name, item.lecturer_id))
    results.comments = list(
        EvaluationResponse.objects.filter(training_class=training_class)
        .exclude(comments="")
        .order_by("comments")
        .values_list("comments", flat=True)
    )
    return results


def non_answerers(training_class):
    """The enrolled trainees who have not answered yet, by name (one query).

    Only for those who run the class (``policy.can_see_non_answerers``): it says who has
    answered, which nobody else may know.
    """
    return list(
        ClassEnrolment.objects.filter(
            training_class=training_class,
            status=ClassEnrolment.Status.ENROLLED,
            evaluation_receipt__isnull=True,
        )
        .select_related("profile__village")
        .order_by("profile__real_name", "pk")
    )


def answered_count(training_class):
    return EvaluationResponse.objects.filter(training_class=training_class).count()


def lecturer_summary(lecturer):
    """``lecturer``'s own ratings over all classes, in two queries: average, count, the count
    of each score, the number of classes, and their comments sorted by text."""
    aggregates = {
        "count": Count("pk"),
        "total": Sum("score"),
        "classes": Count("response__training_class", distinct=True),
    }
    for score in SCORES:
        aggregates[f"score_{score}"] = Count("pk", filter=Q(score=score))
    ratings = LecturerRating.objects.filter(lecturer=lecturer)
    figures = ratings.aggregate(**aggregates)
    summary = LecturerSummary(
        lecturer=lecturer,
        count=figures["count"],
        classes=figures["classes"],
        shown=figures["count"] >= MIN_ANSWERS_TO_SHOW,
    )
    if not summary.shown:
        return summary
    summary.average = average(figures["total"], figures["count"])
    summary.distribution = _distribution(
        {score: figures[f"score_{score}"] for score in SCORES}, figures["count"]
    )
    summary.comments = list(
        ratings.exclude(comment="").order_by("comment").values_list("comment", flat=True)
    )
    return summary


def lecturer_rating_summaries(lecturer_ids):
    """``{lecturer_id: {"average": Decimal | None, "count": int}}`` over all classes, one query.

    Every id asked for is in the answer; a lecturer nobody has rated has ``average`` None and
    ``count`` 0. The average is rounded half-up to 0.01. For officers' lists (the lecturer
    library): it shows figures from however few answers there are.
    """
    lecturer_ids = list(lecturer_ids)
    summaries = {lecturer_id: {"average": None, "count": 0} for lecturer_id in lecturer_ids}
    if not lecturer_ids:
        return summaries
    rows = (
        LecturerRating.objects.filter(lecturer_id__in=lecturer_ids)
        .values("lecturer_id")
        .annotate(total=Sum("score"), count=Count("pk"))
        .order_by()
    )
    for row in rows:
        summaries[row["lecturer_id"]] = {
            "average": average(row["total"], row["count"]),
            "count": row["count"],
        }
    return summaries


def class_summaries(class_ids):
    """For a list of classes: ``{class_id: {"answered", "enrolled", "shown", "averages":
    {dimension: Decimal}, "satisfaction_rate"}}`` in two queries.

    Averages and the rate are None while a class has fewer than ``MIN_ANSWERS_TO_SHOW`` answers.
    """
    class_ids = list(class_ids)
    summaries = {
        class_id: {
            "answered": 0,
            "enrolled": 0,
            "shown": False,
            "averages": dict.fromkeys(DIMENSION_KEYS),
            "satisfaction_rate": None,
        }
        for class_id in class_ids
    }
    if not class_ids:
        return summaries
    aggregates = {"answered": Count("pk")}
    for key in DIMENSION_KEYS:
        aggregates[f"{key}_sum"] = Sum(key)
    aggregates["satisfied"] = Count("pk", filter=Q(overall__in=SATISFIED_SCORES))
    for row in (
        EvaluationResponse.objects.filter(training_class_id__in=class_ids)
        .values("training_class_id")
        .annotate(**aggregates)
        .order_by()
    ):
        summary = summaries[row["training_class_id"]]
        answered = row["answered"]
        summary["answered"] = answered
        summary["shown"] = answered >= MIN_ANSWERS_TO_SHOW
        if summary["shown"]:
            summary["averages"] = {
                key: average(row[f"{key}_sum"], answered) for key in DIMENSION_KEYS
            }
            summary["satisfaction_rate"] = percent(row["satisfied"], answered)
    for row in (
        ClassEnrolment.objects.filter(
            training_class_id__in=class_ids, status=ClassEnrolment.Status.ENROLLED
        )
        .values("training_class_id")
        .annotate(enrolled=Count("pk"))
        .order_by()
    ):
        summaries[row["training_class_id"]]["enrolled"] = row["enrolled"]
    return summaries
