"""Running the programme: the lecturer library (师资库), training institutions (培训机构) with
their qualification, venues, training plans (培训方案) with their revisions, training classes
(培训班) and their sessions (课次).

Enrolment, attendance, leave, evaluation and the training file live in their own apps
(``lms.enrolment``, ``lms.attendance``, ``lms.evaluation``, ``lms.trainingfile``).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.search import index

from lms.accounts.validators import validate_phone

from .validators import (  # noqa: F401  (the limits are part of this module's vocabulary)
    MAX_CLASS_DAYS,
    MAX_CLASS_SIZE,
    MIN_CLASS_DAYS,
    normalise_credit_code,
    validate_credit_code,
)


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
    institutions = models.ManyToManyField(
        "training.Institution",
        verbose_name=_("training institutions"),
        blank=True,
        related_name="lecturers",
        help_text=_("The institutions this lecturer teaches for."),
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
    staff = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("institution staff"),
        blank=True,
        related_name="staffed_institutions",
        help_text=_("Accounts that work for this institution in the admin; they see only it."),
    )

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


# --- Venues, training plans, classes and sessions ---------------------------------------------


class Tier(models.TextChoices):
    """The three tiers of the curricula; the same codes as ``courses_content.TierPage.tier``."""

    CADRE = "cadre", _("Cadre training")
    PRIMARY = "primary", _("Primary practitioner training")
    SENIOR = "senior", _("Senior and intermediate training")


class VenueKind(models.TextChoices):
    CLASSROOM = "classroom", _("Theory classroom")
    COMPUTER_ROOM = "computer_room", _("Computer room")


class Venue(models.Model):
    """A classroom or computer room where an institution teaches."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("training institution"),
        on_delete=models.PROTECT,
        related_name="venues",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=VenueKind.choices)
    address = models.CharField(_("address"), max_length=200)
    seats = models.PositiveSmallIntegerField(_("seats"))

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["institution", "name"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "name"], name="unique_venue_name")
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class TrainingPlan(ClusterableModel):
    """One revision of an institution's training plan (培训方案).

    Rows sharing a ``code`` are the revisions of one plan. An institution drafts a revision and
    submits it; a commerce officer approves or rejects it with comments. An approved revision is
    frozen: a change is a new revision (``revision`` + 1, ``supersedes`` the approved one) that
    needs approval again; approving it marks the old one superseded. ``status`` changes only
    through ``lms.training.actions``.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("training institution"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    code = models.CharField(
        _("plan code"), max_length=30, help_text=_("Shared by every revision of this plan.")
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1, editable=False)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("revision of"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    title = models.CharField(_("title"), max_length=200)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    number_of_classes = models.PositiveSmallIntegerField(_("number of classes"))
    trainees_per_class = models.PositiveSmallIntegerField(
        _("trainees per class"), help_text=_("At most 50.")
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    days_per_class = models.PositiveSmallIntegerField(_("days per class"), help_text=_("3 to 5."))
    courses = ParentalManyToManyField(
        "courses_content.CoursePage", verbose_name=_("courses"), related_name="+", blank=True
    )
    venues = ParentalManyToManyField(Venue, verbose_name=_("venues"), related_name="+", blank=True)
    lecturers = ParentalManyToManyField(
        Lecturer, verbose_name=_("lecturers"), related_name="plans", blank=True
    )
    content_summary = models.TextField(_("content and arrangements"), blank=True)

    # Eligibility rules for the classes under this plan (the work plan's defaults).
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=16)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), default=45)
    min_education = models.CharField(
        _("minimum education"),
        max_length=20,
        default="junior_high",
        help_text=_("Junior high school or above by default."),
    )
    min_computer_skill = models.CharField(
        _("minimum computer skill"), max_length=20, default="basic"
    )
    categories = models.JSONField(
        _("categories admitted"),
        default=list,
        blank=True,
        help_text=_("Trainee categories admitted; empty admits every category."),
    )
    village_quota = models.PositiveSmallIntegerField(
        _("places per village per class"),
        default=10,
        help_text=_("The most trainees from one village in one class (5 to 10 by default)."),
    )

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        editable=False,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_comment = models.TextField(_("comments"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["-start_date", "code", "-revision"]
        permissions = [("review_trainingplan", _("Can approve or reject training plans"))]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "code", "revision"], name="unique_plan_revision"
            ),
            models.CheckConstraint(
                condition=models.Q(trainees_per_class__gte=1, trainees_per_class__lte=50),
                name="plan_trainees_per_class_1_50",
            ),
            models.CheckConstraint(
                condition=models.Q(days_per_class__gte=3, days_per_class__lte=5),
                name="plan_days_per_class_3_5",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="plan_ends_after_start",
            ),
            # One revision of a plan is in force at a time.
            models.UniqueConstraint(
                fields=["institution", "code"],
                condition=models.Q(status="approved"),
                name="one_approved_revision_per_plan",
                violation_error_message=_("This plan already has an approved revision."),
            ),
        ]

    def __str__(self):
        return f"{self.title}（{self.code} v{self.revision}）"

    @property
    def is_frozen(self):
        return self.status in {self.Status.SUBMITTED, self.Status.APPROVED, self.Status.SUPERSEDED}


class PlanEvent(models.Model):
    """One step in a plan's review: submitted, approved, rejected, withdrawn or revised."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REVISED = "revised", _("New revision started")

    plan = models.ForeignKey(
        TrainingPlan,
        verbose_name=_("training plan"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    comment = models.TextField(_("comments"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("plan review step")
        verbose_name_plural = _("plan review steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.plan}: {self.get_action_display()}"


class TrainingClass(ClusterableModel):
    """A training class (培训班): at most 50 trainees for 3-5 days under an approved plan.

    ``status`` (planned -> enrolling -> in progress -> finished -> archived) changes only through
    ``lms.training.actions``. Sessions are edited with the class; trainees join through
    ``lms.enrolment``.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ENROLLING = "enrolling", _("Enrolling")
        IN_PROGRESS = "in_progress", _("In progress")
        FINISHED = "finished", _("Finished")
        ARCHIVED = "archived", _("Archived")

    code = models.CharField(_("class code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    plan = models.ForeignKey(
        TrainingPlan,
        verbose_name=_("training plan"),
        on_delete=models.PROTECT,
        related_name="classes",
        help_text=_("The approved plan revision this class runs under."),
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("training institution"),
        on_delete=models.PROTECT,
        related_name="classes",
        editable=False,
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, editable=False)
    capacity = models.PositiveSmallIntegerField(_("capacity"), help_text=_("At most 50."))
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    head_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head teacher"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="head_teacher_of",
    )
    lecturers = ParentalManyToManyField(
        Lecturer, verbose_name=_("lecturers"), related_name="classes", blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.PLANNED,
        editable=False,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=50),
                name="class_capacity_1_50",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="class_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def days(self):
        return (self.end_date - self.start_date).days + 1


class ClassSession(ClusterableModel):
    """One scheduled teaching block (课次) of a class: theory in a classroom, practice in a
    computer room.

    A ``ClusterableModel`` so that its ``lessons`` (a ``ParentalManyToManyField``) are written
    when the session is saved, also as a child of its class in the admin's inline editor; set
    them before ``save()``.
    """

    class Kind(models.TextChoices):
        THEORY = "theory", _("Theory")
        PRACTICE = "practice", _("Practice")

    # The kind of venue each kind of session needs.
    VENUE_KIND = {Kind.THEORY: VenueKind.CLASSROOM, Kind.PRACTICE: VenueKind.COMPUTER_ROOM}

    training_class = ParentalKey(
        TrainingClass,
        verbose_name=_("training class"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    venue = models.ForeignKey(
        Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="sessions"
    )
    lecturer = models.ForeignKey(
        Lecturer,
        verbose_name=_("lecturer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    lessons = ParentalManyToManyField(
        "courses_content.LessonPage", verbose_name=_("lessons"), related_name="+", blank=True
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "starts_at", "pk"]
        indexes = [models.Index(fields=["training_class", "date", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.date:%m-%d} {self.starts_at:%H:%M} {self.title}"

    def starts(self):
        """The start as an aware datetime in the programme's time zone."""
        return timezone.make_aware(datetime.datetime.combine(self.date, self.starts_at))

    def ends(self):
        return timezone.make_aware(datetime.datetime.combine(self.date, self.ends_at))
