from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingFileConfig(AppConfig):
    """The training file (培训档案) of each class: one ZIP of PDF and XLSX records."""

    name = "lms.trainingfile"
    label = "trainingfile"
    verbose_name = _("Training files")
