"""Who may see which people: the object-level rules for accounts.

Model permissions (``roles.py``) say what a role may do at all; the functions
here narrow that to the rows a given user may touch, so views, the API and the
admin answer the same question the same way.
"""

from django.http import Http404
from django.utils.translation import gettext as _

from .models import TraineeProfile
from .roles import Role


def is_signed_in(user):
    """A signed-in user whose account is active: the first question of every policy."""
    return user is not None and user.is_authenticated and user.is_active


def can_see_full_id_number(user):
    return user.is_active and user.has_perm("accounts.view_full_id_number")


def trainee_profiles_visible_to(user):
    """Profiles a user may list: county-wide for officers; for registrars, the people they
    registered and the people of their areas' villages (``lms.enrolment.RegistrarArea``)."""
    qs = TraineeProfile.objects.select_related("village__parent__parent", "user")
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_superuser or user.has_role(Role.ADMINISTRATOR):
        return qs
    if user.has_role(Role.COMMERCE_OFFICER) or user.has_role(Role.FINANCE_OFFICER):
        return qs
    if user.has_role(Role.REGISTRAR):
        # The people they registered, and everyone from the villages they register in.
        from django.db.models import Q

        from lms.enrolment.policy import registrar_village_ids

        return qs.filter(Q(registered_by=user) | Q(village_id__in=registrar_village_ids(user)))
    return qs.filter(user=user)


def access_trainee_profile(user, profile_id):
    """The profile if ``user`` may see it; the same 404 for unknown and forbidden ids."""
    try:
        return trainee_profiles_visible_to(user).get(pk=profile_id)
    except (TraineeProfile.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such trainee.")) from None
