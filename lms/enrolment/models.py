"""Who is in which class: registrars' areas and class enrolments.

A person is a ``lms.accounts.TraineeProfile`` (unique by ID number, so nobody is registered
twice); joining a class is a ``ClassEnrolment``. Every rule (eligibility, capacity, village
quota, overlapping classes) is checked in ``lms.enrolment.actions``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrarArea(models.Model):
    """A township or village a registrar (登记员) registers candidates from."""

    registrar = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrar"),
        on_delete=models.CASCADE,
        related_name="registrar_areas",
    )
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("township or village"),
        on_delete=models.PROTECT,
        related_name="registrar_areas",
    )

    class Meta:
        verbose_name = _("registrar's area")
        verbose_name_plural = _("registrars' areas")
        constraints = [
            models.UniqueConstraint(fields=["registrar", "region"], name="unique_registrar_area")
        ]

    def __str__(self):
        return f"{self.registrar} · {self.region}"

    def clean(self):
        from lms.accounts.models import Region
        from lms.accounts.roles import Role

        errors = {}
        if self.region_id and self.region.level not in (
            Region.Level.TOWNSHIP,
            Region.Level.VILLAGE,
        ):
            errors["region"] = _("Choose a township or a village.")
        if self.registrar_id and not self.registrar.has_role(Role.REGISTRAR):
            errors["registrar"] = _("This account does not hold the registrar role.")
        if errors:
            raise ValidationError(errors)


class ClassEnrolment(models.Model):
    """One person's place (or request for one) in one training class."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied, awaiting confirmation")
        ENROLLED = "enrolled", _("Enrolled")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Source(models.TextChoices):
        REGISTRAR = "registrar", _("Registered by a registrar")
        SELF = "self", _("Applied online")
        IMPORT = "import", _("Imported")
        ADMIN = "admin", _("Added by an administrator")

    class CommitteeRole(models.TextChoices):
        MONITOR = "monitor", _("Monitor")
        STUDY = "study", _("Study member")
        LIFE = "life", _("Life member")
        DISCIPLINE = "discipline", _("Discipline member")

    # Statuses that hold a place in the class (count against capacity and quotas).
    HOLDS_PLACE = ("applied", "enrolled")

    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name=_("training class"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    profile = models.ForeignKey(
        "accounts.TraineeProfile",
        verbose_name=_("trainee"),
        on_delete=models.PROTECT,
        related_name="class_enrolments",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, editable=False, db_index=True
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, editable=False)
    committee_role = models.CharField(
        _("class committee"), max_length=20, choices=CommitteeRole.choices, blank=True
    )
    eligibility_override = models.TextField(
        _("reason for admitting despite the rules"), blank=True, editable=False
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("admitted by"),
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_reason = models.TextField(
        _("reason for declining or withdrawing"),
        blank=True,
        editable=False,
        help_text=_("Shown to the trainee when an application is declined or a place withdrawn."),
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, editable=False)

    class Meta:
        verbose_name = _("class enrolment")
        verbose_name_plural = _("class enrolments")
        ordering = ["training_class", "pk"]
        permissions = [
            ("override_eligibility", _("Can admit a trainee who does not meet the rules"))
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "profile"], name="unique_class_enrolment"
            ),
            models.UniqueConstraint(
                fields=["training_class", "committee_role"],
                condition=~models.Q(committee_role=""),
                name="unique_committee_role",
            ),
        ]
        indexes = [models.Index(fields=["training_class", "status"])]

    def __str__(self):
        return f"{self.profile.real_name} · {self.training_class}"
