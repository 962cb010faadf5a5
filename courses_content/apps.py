from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesContentConfig(AppConfig):
    """The curricula as a Wagtail page tree: tiers, courses, lessons (one lesson, one case)."""

    name = "courses_content"
    verbose_name = _("Curricula")
    default_auto_field = "django.db.models.BigAutoField"
