from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoursesContentConfig(AppConfig):
    """The curricula as a Wagtail page tree: tiers, courses, lessons (one lesson, one case)."""

    name = "courses_content"
    verbose_name = _("Curricula")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import caching
        from .permissions import ensure_review_workflow_after_migrate

        # Runs after lms.accounts' role sync (connected earlier), so the groups exist.
        caching.connect()
        post_migrate.connect(
            ensure_review_workflow_after_migrate, dispatch_uid="courses_content.workflow"
        )
