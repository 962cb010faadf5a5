"""The attendance and leave panels on the class page (see ``lms.training.panels``).

Registered from ``AttendanceConfig.ready``. Each costs a fixed number of queries.
"""

from django.db.models import Prefetch
from django.utils import timezone

from lms.training.models import ClassSession
from lms.training.policy import can_run_class

from . import checkin, rates
from .actions import CLOSED_CLASS
from .models import AttendanceRecord, LeaveRequest

RECENT_LEAVE_REQUESTS = 5


def _sessions(training_class):
    return list(
        ClassSession.objects.filter(training_class=training_class).order_by(
            "date", "starts_at", "pk"
        )
    )


def attendance_panel_context(request, training_class, enrolment):
    """A trainee: today's check-in and their attendance so far. The head teacher: today's
    check-in codes and marking, the overview, and pending leave requests. Others: hidden."""
    now = timezone.now()
    today = timezone.localdate()
    if enrolment is not None:
        sessions = _sessions(training_class)
        marks = {r.session_id: r for r in AttendanceRecord.objects.filter(enrolment=enrolment)}
        summary = rates.summarise(
            marks[s.pk].status if s.pk in marks else None
            for s in sessions
            if rates.has_ended(s, now)
        )
        today_rows = [
            {
                "session": s,
                "record": marks.get(s.pk),
                "state": checkin.window_state(s, now),
                "opens": checkin.window(s)[0],
            }
            for s in sessions
            if s.date == today
        ]
        return {"mode": "trainee", "today": today_rows, "summary": summary}
    if not can_run_class(request.user, training_class):
        return None
    sessions = [s for s in _sessions(training_class) if s.date == today]
    pending = LeaveRequest.objects.filter(
        enrolment__training_class=training_class, status=LeaveRequest.Status.PENDING
    ).count()
    return {
        "mode": "head_teacher",
        "today": [{"session": s, "state": checkin.window_state(s, now)} for s in sessions],
        "pending_leave": pending,
        "closed": training_class.status in CLOSED_CLASS,
    }


def leave_panel_context(request, training_class, enrolment):
    """The trainee's latest leave requests and a link to ask for leave."""
    if enrolment is None:
        return None
    leave_requests = list(
        LeaveRequest.objects.filter(enrolment=enrolment).prefetch_related(
            Prefetch("sessions", queryset=ClassSession.objects.order_by("date", "starts_at"))
        )[:RECENT_LEAVE_REQUESTS]
    )
    return {
        "leave_requests": leave_requests,
        "closed": training_class.status in CLOSED_CLASS,
    }


def register():
    from lms.training.panels import register_class_panel

    register_class_panel(
        "attendance",
        order=10,
        template="attendance/panels/attendance.html",
        context=attendance_panel_context,
    )
    register_class_panel(
        "leave", order=25, template="attendance/panels/leave.html", context=leave_panel_context
    )
