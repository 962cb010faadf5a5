from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentConfig(AppConfig):
    """Registration and enrolment: who joins which class, and why they may."""

    name = "lms.enrolment"
    label = "enrolment"
    verbose_name = _("Enrolment")

    def ready(self):
        from . import panels

        panels.register()

        from lms.accounts.roles import Role
        from lms.core.dashboard import register_card

        register_card(
            "enrolling_classes",
            _("Classes open for enrolment"),
            _("Classes taking trainees now: apply online, and your registrar confirms."),
            "enrolment:enrolling",
            [Role.TRAINEE, Role.REGISTRAR],
        )
