"""The lecturer library (师资库) and training institutions (培训机构) with their qualification.

Plans and classes come with later parts of the classes issue.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.search import index

from lms.accounts.validators import validate_phone

from .validators import normalise_credit_code, validate_credit_code


class Lecturer(index.Indexed, models.Model):
    """An approved lecturer in the county's lecturer library; courses name their lecturers here."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lecturer",
        help_text=_("The lecturer's sign-in; needed to edit the courses they teach."),
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    expertise = models.CharField(_("expertise"), max_length=200, blank=True)
    platforms = models.CharField(
        _("platforms"), max_length=200, blank=True, help_text=_("e.g. Taobao, Pinduoduo, Douyin")
    )
    biography = models.TextField(_("biography"), blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    search_fields = [index.SearchField("name"), index.SearchField("expertise")]

    class Meta:
        verbose_name = _("lecturer")
        verbose_name_plural = _("lecturer library")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Condition(models.TextChoices):
    """The work plan's four conditions an institution must meet to undertake training."""

    LEGAL_PERSONALITY = "legal_personality", _("Independent legal personality")
    CLEAN_RECORD = "clean_record", _("No bad record in the last 5 years")
    CAPACITY = "capacity", _("Organisational capacity and training experience")
    TEACHING_TEAM = (
        "teaching_team",
        _("A stable teaching team with teaching and accommodation conditions"),
    )


class Institution(ClusterableModel):
    """A training institution (培训机构) and its qualification record against the four conditions.

    ``status`` is never edited in a form: it changes only through
    ``lms.training.actions.check_change_institution_status``, which keeps the history.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        QUALIFIED = "qualified", _("Qualified")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")

    legal_name = models.CharField(_("legal name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("The 18-character code on the business licence."),
    )
    contact_person = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200)

    legal_personality_met = models.BooleanField(_("independent legal personality"), default=False)
    legal_personality_note = models.TextField(_("note on legal personality"), blank=True)
    clean_record_met = models.BooleanField(_("no bad record in the last 5 years"), default=False)
    clean_record_note = models.TextField(_("note on the record"), blank=True)
    capacity_met = models.BooleanField(
        _("organisational capacity and training experience"), default=False
    )
    capacity_note = models.TextField(_("note on capacity and experience"), blank=True)
    teaching_team_met = models.BooleanField(
        _("stable teaching team, teaching and accommodation conditions"), default=False
    )
    teaching_team_note = models.TextField(_("note on the teaching team and conditions"), blank=True)

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.APPLIED,
        editable=False,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    DETAIL_FIELDS = [
        "legal_name",
        "credit_code",
        "contact_person",
        "contact_phone",
        "address",
        "legal_personality_met",
        "legal_personality_note",
        "clean_record_met",
        "clean_record_note",
        "capacity_met",
        "capacity_note",
        "teaching_team_met",
        "teaching_team_note",
    ]

    class Meta:
        verbose_name = _("training institution")
        verbose_name_plural = _("training institutions")
        ordering = ["legal_name"]
        permissions = [
            ("change_institution_status", _("Can change an institution's qualification status"))
        ]

    def __str__(self):
        return self.legal_name

    def clean(self):
        super().clean()
        self.credit_code = normalise_credit_code(self.credit_code)
        self.contact_phone = (self.contact_phone or "").replace(" ", "")

    def condition_met(self, condition):
        return getattr(self, f"{Condition(condition).value}_met")

    def unmet_conditions(self):
        """The conditions not yet met, in the work plan's order."""
        return [condition for condition in Condition if not self.condition_met(condition)]


class InstitutionEvidence(models.Model):
    """One evidence document for one of an institution's four conditions."""

    institution = ParentalKey(
        Institution,
        verbose_name=_("training institution"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    condition = models.CharField(_("condition"), max_length=30, choices=Condition.choices)
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("evidence document")
        verbose_name_plural = _("evidence documents")
        ordering = ["institution", "condition", "pk"]

    def __str__(self):
        return f"{self.get_condition_display()}: {self.document}"


class InstitutionStatusChange(models.Model):
    """One change of an institution's status: who, when, from, to and why. Only ever added."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("training institution"),
        on_delete=models.PROTECT,
        related_name="status_changes",
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Institution.Status.choices)
    to_status = models.CharField(
        _("to"), max_length=20, choices=Institution.Status.choices, db_index=True
    )
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("institution status change")
        verbose_name_plural = _("institution status changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return (
            f"{self.institution}: {self.get_from_status_display()} → {self.get_to_status_display()}"
        )
