"""Attendance rates (出勤率).

Only sessions that have ended count. For each trainee and ended session the mark is present,
late, absent or on leave; an ended session without a mark counts as absent. Approved leave
counts apart from absence: it is taken out of the sessions the rate is computed over::

    rate = (present + late) / (sessions ended - on leave)

A class's rate is the same sum over all its enrolled trainees. The rate is ``None`` when
nothing counts yet (no session has ended, or the trainee was on leave for all of them).

``summarise`` and ``combine`` are pure; ``load_class_grid`` and ``load_trainee_summary`` read
a whole class, or one trainee, in a fixed number of queries.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

PRESENT = "present"
LATE = "late"
ABSENT = "absent"
ON_LEAVE = "on_leave"
STATUSES = (PRESENT, LATE, ABSENT, ON_LEAVE)
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Summary:
    """Counts over ended sessions and the attendance rate (a Decimal in 0..1, or None)."""

    present: int = 0
    late: int = 0
    absent: int = 0
    on_leave: int = 0

    @property
    def sessions(self):
        return self.present + self.late + self.absent + self.on_leave

    @property
    def attended(self):
        return self.present + self.late

    @property
    def expected(self):
        """Sessions the trainee was expected at: ended sessions without approved leave."""
        return self.sessions - self.on_leave

    @property
    def rate(self):
        return attendance_rate(self.attended, self.expected)

    @property
    def percent(self):
        """The rate as a percentage with one decimal place, or None."""
        rate = self.rate
        if rate is None:
            return None
        return (rate * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def as_dict(self):
        rate = self.rate
        return {
            "sessions_ended": self.sessions,
            "present": self.present,
            "late": self.late,
            "absent": self.absent,
            "on_leave": self.on_leave,
            "rate": float(rate) if rate is not None else None,
        }


def attendance_rate(attended, expected):
    """``attended / expected`` as a Decimal rounded to 4 places; None when ``expected`` is 0."""
    if expected <= 0:
        return None
    return (Decimal(attended) / Decimal(expected)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def summarise(statuses):
    """A ``Summary`` of the marks of ended sessions; ``None`` (no mark) counts as absent."""
    counts = dict.fromkeys(STATUSES, 0)
    for status in statuses:
        counts[status if status in counts else ABSENT] += 1
    return Summary(
        present=counts[PRESENT],
        late=counts[LATE],
        absent=counts[ABSENT],
        on_leave=counts[ON_LEAVE],
    )


def combine(summaries):
    """The sum of several summaries (e.g. a class's trainees)."""
    summaries = list(summaries)
    return Summary(
        present=sum(s.present for s in summaries),
        late=sum(s.late for s in summaries),
        absent=sum(s.absent for s in summaries),
        on_leave=sum(s.on_leave for s in summaries),
    )


def has_ended(session, now):
    return session.ends() <= now


@dataclass
class TraineeRow:
    enrolment: object
    cells: list = field(default_factory=list)  # a record or None per session, in order
    summary: Summary = field(default_factory=Summary)


@dataclass
class ClassGrid:
    sessions: list
    ended: list  # one bool per session
    rows: list  # TraineeRow per enrolled trainee
    summary: Summary

    @property
    def ended_count(self):
        return sum(self.ended)


def _enrolled(training_class):
    from lms.enrolment.models import ClassEnrolment

    return (
        ClassEnrolment.objects.filter(
            training_class=training_class, status=ClassEnrolment.Status.ENROLLED
        )
        .select_related("profile")
        .order_by("profile__real_name", "pk")
    )


def load_class_grid(training_class, *, now=None):
    """Every enrolled trainee's mark in every session of the class, with rates. Three queries:
    sessions, enrolments (with profiles) and records."""
    from .models import AttendanceRecord

    now = now or timezone.now()
    sessions = list(training_class.sessions.order_by("date", "starts_at", "pk"))
    enrolments = list(_enrolled(training_class))
    records = {
        (record.enrolment_id, record.session_id): record
        for record in AttendanceRecord.objects.filter(
            session__training_class=training_class,
            enrolment__in=[e.pk for e in enrolments],
        )
    }
    ended = [has_ended(session, now) for session in sessions]
    rows = []
    for enrolment in enrolments:
        cells = [records.get((enrolment.pk, session.pk)) for session in sessions]
        summary = summarise(
            cell.status if cell is not None else None
            for cell, is_ended in zip(cells, ended, strict=True)
            if is_ended
        )
        rows.append(TraineeRow(enrolment=enrolment, cells=cells, summary=summary))
    return ClassGrid(
        sessions=sessions, ended=ended, rows=rows, summary=combine(r.summary for r in rows)
    )


def load_trainee_summary(enrolment, *, now=None):
    """One trainee's ``Summary`` in their class, in two queries (sessions, records)."""
    from .models import AttendanceRecord

    now = now or timezone.now()
    sessions = [s for s in enrolment.training_class.sessions.all() if has_ended(s, now)]
    marks = dict(
        AttendanceRecord.objects.filter(enrolment=enrolment).values_list("session_id", "status")
    )
    return summarise(marks.get(session.pk) for session in sessions)
