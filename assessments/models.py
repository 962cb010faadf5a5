"""Exams: the question bank, exams and their assignment to classes, attempts and answers.

See docs/exams.md. Rules live in ``assessments/actions/`` (``bank.py``, ``attempts.py``,
``grading.py``); views, the API and the admin call them.

- A ``Question`` belongs to a course (a ``CoursePage``) and a tier, carries a topic and a
  difficulty, and is one of six kinds. Choice options are stored with the question as
  ``[{"key": "A", "text": "..."}]``; ``correct`` holds the right keys (single, multiple), ``[true]``
  or ``[false]`` (true/false) or the accepted answers (fill-in). Short answers and practical tasks
  are graded by a lecturer against ``rubric`` (``[{"criterion": "...", "points": "5"}]``).
- An ``Exam`` is the definition (fixed questions or a random draw, time limit, attempts,
  grading method, pass mark, shuffling, when review is allowed). An ``ExamAssignment`` puts it
  before one class between an opening and a closing time.
- An ``Attempt`` is one trainee's sitting: its own drawn and shuffled paper
  (``AttemptQuestion``), a deadline fixed at the start (the earlier of start + limit + extra time
  and the closing time) and one ``Answer`` per question, saved with a version number so an
  out-of-date tab cannot overwrite newer answers.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.training.models import Tier


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    FILL_IN = "fill_in", _("Fill in the blank")
    SHORT_ANSWER = "short_answer", _("Short answer")
    PRACTICAL = "practical", _("Practical task")


# Graded by the server at submission; the others wait in the lecturers' grading queue.
AUTO_GRADED_KINDS = {
    QuestionKind.SINGLE,
    QuestionKind.MULTIPLE,
    QuestionKind.TRUE_FALSE,
    QuestionKind.FILL_IN,
}


class Difficulty(models.TextChoices):
    EASY = "easy", _("Easy")
    MEDIUM = "medium", _("Medium")
    HARD = "hard", _("Hard")


class Question(models.Model):
    course = models.ForeignKey(
        "courses_content.CoursePage",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    topic = models.CharField(_("topic"), max_length=50)
    difficulty = models.CharField(_("difficulty"), max_length=10, choices=Difficulty.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list, blank=True)
    correct = models.JSONField(_("correct answer"), default=list, blank=True)
    rubric = models.JSONField(_("rubric"), default=list, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    points = models.DecimalField(
        _("points"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("Retired questions are never drawn again.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["course", "topic", "pk"]
        indexes = [models.Index(fields=["course", "tier", "topic", "difficulty", "is_active"])]

    def __str__(self):
        return self.text[:60]

    @property
    def auto_graded(self):
        return self.kind in AUTO_GRADED_KINDS


class Exam(models.Model):
    class Mode(models.TextChoices):
        FIXED = "fixed", _("Fixed questions")
        RANDOM = "random", _("Random draw per trainee")

    class GradingMethod(models.TextChoices):
        HIGHEST = "highest", _("Highest attempt")
        LAST = "last", _("Last attempt")

    class Review(models.TextChoices):
        AFTER_SUBMIT = "after_submit", _("After the trainee submits")
        AFTER_CLOSE = "after_close", _("After the exam closes")
        NEVER = "never", _("Never")

    class Purpose(models.TextChoices):
        COURSE = "course", _("End-of-course exam")
        KNOWLEDGE_UPDATE = "knowledge_update", _("Knowledge-update exam (recertification)")

    title = models.CharField(_("title"), max_length=200)
    course = models.ForeignKey(
        "courses_content.CoursePage",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="exams",
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.COURSE
    )
    mode = models.CharField(_("questions"), max_length=10, choices=Mode.choices)
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    grading_method = models.CharField(
        _("grading method"), max_length=10, choices=GradingMethod.choices, default="highest"
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    review = models.CharField(
        _("review of answers"), max_length=20, choices=Review.choices, default="after_close"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class ExamQuestion(models.Model):
    """A question of a fixed exam, in order."""

    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.CASCADE, related_name="fixed_questions"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("exam question")
        verbose_name_plural = _("exam questions")
        ordering = ["exam", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "question"], name="unique_exam_question")
        ]

    def __str__(self):
        return f"{self.exam} #{self.position}"


class DrawRule(models.Model):
    """A random exam draws ``count`` active questions of this topic and difficulty."""

    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.CASCADE, related_name="draw_rules"
    )
    topic = models.CharField(_("topic"), max_length=50)
    difficulty = models.CharField(_("difficulty"), max_length=10, choices=Difficulty.choices)
    count = models.PositiveSmallIntegerField(
        _("number of questions"), validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("draw rule")
        verbose_name_plural = _("draw rules")
        ordering = ["exam", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "topic", "difficulty"], name="unique_draw_rule")
        ]

    def __str__(self):
        return f"{self.topic} · {self.get_difficulty_display()} × {self.count}"


class ExamAssignment(models.Model):
    """An exam set before one class, open between two times."""

    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.PROTECT, related_name="assignments"
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name=_("training class"),
        on_delete=models.CASCADE,
        related_name="exam_assignments",
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    counts_for_completion = models.BooleanField(
        _("counts for the certificate"),
        default=True,
        help_text=_("Passing it is part of the class's completion rule."),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("exam assignment")
        verbose_name_plural = _("exam assignments")
        ordering = ["opens_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "training_class"], name="unique_exam_per_class"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="exam_closes_after_it_opens",
            ),
        ]

    def __str__(self):
        return f"{self.exam} · {self.training_class}"


class ExtraTime(models.Model):
    """More minutes for one trainee in one assignment (an accommodation)."""

    assignment = models.ForeignKey(
        ExamAssignment,
        verbose_name=_("exam assignment"),
        on_delete=models.CASCADE,
        related_name="extra_times",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainee"), on_delete=models.CASCADE
    )
    minutes = models.PositiveSmallIntegerField(
        _("extra minutes"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("extra time")
        verbose_name_plural = _("extra time")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user"], name="unique_extra_time")
        ]

    def __str__(self):
        return f"{self.user} +{self.minutes}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted, awaiting grading")
        GRADED = "graded", _("Graded")

    assignment = models.ForeignKey(
        ExamAssignment,
        verbose_name=_("exam assignment"),
        on_delete=models.PROTECT,
        related_name="attempts",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainee"),
        on_delete=models.PROTECT,
        related_name="exam_attempts",
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS
    )
    seed = models.BigIntegerField(_("shuffle seed"))
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    auto_submitted = models.BooleanField(_("submitted at the deadline"), default=False)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=8, decimal_places=2)
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("exam attempt")
        verbose_name_plural = _("exam attempts")
        ordering = ["assignment", "user", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "user", "number"], name="unique_attempt_number"
            ),
            models.UniqueConstraint(
                fields=["assignment", "user"],
                condition=Q(status="in_progress"),
                name="one_open_attempt",
            ),
        ]
        indexes = [models.Index(fields=["assignment", "status"])]

    def __str__(self):
        return f"{self.assignment} · {self.user} · {self.number}"


class AttemptQuestion(models.Model):
    """One question of an attempt's paper, with its place and its options' order."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("attempt"), on_delete=models.CASCADE, related_name="paper"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    option_order = models.JSONField(_("option order"), default=list, blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("attempt question")
        verbose_name_plural = _("attempt questions")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="unique_attempt_position"),
            models.UniqueConstraint(fields=["attempt", "question"], name="unique_attempt_question"),
        ]

    def __str__(self):
        return f"{self.attempt} #{self.position}"


class Answer(models.Model):
    """A trainee's answer to one question of an attempt; autosaved, versioned, then graded."""

    item = models.OneToOneField(
        AttemptQuestion, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answer"
    )
    response = models.JSONField(_("response"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="exam-answers/%Y/%m/", max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    saved_at = models.DateTimeField(_("saved at"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    rubric_scores = models.JSONField(_("rubric scores"), default=list, blank=True)
    comment = models.TextField(_("lecturer's comment"), blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("graded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"{self.item}"


# --- Certificates ---------------------------------------------------------------------------


class CompletionRule(models.Model):
    """What makes a trainee of a class eligible for the certificate (one rule per class).

    Without a row the defaults apply: every assignment that counts for completion passed and
    attendance at or above 80%.
    """

    training_class = models.OneToOneField(
        "training.TrainingClass",
        verbose_name=_("training class"),
        on_delete=models.CASCADE,
        related_name="completion_rule",
    )
    attendance_threshold = models.DecimalField(
        _("attendance at least (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    require_exams = models.BooleanField(
        _("exams must be passed"),
        default=True,
        help_text=_("The class's exam assignments that count for the certificate."),
    )
    issue_automatically = models.BooleanField(
        _("issue automatically"),
        default=False,
        help_text=_("Issue each trainee's certificate as soon as they are eligible."),
    )

    class Meta:
        verbose_name = _("completion rule")
        verbose_name_plural = _("completion rules")

    def __str__(self):
        return f"{self.training_class}"


class CertificatePolicy(models.Model):
    """How long a tier's certificate is valid and when its recertification window opens."""

    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, unique=True)
    valid_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), default=24, validators=[MinValueValidator(1)]
    )
    window_months = models.PositiveSmallIntegerField(
        _("recertification window (months before expiry)"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    closing_reminder_days = models.PositiveSmallIntegerField(
        _("reminder before expiry (days)"), default=14, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("certificate policy")
        verbose_name_plural = _("certificate policies")
        ordering = ["tier"]

    def __str__(self):
        return self.get_tier_display()


class Certificate(models.Model):
    """The e-commerce training certificate (电子商务培训合格证书).

    ``code`` is unguessable (the QR code and ``/certificates/verify/<code>/``); ``serial`` is
    readable: county, year, tier, sequence (e.g. ``430599-2026-P-0007``). A certificate is never
    edited after issue: it is revoked (with a reason), superseded by a reissue, or renewed by a
    new certificate after a knowledge update.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Replaced by a reissue")

    code = models.CharField(_("verification code"), max_length=40, unique=True)
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    profile = models.ForeignKey(
        "accounts.TraineeProfile",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name=_("training class"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    holder_name = models.CharField(_("name"), max_length=100)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    course_start = models.DateField(_("training from"))
    course_end = models.DateField(_("training to"))
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.VALID
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("reissue of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    renews = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "training_class"],
                condition=Q(status="valid"),
                name="one_valid_certificate_per_class",
            )
        ]

    def __str__(self):
        return self.serial


class CertificateSequence(models.Model):
    """The last sequence number used for a county, year and tier (locked when issuing)."""

    county = models.CharField(_("county code"), max_length=12)
    year = models.PositiveSmallIntegerField(_("year"))
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("certificate sequence")
        verbose_name_plural = _("certificate sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "tier"], name="unique_certificate_sequence"
            )
        ]

    def __str__(self):
        return f"{self.county}-{self.year}-{self.tier}: {self.last}"


class Reminder(models.Model):
    """A reminder to renew a certificate: shown in the app to the holder's account and handed to
    the SMS and e-mail hooks (``settings.CERTIFICATE_REMINDER_HOOKS``).

    One per certificate and kind, so the daily command never sends one twice. ``user`` is the
    holder's account when the reminder was made, and empty for a holder registered without an
    account (registrars register people before they have one): the hooks still reach them by
    the phone number in the trainee register (``phone``).
    """

    class Kind(models.TextChoices):
        WINDOW_OPEN = "window_open", _("Recertification window open")
        CLOSING_SOON = "closing_soon", _("Certificate about to expire")

    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        # Kept when the account goes: the row is what stops the reminder being sent again.
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificate_reminders",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # When every SMS and e-mail hook took it; empty: not yet (the next run tries again).
    hooks_done_at = models.DateTimeField(_("sent to SMS and e-mail at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "kind"], name="one_reminder_per_kind")
        ]

    def __str__(self):
        return f"{self.certificate} · {self.get_kind_display()}"

    @property
    def phone(self):
        """The holder's phone number from the trainee register, for SMS ("" if none)."""
        return self.certificate.profile.phone or ""

    @property
    def email(self):
        """The e-mail address of the holder's account ("" without an account or address)."""
        user = self.certificate.profile.user
        return (user.email if user is not None else "") or ""
