from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    """Question banks, exams, attempts, grading, certificates and recertification
    (docs/exams.md)."""

    name = "assessments"
    verbose_name = _("Assessments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import (
            panels_certificates,
            panels_exams,
            panels_grading,
            trainingfile_certificates,
            trainingfile_exams,
        )
        from .actions import certificates

        panels_exams.register()
        panels_grading.register()
        panels_certificates.register()
        trainingfile_exams.register_trainingfile_section()
        trainingfile_certificates.register_trainingfile_section()
        certificates.connect()

        from lms.accounts.roles import Role
        from lms.core.dashboard import register_card

        register_card(
            "exam_grading",
            _("Grading and exam results"),
            _(
                "Set exams for your classes, grade short answers and practical tasks, "
                "see results and item analysis."
            ),
            "grading:index",
            [Role.LECTURER, Role.HEAD_TEACHER, Role.ADMINISTRATOR],
        )
        register_card(
            "my_certificates",
            _("My certificates"),
            _("Your certificates, their PDFs and renewal reminders."),
            "certificates:mine",
            [Role.TRAINEE, Role.ALUMNUS],
        )
        register_card(
            "certificate_register",
            _("Certificate register"),
            _("Who is current, due for renewal or lapsed; export to XLSX."),
            "certificates:register",
            [Role.ADMINISTRATOR, Role.COMMERCE_OFFICER, Role.FINANCE_OFFICER],
        )
