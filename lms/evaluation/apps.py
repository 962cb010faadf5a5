from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    """The satisfaction evaluation form (电子商务培训学员满意度测评表)."""

    name = "lms.evaluation"
    label = "evaluation"
    verbose_name = _("Satisfaction evaluation")
