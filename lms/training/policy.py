"""Who may see and change training institutions.

Model permissions (``lms/accounts/roles.py``) say what a role may do at all; views, the admin
and actions ask these functions, so each door answers the same way.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from .models import Institution

CHANGE_STATUS_PERMISSION = "training.change_institution_status"


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


def can_change_institution_status(user):
    """Commerce officers and administrators (and superusers) qualify, suspend and cancel."""
    return _active(user) and user.has_perm(CHANGE_STATUS_PERMISSION)


def institutions_visible_to(user):
    """Every institution for holders of ``training.view_institution``; nothing for others."""
    if not (_active(user) and user.has_perm("training.view_institution")):
        return Institution.objects.none()
    return Institution.objects.all()


def access_institution_for_status_change(user, institution_id):
    """The institution if ``user`` may change its status; the same 404 for unknown and forbidden."""
    if not can_change_institution_status(user):
        raise Http404(_("No such institution."))
    try:
        return Institution.objects.get(pk=int(institution_id))
    except (Institution.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such institution.")) from None


# --- Classes ---------------------------------------------------------------------------------
#
# Who stands where in a class. Site pages, the API and other apps ask these functions, so a
# trainee, head teacher, lecturer, institution staff member or officer gets the same answer at
# every door, and anyone outside a class gets the same 404 as for a class that does not exist.

SUPERVISOR_ROLES = {"administrator", "commerce_officer", "finance_officer"}


class ClassRole:
    TRAINEE = "trainee"
    HEAD_TEACHER = "head_teacher"
    LECTURER = "lecturer"
    STAFF = "institution_staff"
    SUPERVISOR = "supervisor"


def is_supervisor(user):
    """Administrators and the bureaus' officers see every class."""
    return _active(user) and (user.is_superuser or bool(user.role_codes() & SUPERVISOR_ROLES))


def enrolment_of(user, training_class):
    """The user's enrolled ``ClassEnrolment`` in the class, or None."""
    from lms.enrolment.models import ClassEnrolment

    if not _active(user):
        return None
    return (
        ClassEnrolment.objects.filter(
            training_class=training_class,
            profile__user=user,
            status=ClassEnrolment.Status.ENROLLED,
        )
        .select_related("profile")
        .first()
    )


def class_roles(user, training_class, *, enrolment=None):
    """The set of ``ClassRole`` values ``user`` holds in ``training_class``."""
    roles = set()
    if not _active(user):
        return roles
    if training_class.head_teacher_id == user.pk:
        roles.add(ClassRole.HEAD_TEACHER)
    if training_class.lecturers.filter(user=user).exists():
        roles.add(ClassRole.LECTURER)
    if training_class.institution.staff.filter(pk=user.pk).exists():
        roles.add(ClassRole.STAFF)
    if is_supervisor(user):
        roles.add(ClassRole.SUPERVISOR)
    if (enrolment or enrolment_of(user, training_class)) is not None:
        roles.add(ClassRole.TRAINEE)
    return roles


def classes_of(user):
    """The classes ``user`` takes part in: enrolled in, head teacher of, or lecturing."""
    from django.db.models import Q

    from lms.enrolment.models import ClassEnrolment

    from .models import TrainingClass

    if not _active(user):
        return TrainingClass.objects.none()
    return TrainingClass.objects.filter(
        Q(head_teacher=user)
        | Q(lecturers__user=user)
        | Q(
            enrolments__profile__user=user,
            enrolments__status=ClassEnrolment.Status.ENROLLED,
        )
    ).distinct()


def _get_class(class_id):
    from .models import TrainingClass

    try:
        return TrainingClass.objects.select_related("institution", "plan", "head_teacher").get(
            pk=int(class_id)
        )
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such class.")) from None


def access_class(user, class_id):
    """The class if ``user`` holds any role in it; the same 404 for unknown and forbidden ids.

    The class carries ``viewer_roles`` and ``viewer_enrolment`` so callers need not ask again.
    """
    training_class = _get_class(class_id)
    enrolment = enrolment_of(user, training_class)
    roles = class_roles(user, training_class, enrolment=enrolment)
    if not roles:
        raise Http404(_("No such class."))
    training_class.viewer_roles = roles
    training_class.viewer_enrolment = enrolment
    return training_class


def access_class_as_trainee(user, class_id):
    """The class and the user's enrolment in it; 404 unless ``user`` is enrolled."""
    training_class = _get_class(class_id)
    enrolment = enrolment_of(user, training_class)
    if enrolment is None:
        raise Http404(_("No such class."))
    return training_class, enrolment


def can_run_class(user, training_class):
    """The head teacher runs the class day to day (roster, attendance, leave); administrators
    may stand in."""
    if not _active(user):
        return False
    return (
        training_class.head_teacher_id == user.pk
        or user.is_superuser
        or user.has_role("administrator")
    )


def access_class_as_head_teacher(user, class_id):
    """The class if ``user`` runs it (``can_run_class``); the same 404 otherwise."""
    training_class = _get_class(class_id)
    if not can_run_class(user, training_class):
        raise Http404(_("No such class."))
    return training_class
