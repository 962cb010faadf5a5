from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    """Channels: WebSocket routing and consumers (the live class chat)."""

    name = "live"
    verbose_name = _("Live")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import panels, signals, trainingfile_section

        signals.connect()
        panels.register()
        trainingfile_section.register()
