from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentConfig(AppConfig):
    """Registration and enrolment: who joins which class, and why they may."""

    name = "lms.enrolment"
    label = "enrolment"
    verbose_name = _("Enrolment")
