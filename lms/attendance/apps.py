from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    """Attendance per session (marked or checked in by QR code) and leave."""

    name = "lms.attendance"
    label = "attendance"
    verbose_name = _("Attendance and leave")

    def ready(self):
        from . import panels

        panels.register()
