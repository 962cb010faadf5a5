from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    """Who may study which course, and how far each trainee has got."""

    name = "lms.learning"
    label = "learning"
    verbose_name = _("Learning")
