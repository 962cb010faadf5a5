from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """Running the programme: lecturer library now; institutions, plans and classes next."""

    name = "lms.training"
    label = "training"
    verbose_name = _("Training")
