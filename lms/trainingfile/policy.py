"""Who may build and download training files.

Model permissions say who may at all: ``trainingfile.add_trainingfile`` (administrators,
commerce officers, institution staff) requests builds; ``trainingfile.view_trainingfile`` (the
same and finance officers) lists and downloads. Administrators and the bureaus' officers see
every class; institution staff see only the classes of the institutions they work for. Anyone
else gets the same 404 for a class or file that exists as for one that does not.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from lms.accounts.policy import is_signed_in
from lms.training.models import TrainingClass
from lms.training.policy import is_supervisor, staffed_institution_ids

from .models import TrainingFile

ADD_PERMISSION = "trainingfile.add_trainingfile"
VIEW_PERMISSION = "trainingfile.view_trainingfile"


def can_use_training_files(user):
    """Shows the admin menu item: the user may see some class's training files."""
    return is_signed_in(user) and user.has_perm(VIEW_PERMISSION)


def classes_with_files_visible_to(user):
    """The classes whose training files ``user`` may see."""
    if not can_use_training_files(user):
        return TrainingClass.objects.none()
    if is_supervisor(user):
        return TrainingClass.objects.all()
    return TrainingClass.objects.filter(institution_id__in=staffed_institution_ids(user))


def _sees_class(user, training_class):
    if not can_use_training_files(user):
        return False
    if is_supervisor(user):
        return True
    return training_class.institution_id in staffed_institution_ids(user)


def can_build(user, training_class):
    """Administrators, commerce officers and the class's institution staff request builds."""
    return (
        is_signed_in(user) and user.has_perm(ADD_PERMISSION) and _sees_class(user, training_class)
    )


def access_class_for_files(user, class_id):
    """The class if ``user`` may see its training files; the same 404 otherwise."""
    try:
        training_class = TrainingClass.objects.select_related("institution").get(pk=int(class_id))
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such class.")) from None
    if not _sees_class(user, training_class):
        raise Http404(_("No such class."))
    return training_class


def access_training_file(user, file_id):
    """The training file if ``user`` may see it; the same 404 otherwise."""
    try:
        training_file = TrainingFile.objects.select_related(
            "training_class__institution", "requested_by"
        ).get(pk=int(file_id))
    except (TrainingFile.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such training file.")) from None
    if not _sees_class(user, training_file.training_class):
        raise Http404(_("No such training file."))
    return training_file
