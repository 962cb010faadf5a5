"""Which attempt counts, who passed, and who passed every exam a class requires.

``counted_attempt`` applies the exam's grading method (highest or last) to a trainee's graded
attempts; an attempt still waiting for a lecturer (``submitted``) counts for nothing yet, and
under "last" nothing counts while the last handed-in attempt waits (it may overturn a pass). The
certificates' completion rule calls ``passed_required_exams``.
"""

from collections import defaultdict

from .models import Attempt, Exam, ExamAssignment


def counted_attempt(attempts, grading_method):
    """The attempt that counts among one trainee's attempts at one assignment, or None."""
    if grading_method == Exam.GradingMethod.LAST:
        handed_in = [a for a in attempts if a.status != Attempt.Status.IN_PROGRESS]
        last = max(handed_in, key=lambda a: a.number, default=None)
        return last if last is not None and last.status == Attempt.Status.GRADED else None
    graded = [a for a in attempts if a.status == Attempt.Status.GRADED]
    if not graded:
        return None
    return max(graded, key=lambda a: (a.percent or 0, -a.number))


def outcomes(training_class, *, assignments=None):
    """``{user_id: {assignment_id: counted attempt or None}}`` for everyone who attempted an
    exam of the class (two queries)."""
    if assignments is None:
        assignments = list(
            ExamAssignment.objects.filter(training_class=training_class).select_related("exam")
        )
    by_id = {a.pk: a for a in assignments}
    grouped = defaultdict(list)
    for attempt in Attempt.objects.filter(assignment_id__in=by_id).order_by("number"):
        grouped[(attempt.user_id, attempt.assignment_id)].append(attempt)
    result = defaultdict(dict)
    for (user_id, assignment_id), attempts in grouped.items():
        method = by_id[assignment_id].exam.grading_method
        result[user_id][assignment_id] = counted_attempt(attempts, method)
    return result


def passed_required_exams(training_class, user_ids):
    """``{user_id: bool}``: passed every assignment of the class that counts for completion.

    A class with no such assignment requires nothing (everyone True).
    """
    required = list(
        ExamAssignment.objects.filter(
            training_class=training_class, counts_for_completion=True
        ).select_related("exam")
    )
    if not required:
        return dict.fromkeys(user_ids, True)
    found = outcomes(training_class, assignments=required)
    passed = {}
    for user_id in user_ids:
        counted = found.get(user_id, {})
        passed[user_id] = all(
            counted.get(a.pk) is not None and counted[a.pk].passed for a in required
        )
    return passed
