"""Who may see and change training institutions.

Model permissions (``lms/accounts/roles.py``) say what a role may do at all; views, the admin
and actions ask these functions, so each door answers the same way.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from lms.accounts.policy import is_signed_in

from .models import Institution

CHANGE_STATUS_PERMISSION = "training.change_institution_status"


def can_change_institution_status(user):
    """Commerce officers and administrators (and superusers) qualify, suspend and cancel."""
    return is_signed_in(user) and user.has_perm(CHANGE_STATUS_PERMISSION)


def institutions_visible_to(user):
    """Institutions ``user`` may see in the admin.

    Officers and administrators (``is_supervisor``) see every institution; institution staff
    see only the institutions whose ``staff`` they are in; anyone without
    ``training.view_institution`` sees none.
    """
    if not (is_signed_in(user) and user.has_perm("training.view_institution")):
        return Institution.objects.none()
    if is_supervisor(user):
        return Institution.objects.all()
    return Institution.objects.filter(pk__in=staffed_institution_ids(user))


def access_institution(user, institution_id):
    """The institution if ``user`` may see it; the same 404 for unknown and other people's ids."""
    try:
        return institutions_visible_to(user).get(pk=int(institution_id))
    except (Institution.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such institution.")) from None


def qualification_locked(institution):
    """Once an institution has been qualified (or refused), its four conditions and evidence are
    the record the Bureau decided on: only officers change them from then on."""
    return institution.pk is not None and institution.status != Institution.Status.APPLIED


def can_edit_qualification(user, institution):
    """Whether ``user`` may change the four conditions and evidence of ``institution``.

    Anyone who may edit the institution may while it has only applied; after that only
    commerce officers and administrators (holders of ``training.change_institution_status``).
    """
    if not (is_signed_in(user) and user.has_perm("training.change_institution")):
        return False
    return not qualification_locked(institution) or can_change_institution_status(user)


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
    return is_signed_in(user) and (user.is_superuser or bool(user.role_codes() & SUPERVISOR_ROLES))


def enrolment_of(user, training_class):
    """The user's enrolled ``ClassEnrolment`` in the class, or None."""
    from lms.enrolment.models import ClassEnrolment

    if not is_signed_in(user):
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
    if not is_signed_in(user):
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

    if not is_signed_in(user):
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
    if not is_signed_in(user):
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


# --- Admin scoping: institution staff see only their own institutions ----------------------
#
# Officers and administrators see every institution, venue, plan and class. Institution staff
# (``Institution.staff``) see only their own institutions' rows; every admin view loads its
# object through these querysets, so another institution's id gets the same 404 as an unknown
# one. Registrars may look up classes (read-only) to register candidates into.


def staffed_institution_ids(user):
    """The ids of the institutions ``user`` works for, cached on the user for the request."""
    if not is_signed_in(user):
        return frozenset()
    if not hasattr(user, "_staffed_institution_ids"):
        user._staffed_institution_ids = frozenset(
            Institution.staff.through.objects.filter(user_id=user.pk).values_list(
                "institution_id", flat=True
            )
        )
    return user._staffed_institution_ids


def is_administrator(user):
    return is_signed_in(user) and (user.is_superuser or user.has_role("administrator"))


def can_act_for_institution(user, institution):
    """Institution staff act for their own institutions; administrators for any."""
    if not is_signed_in(user):
        return False
    institution_id = getattr(institution, "pk", institution)
    return is_administrator(user) or institution_id in staffed_institution_ids(user)


def _scoped(queryset, user, permission, institution_field="institution"):
    if not (is_signed_in(user) and user.has_perm(permission)):
        return queryset.none()
    if is_supervisor(user):
        return queryset
    return queryset.filter(**{f"{institution_field}__in": staffed_institution_ids(user)})


def venues_visible_to(user):
    from .models import Venue

    return _scoped(Venue.objects.all(), user, "training.view_venue")


def plans_visible_to(user):
    from .models import TrainingPlan

    return _scoped(TrainingPlan.objects.all(), user, "training.view_trainingplan")


def admin_classes_visible_to(user):
    """Classes ``user`` may see in the admin: all for officers, administrators and registrars
    (who register candidates into them); institution staff only their institutions'."""
    from .models import TrainingClass

    queryset = TrainingClass.objects.all()
    if not (is_signed_in(user) and user.has_perm("training.view_trainingclass")):
        return queryset.none()
    if is_supervisor(user) or (
        user.has_role("registrar") and not user.has_role("institution_staff")
    ):
        return queryset
    return queryset.filter(institution__in=staffed_institution_ids(user))


def _access(queryset, object_id, message):
    try:
        return queryset.get(pk=int(object_id))
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(message) from None


def access_venue(user, venue_id):
    return _access(venues_visible_to(user), venue_id, _("No such venue."))


def access_plan(user, plan_id):
    """The plan revision if ``user`` may see it; the same 404 for unknown and others' ids."""
    return _access(
        plans_visible_to(user).select_related("institution", "supersedes"),
        plan_id,
        _("No such training plan."),
    )


def access_admin_class(user, class_id):
    """The class if ``user`` may see it in the admin; the same 404 otherwise."""
    return _access(
        admin_classes_visible_to(user).select_related("institution", "plan", "head_teacher"),
        class_id,
        _("No such class."),
    )


def can_edit_plans_of(user, institution):
    """Draft, submit, withdraw and revise plans: staff of the institution and administrators."""
    return (
        is_signed_in(user)
        and user.has_perm("training.change_trainingplan")
        and can_act_for_institution(user, institution)
    )


def can_review_plans(user):
    """Approve or reject submitted plans: commerce officers and administrators."""
    return is_signed_in(user) and user.has_perm("training.review_trainingplan")


def can_schedule_class(user, training_class):
    """Edit a class and move it planned -> enrolling -> in progress -> finished: staff of its
    institution and administrators."""
    return (
        is_signed_in(user)
        and user.has_perm("training.change_trainingclass")
        and can_act_for_institution(user, training_class.institution_id)
    )


def can_accept_classes(user):
    """Archive a finished class (acceptance of its training file): commerce officers and
    administrators."""
    return is_signed_in(user) and (
        user.is_superuser or bool(user.role_codes() & {"administrator", "commerce_officer"})
    )
