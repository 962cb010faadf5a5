from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The site's frame: dashboard, health check, language, error pages."""

    name = "lms.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.backends.signals import connection_created

        from .sqlite import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="lms.core.sqlite")
