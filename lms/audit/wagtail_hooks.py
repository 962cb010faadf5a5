"""The audit log in Wagtail's admin: read-only, for administrators and commerce officers."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import AuditEvent


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Audit rows are never added, changed or deleted by hand, not even by superusers."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and super().user_has_permission(user, "view")

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


register_permission_policy(AuditEvent, ReadOnlyPolicy(AuditEvent))


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    icon = "history"
    menu_label = _("Audit log")
    menu_name = "audit_log"
    menu_order = 900
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["created_at", "actor", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "action", "reason"]
    search_backend_name = None
    form_fields = []
    inspect_view_fields = [
        "created_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "reason",
    ]

    def get_urlpatterns(self):
        keep = {"index", "index_results", "inspect"}
        return [pattern for pattern in super().get_urlpatterns() if pattern.name in keep]


audit_viewset = AuditEventViewSet("audit_events")


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return audit_viewset
