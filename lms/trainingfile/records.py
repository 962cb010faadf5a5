"""Everything a training file records about one class, read in a fixed number of queries.

Sections share one ``ClassRecord``: each property runs its queries once, with the joins and
prefetches its rows need, so a class of 50 trainees costs the same number of queries as a class
of 3. Sections added by later apps may run their own queries (keep them per class, not per row).
"""

from functools import cached_property

from django.db.models import Avg, Count, Prefetch, Q
from django.utils import timezone

from lms.attendance.models import AttendanceCorrection, AttendanceRecord, LeaveRequest
from lms.enrolment.models import ClassEnrolment
from lms.evaluation.models import EvaluationReceipt, EvaluationResponse, LecturerRating
from lms.training.models import ClassSession, PlanEvent, TrainingClass, TrainingPlan

RATING_DIMENSIONS = ["content", "organisation", "venue", "practicality", "overall"]
# An answer whose overall rating is at least this counts as satisfied (4 satisfied, 5 very).
SATISFIED_FROM = 4


def person(user):
    """A user's name and username without extra queries, e.g. 刘老师（banzhuren）."""
    if user is None:
        return ""
    full_name = user.get_full_name()
    return f"{full_name}（{user.username}）" if full_name else user.username


class ClassRecord:
    """The class, its plan, trainees, sessions, attendance, leave and evaluation answers."""

    def __init__(self, training_class_id, *, now=None):
        self.now = now or timezone.now()
        self.training_class = (
            TrainingClass.objects.select_related("institution", "head_teacher")
            .prefetch_related("lecturers")
            .get(pk=training_class_id)
        )

    @cached_property
    def plan(self):
        return (
            TrainingPlan.objects.select_related(
                "institution", "decided_by", "created_by", "supersedes"
            )
            .prefetch_related(
                "courses",
                "venues",
                "lecturers",
                Prefetch("events", queryset=PlanEvent.objects.select_related("actor")),
            )
            .get(pk=self.training_class.plan_id)
        )

    @cached_property
    def enrolments(self):
        """Every registration for the class (any status), by name."""
        return list(
            ClassEnrolment.objects.filter(training_class=self.training_class)
            .select_related("profile__village__parent__parent", "overridden_by")
            .order_by("profile__real_name", "pk")
        )

    @cached_property
    def enrolled(self):
        return [e for e in self.enrolments if e.status == ClassEnrolment.Status.ENROLLED]

    @cached_property
    def enrolments_by_id(self):
        return {e.pk: e for e in self.enrolments}

    @cached_property
    def sessions(self):
        return list(
            ClassSession.objects.filter(training_class=self.training_class)
            .select_related("venue", "lecturer")
            .prefetch_related("lessons")
            .order_by("date", "starts_at", "pk")
        )

    @cached_property
    def sessions_by_id(self):
        return {s.pk: s for s in self.sessions}

    @cached_property
    def ended(self):
        """Per session (in order): has it ended at the time of the build?"""
        return [session.ends() <= self.now for session in self.sessions]

    @cached_property
    def attendance(self):
        """``{(enrolment_id, session_id): AttendanceRecord}``."""
        records = AttendanceRecord.objects.filter(session__training_class=self.training_class)
        return {(r.enrolment_id, r.session_id): r for r in records}

    @cached_property
    def corrections(self):
        return list(
            AttendanceCorrection.objects.filter(record__session__training_class=self.training_class)
            .select_related("record", "corrected_by")
            .order_by("corrected_at", "pk")
        )

    @cached_property
    def leave_requests(self):
        return list(
            LeaveRequest.objects.filter(enrolment__training_class=self.training_class)
            .select_related("decided_by")
            .prefetch_related("sessions")
            .order_by("requested_at", "pk")
        )

    # --- Evaluation (anonymous: only counts, averages and comments) ---------------------------

    @cached_property
    def evaluation_answered(self):
        return EvaluationReceipt.objects.filter(training_class=self.training_class).count()

    @cached_property
    def evaluation_totals(self):
        responses = EvaluationResponse.objects.filter(training_class=self.training_class)
        return responses.aggregate(
            answers=Count("pk"),
            satisfied=Count("pk", filter=Q(overall__gte=SATISFIED_FROM)),
            **{f"avg_{name}": Avg(name) for name in RATING_DIMENSIONS},
        )

    @cached_property
    def lecturer_averages(self):
        return list(
            LecturerRating.objects.filter(response__training_class=self.training_class)
            .values("lecturer_id", "lecturer__name")
            .annotate(average=Avg("score"), ratings=Count("pk"))
            .order_by("lecturer__name", "lecturer_id")
        )

    @cached_property
    def comments(self):
        """Non-empty comments, sorted by text so their order says nothing about who wrote them."""
        texts = EvaluationResponse.objects.filter(training_class=self.training_class).exclude(
            comments=""
        )
        return sorted(text.strip() for text in texts.values_list("comments", flat=True))

    @cached_property
    def lecturer_comments(self):
        rows = (
            LecturerRating.objects.filter(response__training_class=self.training_class)
            .exclude(comment="")
            .values_list("lecturer__name", "comment")
        )
        return sorted((name, comment.strip()) for name, comment in rows)
