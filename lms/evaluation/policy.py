"""Who may see the satisfaction evaluation's results.

- The class's results (figures and comments): the head teacher and whoever may stand in for
  them (``can_run_class``), the staff of the class's institution, and the officers
  (administrators, commerce and finance officers; ``is_supervisor``).
- Who has not answered yet: only those who run the class (``can_run_class``). Nobody else ever
  learns who answered, so nobody else can narrow an answer down to a person.
- A lecturer sees only their own ratings, added up over all their classes, and never who
  answered (``access_own_lecturer``).
- Trainees see only whether they themselves have answered.

Everyone else gets the same 404 as for a class that does not exist.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from lms.accounts.policy import is_signed_in
from lms.training.models import Lecturer, TrainingClass
from lms.training.policy import can_run_class, is_supervisor

ADMIN_PERMISSION = "evaluation.view_evaluationresponse"


def is_institution_staff(user, training_class):
    return is_signed_in(user) and training_class.institution.staff.filter(pk=user.pk).exists()


def can_see_class_results(user, training_class):
    if not is_signed_in(user):
        return False
    return (
        can_run_class(user, training_class)
        or is_supervisor(user)
        or is_institution_staff(user, training_class)
    )


def can_see_non_answerers(user, training_class):
    """Only those who run the class learn who has not answered (to remind them)."""
    return can_run_class(user, training_class)


def access_class_results(user, class_id):
    """The class if ``user`` may see its results; the same 404 for unknown and forbidden ids."""
    try:
        training_class = TrainingClass.objects.select_related("institution").get(pk=int(class_id))
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such class.")) from None
    if not can_see_class_results(user, training_class):
        raise Http404(_("No such class."))
    return training_class


def access_own_lecturer(user):
    """The signed-in user's entry in the lecturer library; 404 if they have none."""
    lecturer = Lecturer.objects.filter(user=user).first() if is_signed_in(user) else None
    if lecturer is None:
        raise Http404(_("You have no entry in the lecturer library."))
    return lecturer


def classes_for_admin(user):
    """The classes whose results ``user`` may see in the admin.

    Holders of ``evaluation.view_evaluationresponse`` only: officers and administrators see
    every class, institution staff the classes of their institutions, others none.
    """
    if not (is_signed_in(user) and user.has_perm(ADMIN_PERMISSION)):
        return TrainingClass.objects.none()
    if is_supervisor(user):
        return TrainingClass.objects.all()
    return TrainingClass.objects.filter(institution__staff=user).distinct()


def access_class_for_admin(user, class_id):
    """A class in ``classes_for_admin(user)``; the same 404 for unknown and forbidden ids."""
    try:
        return (
            classes_for_admin(user)
            .select_related("institution", "head_teacher")
            .get(pk=int(class_id))
        )
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such class.")) from None
