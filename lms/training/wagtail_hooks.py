"""The training screens in Wagtail's admin: the lecturer library and training institutions."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin_views import change_institution_status
from .models import Institution, Lecturer
from .policy import can_change_institution_status


class LecturerViewSet(SnippetViewSet):
    model = Lecturer
    icon = "group"
    menu_label = _("Lecturer library")
    menu_name = "lecturer_library"
    menu_order = 230
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = ["name", "title", "expertise", "platforms", "user"]
    search_fields = ["name", "expertise", "platforms"]
    search_backend_name = None
    form_fields = ["name", "title", "expertise", "platforms", "biography", "photo", "user"]


register_snippet(LecturerViewSet)


class InstitutionViewSet(SnippetViewSet):
    """Institutions and their qualification record; the status changes only in its own view."""

    model = Institution
    icon = "home"
    menu_label = _("Training institutions")
    menu_name = "training_institutions"
    menu_order = 225
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["legal_name", "credit_code", "contact_person", "status", "status_changed_at"]
    list_filter = ["status"]
    search_fields = ["legal_name", "credit_code", "contact_person"]
    search_backend_name = None
    inspect_view_fields = [*Institution.DETAIL_FIELDS, "status", "status_changed_at", "created_at"]
    panels = [
        MultiFieldPanel(
            [FieldPanel(name) for name in Institution.DETAIL_FIELDS[:5]],
            heading=_("Institution"),
        ),
        MultiFieldPanel(
            [FieldPanel(name) for name in Institution.DETAIL_FIELDS[5:]],
            heading=_("Qualification: the four conditions"),
        ),
        InlinePanel(
            "evidence",
            heading=_("Evidence documents"),
            label=_("evidence document"),
            panels=[FieldPanel("condition"), FieldPanel("document"), FieldPanel("description")],
        ),
    ]


register_snippet(InstitutionViewSet)


@hooks.register("register_admin_urls")
def register_institution_status_url():
    return [
        path(
            "training/institutions/<int:pk>/status/",
            change_institution_status,
            name="training_institution_status",
        )
    ]


@hooks.register("register_snippet_listing_buttons")
def institution_status_button(snippet, user, next_url=None):
    if isinstance(snippet, Institution) and can_change_institution_status(user):
        yield Button(
            _("Change status"),
            reverse("training_institution_status", args=[snippet.pk]),
            icon_name="tasks",
            priority=30,
        )
