from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """An append-only record of who changed what that matters."""

    name = "lms.audit"
    label = "audit"
    verbose_name = _("Audit")
