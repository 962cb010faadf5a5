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
