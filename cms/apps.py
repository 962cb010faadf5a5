from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The Wagtail site shell: the home page and, later, standard pages and site settings."""

    name = "cms"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import restrictions, site_cache

        restrictions.connect()
        site_cache.connect()
