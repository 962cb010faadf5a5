"""Who may see and change enrolments, in one place.

- Administrators (and superusers) act on every class and every person.
- Institution staff act on the classes of the institutions they staff, for any person.
- Registrars (登记员) act only on classes that are enrolling, and only for people whose home
  village lies in one of their ``RegistrarArea`` rows (a village, or any village of a township).
- Commerce and finance officers read every class's enrolments and change nothing.
- A class's head teacher (or institution staff, or an administrator) sets the class committee.

Views, the API and the admin ask these functions, and anyone outside gets the same 404 for a
class or person they may not see as for one that does not exist.
"""

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from lms.accounts.models import Region, TraineeProfile
from lms.accounts.policy import is_signed_in
from lms.accounts.roles import Role
from lms.training.models import TrainingClass
from lms.training.policy import is_administrator, is_supervisor, staffed_institution_ids

from .models import ClassEnrolment, RegistrarArea

OVERRIDE_PERMISSION = "enrolment.override_eligibility"
VIEW_PERMISSION = "enrolment.view_classenrolment"
ADD_PERMISSION = "enrolment.add_classenrolment"
CHANGE_PERMISSION = "enrolment.change_classenrolment"


def can_override_eligibility(user):
    return is_signed_in(user) and user.has_perm(OVERRIDE_PERMISSION)


def is_registrar(user):
    return is_signed_in(user) and user.has_role(Role.REGISTRAR) and user.has_perm(ADD_PERMISSION)


def registrar_village_ids(user):
    """Ids of the villages in ``user``'s registrar areas (villages, and villages of townships)."""
    if not is_registrar(user):
        return frozenset()
    if not hasattr(user, "_registrar_village_ids"):
        areas = RegistrarArea.objects.filter(registrar=user)
        user._registrar_village_ids = frozenset(
            Region.objects.filter(level=Region.Level.VILLAGE)
            .filter(Q(pk__in=areas.values("region")) | Q(parent__in=areas.values("region")))
            .values_list("pk", flat=True)
        )
    return user._registrar_village_ids


def manages_class(user, training_class):
    """Administrators anywhere; institution staff for their own institution's classes."""
    if is_administrator(user):
        return True
    return (
        is_signed_in(user)
        and user.has_perm(ADD_PERMISSION)
        and user.has_perm(CHANGE_PERMISSION)
        and training_class.institution_id in staffed_institution_ids(user)
    )


def registers_for(user, training_class):
    """Whether ``user`` may register people in ``training_class`` as a registrar."""
    return is_registrar(user) and training_class.status == TrainingClass.Status.ENROLLING


def may_act_for(user, training_class, profile):
    """Whether ``user`` may register, confirm or decline ``profile`` in ``training_class``."""
    if manages_class(user, training_class):
        return True
    return registers_for(user, training_class) and profile.village_id in registrar_village_ids(user)


def can_set_committee(user, training_class):
    """The class's head teacher, its institution's staff and administrators."""
    if not is_signed_in(user):
        return False
    return training_class.head_teacher_id == user.pk or manages_class(user, training_class)


# --- What a user sees --------------------------------------------------------------------------


def classes_for_enrolment(user):
    """The classes whose enrolment ``user`` may open in the admin."""
    if not (is_signed_in(user) and user.has_perm(VIEW_PERMISSION)):
        return TrainingClass.objects.none()
    if is_administrator(user) or is_supervisor(user):
        return TrainingClass.objects.all()
    condition = Q(pk__in=[])
    institutions = staffed_institution_ids(user)
    if institutions and user.has_perm(ADD_PERMISSION):
        condition |= Q(institution_id__in=institutions)
    if is_registrar(user):
        condition |= Q(status=TrainingClass.Status.ENROLLING)
    return TrainingClass.objects.filter(condition)


def sees_whole_class(user, training_class):
    """Officers, administrators and the institution's staff see every enrolment of a class;
    a registrar sees only the people of their villages."""
    return is_supervisor(user) or manages_class(user, training_class)


def enrolments_visible_to(user, training_class):
    """The class's enrolments ``user`` may see (call only for a class from ``access_*``)."""
    enrolments = ClassEnrolment.objects.filter(training_class=training_class)
    if sees_whole_class(user, training_class):
        return enrolments
    if registers_for(user, training_class):
        return enrolments.filter(profile__village_id__in=registrar_village_ids(user))
    return enrolments.none()


def profiles_reachable_by(user, training_class):
    """The people ``user`` may register in ``training_class``."""
    if manages_class(user, training_class):
        return TraineeProfile.objects.all()
    if registers_for(user, training_class):
        return TraineeProfile.objects.filter(village_id__in=registrar_village_ids(user))
    return TraineeProfile.objects.none()


def access_class_for_enrolment(user, class_id):
    """The class if ``user`` may open its enrolment; the same 404 for unknown and forbidden ids.

    The class carries ``can_manage`` (staff or administrator), ``can_register`` (may add people)
    and ``sees_all`` (sees every enrolment rather than only their villages').
    """
    try:
        training_class = (
            classes_for_enrolment(user)
            .select_related("institution", "plan", "head_teacher")
            .get(pk=int(class_id))
        )
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such class.")) from None
    training_class.can_manage = manages_class(user, training_class)
    training_class.can_register = training_class.status == TrainingClass.Status.ENROLLING and (
        training_class.can_manage or registers_for(user, training_class)
    )
    training_class.sees_all = sees_whole_class(user, training_class)
    training_class.can_override = can_override_eligibility(user)
    return training_class


def access_enrolment(user, training_class, enrolment_id):
    """One enrolment of an accessible class, if ``user`` may see it; the same 404 otherwise."""
    try:
        return (
            enrolments_visible_to(user, training_class)
            .select_related("profile__village", "training_class__plan")
            .get(pk=int(enrolment_id))
        )
    except (ClassEnrolment.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such enrolment.")) from None


def enrolling_classes():
    """Classes taking enrolments, soonest first: what trainees may apply to."""
    return TrainingClass.objects.filter(status=TrainingClass.Status.ENROLLING).order_by(
        "start_date", "code"
    )


def with_places(classes):
    """Annotate ``places_held`` (applied or enrolled places) on each class."""
    held = Q(enrolments__status__in=ClassEnrolment.HOLDS_PLACE)
    return classes.annotate(places_held=Count("enrolments", filter=held))


def profile_of(user):
    """The user's own trainee profile, or None."""
    if not is_signed_in(user):
        return None
    return TraineeProfile.objects.filter(user=user).select_related("village").first()


def access_enrolling_class(user, class_id):
    """A class that is enrolling, for a signed-in user; the same 404 for every other id."""
    if not is_signed_in(user):
        raise Http404(_("No such class."))
    try:
        return enrolling_classes().select_related("institution", "plan").get(pk=int(class_id))
    except (TrainingClass.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such class.")) from None
