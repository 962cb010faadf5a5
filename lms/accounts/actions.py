"""Changes to people: roles, API tokens, trainee profiles.

Views, the API, the admin and management commands call these functions so each
change is validated, atomic and audited the same way whichever door it came in.
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from wagtail.models import APIToken

from lms.audit.actions import acting_as, record

from .models import TraineeProfile
from .roles import Role

MAX_ACTIVE_TOKENS = 20


def do_set_roles(user, roles, *, acting_user):
    """Give ``user`` exactly ``roles``; the change is audited by the groups signal."""
    wanted = {Role(role).value for role in roles}
    with transaction.atomic():
        groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
        current = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        to_add = [groups[name] for name in sorted(wanted - current)]
        to_remove = [groups[name] for name in sorted(current - wanted)]
        with acting_as(acting_user):
            if to_add:
                user.groups.add(*to_add)
            if to_remove:
                user.groups.remove(*to_remove)
    user.__dict__.pop("_role_codes", None)


def check_issue_api_token(user, name, *, acting_user):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the phone it is for.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name can be at most 100 characters.")})
    if APIToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            {
                "name": _("You already have %(n)d active tokens; revoke one first.")
                % {"n": MAX_ACTIVE_TOKENS}
            }
        )
    return do_issue_api_token(user, name, acting_user=acting_user)


def do_issue_api_token(user, name, *, acting_user):
    """Create a token and return ``(token, raw_key)``; only a digest of the key is stored."""
    with transaction.atomic():
        token, raw = APIToken.create_token(user=user, name=name)
        record("api_token.issued", token, actor=acting_user, changes={"name": [None, name]})
    return token, raw


def access_api_token(user, token_id):
    """The user's own token by id; unknown ids and other people's ids raise the same 404."""
    try:
        return APIToken.objects.get(pk=int(token_id), user=user)
    except (APIToken.DoesNotExist, ValueError, TypeError):
        raise Http404(_("No such token.")) from None


def do_revoke_api_token(token, *, acting_user):
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoke()
        record("api_token.revoked", token, actor=acting_user)
    return token


def do_register_trainee(*, acting_user, **fields):
    """Register a trainee or candidate after full validation; audited by the profile signal."""
    profile = TraineeProfile(registered_by=acting_user, **fields)
    profile.full_clean()
    with transaction.atomic(), acting_as(acting_user):
        profile.save()
    return profile
