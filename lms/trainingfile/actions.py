"""Requesting a training file build.

Every build is a new version: the class row is locked (``select_for_update``) while the next
number is taken, so two requests never get the same one. A build of an archived class is final.
Nothing here, or anywhere, edits a file once it is ready, and no version is ever deleted: a
failed build is retried as a new version, and a later build of an archived class is a new final
version beside the earlier ones.
"""

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.audit.actions import record
from lms.training.models import TrainingClass

from .models import TrainingFile
from .policy import can_build

logger = logging.getLogger(__name__)

# A build still queued or building after this long is taken to have died with its worker.
BUILD_TIMEOUT = datetime.timedelta(minutes=30)
IN_PROGRESS = (TrainingFile.Status.QUEUED, TrainingFile.Status.BUILDING)


def check_request_build(training_class, *, acting_user):
    """Authorise and validate a build request, then queue it with ``do_request_build``.

    Raises ``PermissionDenied`` unless ``acting_user`` may build this class's file, and
    ``ValidationError`` while another build of the class is still running.
    """
    if not can_build(acting_user, training_class):
        raise PermissionDenied(_("You may not build this class's training file."))
    return do_request_build(training_class, acting_user=acting_user)


def _give_up_stale_builds(training_class, now):
    stale = TrainingFile.objects.filter(
        training_class=training_class, status__in=IN_PROGRESS, requested_at__lt=now - BUILD_TIMEOUT
    )
    stale.update(
        status=TrainingFile.Status.FAILED,
        error=_("The build did not finish in time; its worker probably stopped."),
        finished_at=now,
        step="",
    )


def do_request_build(training_class, *, acting_user):
    """Take the next version number and queue the build to run after commit. Audited."""
    from .tasks import build_training_file

    now = timezone.now()
    with transaction.atomic():
        locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        _give_up_stale_builds(locked, now)
        if TrainingFile.objects.filter(training_class=locked, status__in=IN_PROGRESS).exists():
            raise ValidationError(
                _("A training file is already being built for this class; wait for it to finish.")
            )
        latest = TrainingFile.objects.filter(training_class=locked).aggregate(
            latest=Max("version")
        )["latest"]
        is_final = locked.status == TrainingClass.Status.ARCHIVED
        training_file = TrainingFile.objects.create(
            training_class=locked,
            version=(latest or 0) + 1,
            status=TrainingFile.Status.QUEUED,
            step=_("Waiting to start"),
            class_status=locked.status,
            is_final=is_final,
            requested_by=acting_user if acting_user is not None and acting_user.pk else None,
        )
        record(
            "trainingfile.requested",
            training_file,
            actor=acting_user,
            changes={"version": [None, training_file.version], "final": [None, is_final]},
        )
        transaction.on_commit(lambda: _enqueue(training_file.pk, build_training_file))
    return training_file


def _enqueue(training_file_id, task):
    try:
        task.enqueue(training_file_id)
    except Exception:
        logger.exception("Could not queue training file %s", training_file_id)
        TrainingFile.objects.filter(pk=training_file_id, status=TrainingFile.Status.QUEUED).update(
            status=TrainingFile.Status.FAILED,
            error=_("The build could not be queued; try again."),
            finished_at=timezone.now(),
            step="",
        )


def do_record_download(training_file, *, acting_user):
    """Note in the audit log that ``acting_user`` downloaded a training file (personal data)."""
    record(
        "trainingfile.downloaded",
        training_file,
        actor=acting_user,
        changes={"version": training_file.version},
    )
