from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The site's frame: dashboard, health check, language, error pages."""

    name = "lms.core"
    label = "core"
    verbose_name = _("Core")
