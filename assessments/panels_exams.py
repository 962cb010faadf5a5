"""The trainee's "Exams" panel on the class page (key ``exams``, order 45).

Lists the class's exams with their times and, for each, what the trainee can do: start, go on
with the open attempt, or see the last result. Two queries, whatever the number of exams.
"""

from django.utils import timezone

from .models import Attempt, ExamAssignment


def exams_panel_context(request, training_class, enrolment):
    if enrolment is None:
        return None
    assignments = list(
        ExamAssignment.objects.filter(training_class=training_class)
        .select_related("exam")
        .order_by("opens_at", "pk")
    )
    if not assignments:
        return None
    return {"rows": assignment_rows(request.user, assignments)}


def assignment_rows(user, assignments):
    """Each assignment with the user's state: not_yet_open, open, in_progress, done (no
    attempts left) or closed; their open and last attempts (one query)."""
    attempts = {}
    for attempt in Attempt.objects.filter(assignment__in=assignments, user=user).order_by("number"):
        attempts.setdefault(attempt.assignment_id, []).append(attempt)
    now = timezone.now()
    rows = []
    for assignment in assignments:
        mine = attempts.get(assignment.pk, [])
        open_attempt = next((a for a in mine if a.status == Attempt.Status.IN_PROGRESS), None)
        if open_attempt is not None and open_attempt.deadline > now:
            state = "in_progress"
        elif now < assignment.opens_at:
            state = "not_yet_open"
        elif now >= assignment.closes_at:
            state = "closed"
        elif len(mine) >= assignment.exam.attempts_allowed:
            state = "done"
        else:
            state = "open"
        rows.append(
            {
                "assignment": assignment,
                "exam": assignment.exam,
                "state": state,
                "open_attempt": open_attempt,
                "last_attempt": mine[-1] if mine else None,
                "attempts_used": len(mine),
            }
        )
    return rows


def register():
    """Called by the lead from ``AssessmentsConfig.ready``."""
    from lms.training.panels import register_class_panel

    register_class_panel(
        "exams",
        order=45,
        template="assessments/exams/panel.html",
        context=exams_panel_context,
    )
