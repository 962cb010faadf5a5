"""The accounts screens in Wagtail's admin: trainee register and regions."""

from django.contrib.admin.utils import unquote
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Region, TraineeProfile
from .policy import access_trainee_profile, can_see_full_id_number, trainee_profiles_visible_to


class VisibleProfileMixin:
    """Load profiles through the policy, so other people's ids get the same 404 as unknown ones."""

    def get_queryset(self):  # edit and delete views
        return trainee_profiles_visible_to(self.request.user)


class VisibleBaseObjectMixin:
    """History and usage views list log entries and references with ``get_queryset``; only
    the profile they are about is loaded through the policy."""

    def get_base_object_queryset(self):
        return trainee_profiles_visible_to(self.request.user)


class ProfileEditView(VisibleProfileMixin, snippet_views.EditView):
    pass


class ProfileDeleteView(VisibleProfileMixin, snippet_views.DeleteView):
    pass


class ProfileHistoryView(VisibleBaseObjectMixin, snippet_views.HistoryView):
    pass


class ProfileUsageView(VisibleBaseObjectMixin, snippet_views.UsageView):
    pass


class ProfileInspectView(snippet_views.InspectView):
    def get_object(self, queryset=None):
        return access_trainee_profile(self.request.user, unquote(str(self.pk)))

    def get_id_number_display_value(self):
        if can_see_full_id_number(self.request.user):
            return self.object.id_number
        return self.object.masked_id_number

    def get_phone_display_value(self):
        if can_see_full_id_number(self.request.user):
            return self.object.phone
        return self.object.masked_phone


class TraineeProfileViewSet(SnippetViewSet):
    model = TraineeProfile
    icon = "user"
    menu_label = _("Trainee register")
    menu_name = "trainee_register"
    menu_order = 210
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    list_display = [
        "real_name",
        Column("masked_id_number", label=_("ID number")),
        "gender",
        "category",
        Column("village", label=_("home village"), accessor="village.full_name"),
        "created_at",
    ]
    list_filter = ["gender", "education", "computer_skill", "category"]
    list_export = ["real_name", "masked_id_number", "gender", "education", "category", "village"]
    search_fields = ["real_name", "phone", "employer"]
    search_backend_name = None
    inspect_view_fields = [*TraineeProfile.DETAIL_FIELDS, "created_at"]
    edit_view_class = ProfileEditView
    delete_view_class = ProfileDeleteView
    history_view_class = ProfileHistoryView
    usage_view_class = ProfileUsageView
    inspect_view_class = ProfileInspectView
    form_fields = TraineeProfile.DETAIL_FIELDS

    def get_queryset(self, request):
        return trainee_profiles_visible_to(request.user)


class RegionViewSet(SnippetViewSet):
    model = Region
    icon = "site"
    menu_label = _("Townships and villages")
    menu_name = "regions"
    menu_order = 220
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = ["name", "code", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    search_backend_name = None
    form_fields = ["name", "code", "level", "parent"]


register_snippet(TraineeProfileViewSet)
register_snippet(RegionViewSet)


@hooks.register("after_create_snippet")
def remember_registrar(request, instance):
    """Whoever registers a trainee in the admin is recorded as their registrar."""
    if isinstance(instance, TraineeProfile) and instance.registered_by_id is None:
        TraineeProfile.objects.filter(pk=instance.pk).update(registered_by=request.user)
