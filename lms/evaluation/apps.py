from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    """The satisfaction evaluation form (电子商务培训学员满意度测评表)."""

    name = "lms.evaluation"
    label = "evaluation"
    verbose_name = _("Satisfaction evaluation")

    def ready(self):
        from lms.training.panels import register_class_panel

        from .panels import evaluation_panel_context

        register_class_panel(
            "evaluation",
            order=40,
            template="evaluation/panels/evaluation.html",
            context=evaluation_panel_context,
        )

        from lms.accounts.roles import Role
        from lms.core.dashboard import register_card

        register_card(
            "my_ratings",
            _("My ratings"),
            _("What trainees thought of your teaching in all your classes, anonymously."),
            "evaluation:my_ratings",
            [Role.LECTURER],
        )
