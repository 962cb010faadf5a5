"""Attendance (考勤) per session and leave (请假).

A head teacher marks a trainee present, late, absent or on leave; a trainee checks in by scanning
the session's rotating QR code; approved leave marks the sessions it covers as on leave. Every
change goes through ``lms.attendance.actions``; a change to an existing mark is a correction
with a reason, kept in ``AttendanceCorrection`` and the audit log.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttendanceRecord(models.Model):
    wagtail_reference_index_ignore = True  # many rows, no "usage" to show (audit.models)

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        ABSENT = "absent", _("Absent")
        ON_LEAVE = "on_leave", _("On leave")

    class Source(models.TextChoices):
        HEAD_TEACHER = "head_teacher", _("Marked by the head teacher")
        CHECK_IN = "check_in", _("Checked in by QR code")
        LEAVE = "leave", _("Approved leave")

    session = models.ForeignKey(
        "training.ClassSession",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    enrolment = models.ForeignKey(
        "enrolment.ClassEnrolment",
        verbose_name=_("trainee"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["session", "enrolment"]
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="unique_attendance")
        ]

    def __str__(self):
        return f"{self.session} · {self.enrolment.profile.real_name}: {self.get_status_display()}"


class AttendanceCorrection(models.Model):
    """A change to an existing attendance mark: who, when, from what, to what, and why."""

    wagtail_reference_index_ignore = True  # many rows, no "usage" to show (audit.models)

    record = models.ForeignKey(
        AttendanceRecord,
        verbose_name=_("attendance record"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=AttendanceRecord.Status.choices
    )
    to_status = models.CharField(_("to"), max_length=20, choices=AttendanceRecord.Status.choices)
    reason = models.TextField(_("reason"))
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    corrected_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attendance correction")
        verbose_name_plural = _("attendance corrections")
        ordering = ["corrected_at", "pk"]

    def __str__(self):
        return f"{self.record}: {self.from_status} → {self.to_status}"


class LeaveRequest(models.Model):
    """A trainee's request for leave from some sessions of their class."""

    wagtail_reference_index_ignore = True  # many rows, no "usage" to show (audit.models)

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    enrolment = models.ForeignKey(
        "enrolment.ClassEnrolment",
        verbose_name=_("trainee"),
        on_delete=models.CASCADE,
        related_name="leave_requests",
    )
    sessions = models.ManyToManyField(
        "training.ClassSession", verbose_name=_("sessions"), related_name="leave_requests"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True)
    decision_comment = models.TextField(_("comments"), blank=True)

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.enrolment.profile.real_name}: {self.get_status_display()}"
