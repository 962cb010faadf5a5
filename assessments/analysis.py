"""Item analysis: how each question of an exam behaved (see docs/exams.md).

Computed over the graded attempts of one assignment, or of one exam across the classes a
lecturer teaches, in four queries whatever the number of attempts (the attempts'
percentages; one stream of per-question score shares computed by the database and read
straight from the cursor; the questions; the wrong choices grouped by the database), with the
arithmetic in plain Python floats (statistics, not scores):

- ``n``: how many graded attempts had the question on their paper;
- ``difficulty``: the difficulty index p, the mean share of the question's points obtained
  (for objective questions, all or nothing, the share of trainees who got it right); high =
  easy;
- ``discrimination``: the upper-lower index D (Kelley's 27% groups, not point-biserial): the
  attempts are ranked by total percentage (ties by attempt id); D is the mean share obtained
  by the top 27% (at least one attempt) minus that of the bottom 27%. The question's own
  score is part of the total, as in the classic index. For random draws, each question is
  compared among the attempts of those groups that drew it. Between -1 and 1; below 0.2
  separates strong and weak trainees poorly, below 0 favours the weak. None with fewer than
  two graded attempts, or when one group never drew the question;
- ``wrong_option``: for single and multiple choice, the wrong option chosen most often and
  how many chose it (None when nobody chose a wrong option; on a tie, the first in the
  question's own order). A multiple-choice response counts once for each wrong key in it.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, F, FloatField, Value
from django.db.models.functions import Cast, Coalesce

from .models import Attempt, AttemptQuestion, Question, QuestionKind

GROUP_SHARE = 0.27
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


@dataclass
class ItemStats:
    question_id: int
    text: str
    kind: str
    topic: str
    n: int
    difficulty: float | None
    discrimination: float | None
    wrong_option: str | None = None
    wrong_option_text: str = ""
    wrong_option_count: int = 0

    def get_kind_display(self):
        return QuestionKind(self.kind).label


def chosen_keys(response):
    """The option keys in a choice question's response, however the client sent them."""
    if isinstance(response, dict):
        for name in ("keys", "choices", "choice", "key", "value", "answer"):
            if name in response:
                return chosen_keys(response[name])
        return []
    if isinstance(response, str):
        return [response]
    if isinstance(response, list | tuple):
        return [str(key) for key in response if isinstance(key, str | int)]
    return []


def stream(queryset, chunk=5000):
    """The rows of a ``values_list`` queryset straight from the database cursor: the ORM
    writes the SQL, but no per-row converters run (200,000 rows in a fraction of a second)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield from rows


def _groups(percent_by_attempt):
    """``(upper, lower)``: the ids of the best and the weakest 27% of attempts (at least one
    each), ranked by total percentage, ties by attempt id. Under two attempts both groups
    would be the same attempt, so there are none (no discrimination)."""
    if len(percent_by_attempt) < 2:
        return set(), set()
    ranked = sorted(percent_by_attempt.items(), key=lambda row: (row[1], row[0]))
    size = max(1, round(len(ranked) * GROUP_SHARE))
    lower = {attempt_id for attempt_id, _p in ranked[:size]}
    upper = {attempt_id for attempt_id, _p in ranked[len(ranked) - size :]}
    return upper, lower


def item_analysis(attempts):
    """``[ItemStats]`` ordered by question, over the graded attempts of ``attempts`` (a
    queryset of ``Attempt``)."""
    graded = attempts.filter(status=Attempt.Status.GRADED)
    percent_by_attempt = {
        attempt_id: float(percent or 0)
        for attempt_id, percent in graded.values_list("pk", "percent").iterator()
    }
    if not percent_by_attempt:
        return []
    upper, lower = _groups(percent_by_attempt)

    count = Counter()
    share_sum = defaultdict(float)
    upper_sum, upper_n = defaultdict(float), Counter()
    lower_sum, lower_n = defaultdict(float), Counter()
    # The database computes each share as a float: no Decimal per row on the way out.
    share = Coalesce(Cast("answer__score", FloatField()), Value(0.0)) / Cast("points", FloatField())
    items = (
        AttemptQuestion.objects.filter(attempt__in=graded.values("pk"))
        .annotate(share=share)
        .values_list("attempt_id", "question_id", "share")
    )
    for attempt_id, question_id, share in stream(items):
        count[question_id] += 1
        share_sum[question_id] += share
        if attempt_id in upper:
            upper_sum[question_id] += share
            upper_n[question_id] += 1
        if attempt_id in lower:
            lower_sum[question_id] += share
            lower_n[question_id] += 1

    questions = {
        q["pk"]: q
        for q in Question.objects.filter(pk__in=list(count)).values(
            "pk", "text", "kind", "topic", "options", "correct"
        )
    }
    wrong = _wrong_choices(graded, questions)

    stats = []
    for question_id in sorted(count):
        question = questions[question_id]
        n = count[question_id]
        discrimination = None
        if upper_n[question_id] and lower_n[question_id]:
            discrimination = (
                upper_sum[question_id] / upper_n[question_id]
                - lower_sum[question_id] / lower_n[question_id]
            )
        row = ItemStats(
            question_id=question_id,
            text=question["text"],
            kind=question["kind"],
            topic=question["topic"],
            n=n,
            difficulty=share_sum[question_id] / n,
            discrimination=discrimination,
        )
        chosen = wrong.get(question_id)
        if chosen:
            # The most chosen; on a tie, the first in the question's own order.
            order = {o.get("key"): i for i, o in enumerate(question["options"] or [])}
            key, times = min(chosen.items(), key=lambda kv: (-kv[1], order.get(kv[0], 99), kv[0]))
            row.wrong_option = key
            row.wrong_option_count = times
            row.wrong_option_text = next(
                (o.get("text", "") for o in question["options"] or [] if o.get("key") == key), ""
            )
        stats.append(row)
    return stats


def _wrong_choices(graded, questions):
    """``{question_id: Counter(wrong key -> times chosen)}`` for choice questions; reads only
    the responses that did not get full marks."""
    choice_ids = [pk for pk, q in questions.items() if q["kind"] in CHOICE_KINDS]
    if not choice_ids:
        return {}
    correct = {pk: {str(key) for key in questions[pk]["correct"] or []} for pk in choice_ids}
    rows = (
        AttemptQuestion.objects.filter(attempt__in=graded.values("pk"), question_id__in=choice_ids)
        .exclude(answer__response__isnull=True)
        .exclude(answer__score__gte=F("points"))
        .values_list("question_id", "answer__response")
        .annotate(times=Count("pk"))  # one row per question and distinct response
        .order_by()
    )
    wrong = defaultdict(Counter)
    for question_id, response, times in rows:
        for key in set(chosen_keys(response)):
            if key not in correct[question_id]:
                wrong[question_id][key] += times
    return wrong


# --- Results per class -----------------------------------------------------------------------


@dataclass
class ResultCell:
    """One trainee at one assignment: ``state`` is graded, awaiting (grading), in_progress or
    not_attempted; ``attempt`` the counted attempt when graded."""

    state: str
    attempt: object = None
    attempts: int = 0

    @property
    def passed(self):
        return self.attempt.passed if self.state == "graded" else None


@dataclass
class ResultRow:
    enrolment: object
    cells: list


def class_results(training_class):
    """``(assignments, [ResultRow])`` for every enrolled trainee, by name; three queries."""
    from lms.enrolment.models import ClassEnrolment

    from .models import ExamAssignment
    from .results import counted_attempt

    assignments = list(
        ExamAssignment.objects.filter(training_class=training_class)
        .select_related("exam")
        .order_by("opens_at", "pk")
    )
    enrolments = list(
        ClassEnrolment.objects.filter(
            training_class=training_class, status=ClassEnrolment.Status.ENROLLED
        )
        .select_related("profile")
        .order_by("profile__real_name", "pk")
    )
    grouped = defaultdict(list)
    if assignments:
        attempts = Attempt.objects.filter(assignment__in=assignments).order_by("number")
        for attempt in attempts:
            grouped[(attempt.user_id, attempt.assignment_id)].append(attempt)
    rows = []
    for enrolment in enrolments:
        cells = []
        for assignment in assignments:
            attempts = grouped.get((enrolment.profile.user_id, assignment.pk), [])
            counted = counted_attempt(attempts, assignment.exam.grading_method)
            statuses = {a.status for a in attempts}
            if counted is not None:
                cell = ResultCell("graded", counted, len(attempts))
            elif Attempt.Status.SUBMITTED in statuses:
                cell = ResultCell("awaiting", None, len(attempts))
            elif Attempt.Status.IN_PROGRESS in statuses:
                cell = ResultCell("in_progress", None, len(attempts))
            else:
                cell = ResultCell("not_attempted")
            cells.append(cell)
        rows.append(ResultRow(enrolment, cells))
    return assignments, rows
