"""Training files (培训档案): one ZIP per build, with PDF and XLSX records of a class.

Builds run in the background (``lms.trainingfile.tasks``) and report progress here. A file built
after a class is archived is final: it is never rebuilt in place; a later build is a new version.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def training_file_storage():
    """``STORAGES["training_files"]`` when configured (e.g. a folder no web server serves),
    else the default storage. Files are only ever served by the permission-checked view."""
    from django.core.files.storage import default_storage, storages

    if "training_files" in settings.STORAGES:
        return storages["training_files"]
    return default_storage


class TrainingFile(models.Model):
    """One version of a class's training file: its build's progress, then the ZIP.

    Versions are numbered per class by ``actions.do_request_build``; a ready file is never
    changed and no version is deleted.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name=_("training class"),
        on_delete=models.PROTECT,
        related_name="training_files",
    )
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("current step"), max_length=100, blank=True)
    file = models.FileField(
        _("file"), upload_to="training-files/", storage=training_file_storage, blank=True
    )
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    class_status = models.CharField(_("class status when built"), max_length=20, blank=True)
    is_final = models.BooleanField(
        _("final"), default=False, help_text=_("Built after the class was archived.")
    )
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True)

    class Meta:
        verbose_name = _("training file")
        verbose_name_plural = _("training files")
        ordering = ["training_class", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "version"], name="unique_training_file_version"
            )
        ]

    def __str__(self):
        return f"{self.training_class} v{self.version}"
