"""The satisfaction evaluation form (电子商务培训学员满意度测评表).

Answers are anonymous: ``EvaluationResponse`` and ``LecturerRating`` name no trainee. That a
trainee has answered is kept apart in ``EvaluationReceipt`` (one per trainee per class), so the
head teacher can see who has not answered while nobody can tell who gave which answer.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class EvaluationReceipt(models.Model):
    """That one trainee has answered the form for their class (not what they answered)."""

    enrolment = models.OneToOneField(
        "enrolment.ClassEnrolment",
        verbose_name=_("trainee"),
        on_delete=models.CASCADE,
        related_name="evaluation_receipt",
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name=_("training class"),
        on_delete=models.CASCADE,
        related_name="evaluation_receipts",
    )
    submitted_on = models.DateField(_("answered on"))

    class Meta:
        verbose_name = _("evaluation receipt")
        verbose_name_plural = _("evaluation receipts")

    def __str__(self):
        return str(self.enrolment)


class EvaluationResponse(models.Model):
    """One anonymous answer to the form: ratings from 1 (very dissatisfied) to 5 (very
    satisfied) and comments."""

    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name=_("training class"),
        on_delete=models.CASCADE,
        related_name="evaluation_responses",
    )
    content = models.PositiveSmallIntegerField(_("training content"), validators=RATING_VALIDATORS)
    organisation = models.PositiveSmallIntegerField(
        _("organisation and management"), validators=RATING_VALIDATORS
    )
    venue = models.PositiveSmallIntegerField(
        _("venue and facilities"), validators=RATING_VALIDATORS
    )
    practicality = models.PositiveSmallIntegerField(_("practicality"), validators=RATING_VALIDATORS)
    overall = models.PositiveSmallIntegerField(
        _("overall satisfaction"), validators=RATING_VALIDATORS
    )
    comments = models.TextField(_("comments and suggestions"), blank=True)

    class Meta:
        verbose_name = _("evaluation answer")
        verbose_name_plural = _("evaluation answers")

    def __str__(self):
        return f"{self.training_class} #{self.pk}"


class LecturerRating(models.Model):
    """One anonymous answer's rating of one lecturer of the class."""

    response = models.ForeignKey(
        EvaluationResponse,
        verbose_name=_("evaluation answer"),
        on_delete=models.CASCADE,
        related_name="lecturer_ratings",
    )
    lecturer = models.ForeignKey(
        "training.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    score = models.PositiveSmallIntegerField(_("rating"), validators=RATING_VALIDATORS)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("lecturer rating")
        verbose_name_plural = _("lecturer ratings")
        constraints = [
            models.UniqueConstraint(fields=["response", "lecturer"], name="unique_lecturer_rating")
        ]

    def __str__(self):
        return f"{self.lecturer}: {self.score}"
