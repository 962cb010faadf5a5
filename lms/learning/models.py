"""Course enrolment (until classes exist) and per-lesson learning progress."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseEnrolment(models.Model):
    """A trainee may study a non-open course. Assigned by an administrator for now;
    the classes issue makes class enrolment the source."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Assigned by an administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_enrolments"
    )
    course = models.ForeignKey(
        "courses_content.CoursePage", on_delete=models.CASCADE, related_name="enrolments"
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ADMIN
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("course enrolment")
        verbose_name_plural = _("course enrolments")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="unique_course_enrolment")
        ]

    def __str__(self):
        return f"{self.user} → {self.course}"


class LessonProgress(models.Model):
    """How far one trainee has got with one lesson."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(
        "courses_content.LessonPage", on_delete=models.CASCADE, related_name="progress"
    )
    course = models.ForeignKey(
        "courses_content.CoursePage", on_delete=models.CASCADE, related_name="lesson_progress"
    )
    opened_at = models.DateTimeField(_("first opened"))
    last_seen_at = models.DateTimeField(_("last seen"), db_index=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(_("time spent (seconds)"), default=0)
    last_position = models.CharField(
        _("last position"),
        max_length=100,
        blank=True,
        help_text=_("Where the trainee stopped, e.g. the id of the last block read."),
    )

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="unique_lesson_progress")
        ]
        indexes = [models.Index(fields=["user", "course", "-last_seen_at"])]

    def __str__(self):
        return f"{self.user} · {self.lesson}"
