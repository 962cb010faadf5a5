"""Certificates in Wagtail's admin (imported at the end of ``assessments/wagtail_hooks.py``).

- "Certificate policies": the validity, recertification window and closing reminder of each
  tier (``CertificatePolicy``), edited by commerce officers and administrators; without a row a
  tier uses the defaults (24 months, 3 months, 14 days). Policies are never deleted here.
- "Certificate register": a menu item to the register page (``/certificates/register/``),
  where each certificate opens with its revoke and reissue forms. Revoking and reissuing go
  through ``assessments.actions.certificates`` like everything else, so the admin has no form
  of its own that could skip the audit.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import policy
from .models import CertificatePolicy

OFFICER_ROLES = ["administrator", "commerce_officer"]


class OfficersPermissionPolicy(ModelPermissionPolicy):
    """Commerce officers and administrators may view, add and change; nobody deletes."""

    def user_has_permission(self, user, action):
        return action in {"view", "add", "change"} and policy.can_revoke_certificates(user)

    def users_with_any_permission(self, actions):
        if not set(actions) & {"view", "add", "change"}:
            return get_user_model().objects.none()
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name__in=OFFICER_ROLES))
            .distinct()
        )


register_permission_policy(
    CertificatePolicy, OfficersPermissionPolicy(CertificatePolicy), exact_class=True
)


class CertificatePolicyViewSet(ModelViewSet):
    model = CertificatePolicy
    icon = "date"
    menu_label = _("Certificate policies")
    name = "certificate_policies"
    add_to_admin_menu = True
    menu_order = 285
    copy_view_enabled = False
    form_fields = ["tier", "valid_months", "window_months", "closing_reminder_days"]
    list_display = ["tier", "valid_months", "window_months", "closing_reminder_days"]
    search_fields = None


class RegisterMenuItem(MenuItem):
    def is_shown(self, request):
        return policy.can_see_register(request.user)


@hooks.register("register_admin_viewset")
def register_certificate_policy_viewset():
    return CertificatePolicyViewSet()


@hooks.register("register_admin_menu_item")
def register_certificate_register_menu_item():
    return RegisterMenuItem(
        _("Certificate register"),
        reverse("certificates:register"),
        name="certificate_register",
        icon_name="doc-full",
        order=284,
    )
