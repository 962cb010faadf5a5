"""The teachers' "Exam results" panel on the class page (key ``exam_results``, order 46).

Shown to the class's head teacher and lecturers and to administrators (``teaches_class``): how
many exams are set, how many answers of this class wait for grading, and links to the results,
the grading queue and the class's exams. Trainees and others see nothing. Two queries beyond
the membership check.
"""

from django.db.models import Q
from django.urls import reverse

from .models import Attempt, AttemptQuestion, ExamAssignment
from .policy import teaches_class

MANUAL_KINDS = ("short_answer", "practical")


def exam_results_panel_context(request, training_class, enrolment):
    if enrolment is not None or not teaches_class(request.user, training_class):
        return None
    waiting = (
        AttemptQuestion.objects.filter(
            attempt__assignment__training_class=training_class,
            attempt__status=Attempt.Status.SUBMITTED,
            question__kind__in=MANUAL_KINDS,
        )
        .filter(Q(answer__isnull=True) | Q(answer__score__isnull=True))
        .count()
    )
    return {
        "assignment_count": ExamAssignment.objects.filter(training_class=training_class).count(),
        "waiting": waiting,
        "results_url": reverse("grading:results", args=[training_class.pk]),
        "queue_url": reverse("grading:queue"),
        "assignments_url": reverse("grading:class_assignments", args=[training_class.pk]),
    }


def register():
    """Called from ``AssessmentsConfig.ready``."""
    from lms.training.panels import register_class_panel

    register_class_panel(
        "exam_results",
        order=46,
        template="assessments/teaching/panel.html",
        context=exam_results_panel_context,
    )
