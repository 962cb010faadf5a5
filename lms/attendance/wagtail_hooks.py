"""Read-only attendance, correction and leave listings in Wagtail's admin.

Officers and administrators see every class's rows; institution staff see only their own
institutions' classes. Nothing is added, edited or deleted here, whatever the role's model
permissions say: marks and leave change only through ``lms.attendance.actions`` (the head
teacher's pages and the API), so every change keeps its correction and audit trail.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import AttendanceCorrection, AttendanceRecord, LeaveRequest
from .policy import visible_in_admin


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """Holders of the model's ``view`` permission may list and inspect; nobody may add,
    change or delete in the admin."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a == "view"])


for _model in (AttendanceRecord, AttendanceCorrection, LeaveRequest):
    register_permission_policy(_model, ViewOnlyPermissionPolicy(_model), exact_class=True)


class ScopedIndexView(generic.IndexView):
    class_path = None
    related = ()

    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related(*self.related)
        return visible_in_admin(self.request.user, queryset, self.class_path)


class ScopedInspectView(generic.InspectView):
    class_path = None
    related = ()

    def get_object(self, queryset=None):
        queryset = self.model._default_manager.select_related(*self.related)
        try:
            return visible_in_admin(self.request.user, queryset, self.class_path).get(
                pk=int(self.pk)
            )
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404(_("Not found.")) from None


def _scoped_views(class_path, related):
    attrs = {"class_path": class_path, "related": related}
    return (
        type("IndexView", (ScopedIndexView,), attrs),
        type("InspectView", (ScopedInspectView,), attrs),
    )


RECORD_RELATED = (
    "session__training_class",
    "enrolment__profile",
    "marked_by__trainee_profile",
)


class AttendanceRecordViewSet(ModelViewSet):
    model = AttendanceRecord
    icon = "tick"
    menu_label = _("Attendance records")
    name = "attendance_records"
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["status"]  # never shown: the policy refuses add and change
    list_per_page = 50
    list_display = [
        Column("trainee", label=_("trainee"), accessor="enrolment.profile.real_name"),
        Column("training_class", label=_("training class"), accessor="session.training_class"),
        "session",
        "status",
        "source",
        "checked_in_at",
        "updated_at",
    ]
    list_filter = ["status", "source", "session__date"]
    search_fields = ["enrolment__profile__real_name", "session__training_class__code"]
    search_backend_name = None
    inspect_view_fields = [
        "session",
        "enrolment",
        "status",
        "source",
        "checked_in_at",
        "marked_by",
        "updated_at",
    ]
    index_view_class, inspect_view_class = _scoped_views("session__training_class", RECORD_RELATED)


class AttendanceCorrectionViewSet(ModelViewSet):
    model = AttendanceCorrection
    icon = "history"
    menu_label = _("Attendance corrections")
    name = "attendance_corrections"
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["reason"]  # never shown: the policy refuses add and change
    list_per_page = 50
    list_display = [
        Column("record", label=_("attendance record"), accessor="record"),
        "from_status",
        "to_status",
        "reason",
        "corrected_by",
        "corrected_at",
    ]
    list_filter = ["to_status"]
    search_fields = ["record__enrolment__profile__real_name", "reason"]
    search_backend_name = None
    inspect_view_fields = [
        "record",
        "from_status",
        "to_status",
        "reason",
        "corrected_by",
        "corrected_at",
    ]
    index_view_class, inspect_view_class = _scoped_views(
        "record__session__training_class",
        (
            "record__session__training_class",
            "record__enrolment__profile",
            "corrected_by__trainee_profile",
        ),
    )


class LeaveRequestViewSet(ModelViewSet):
    model = LeaveRequest
    icon = "date"
    menu_label = _("Leave requests")
    name = "leave_requests"
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["reason"]  # never shown: the policy refuses add and change
    list_per_page = 50
    list_display = [
        Column("trainee", label=_("trainee"), accessor="enrolment.profile.real_name"),
        Column("training_class", label=_("training class"), accessor="enrolment.training_class"),
        "status",
        "requested_at",
        "decided_at",
        "decided_by",
    ]
    list_filter = ["status"]
    search_fields = ["enrolment__profile__real_name", "enrolment__training_class__code"]
    search_backend_name = None
    inspect_view_fields = [
        "enrolment",
        "sessions",
        "reason",
        "status",
        "requested_at",
        "decided_by",
        "decided_at",
        "decision_comment",
    ]
    index_view_class, inspect_view_class = _scoped_views(
        "enrolment__training_class",
        (
            "enrolment__training_class",
            "enrolment__profile",
            "decided_by__trainee_profile",
        ),
    )


class AttendanceViewSetGroup(ModelViewSetGroup):
    menu_label = _("Attendance and leave")
    menu_icon = "tick"
    menu_order = 260
    items = (AttendanceRecordViewSet, LeaveRequestViewSet, AttendanceCorrectionViewSet)


@hooks.register("register_admin_viewset")
def register_attendance_viewsets():
    return AttendanceViewSetGroup()
