"""Enrolment in Wagtail's admin: the "Enrolment" screens and registrars' areas."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.accounts.models import User
from lms.accounts.roles import Role

from . import admin_views
from .models import RegistrarArea


class EnrolmentMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("enrolment.view_classenrolment")


@hooks.register("register_admin_menu_item")
def register_enrolment_menu_item():
    return EnrolmentMenuItem(
        _("Enrolment"),
        reverse("enrolment_admin_index"),
        name="enrolment",
        icon_name="group",
        order=240,
    )


@hooks.register("register_admin_urls")
def register_enrolment_urls():
    return [
        path("enrolment/", admin_views.class_index, name="enrolment_admin_index"),
        path(
            "enrolment/template.<str:fmt>",
            admin_views.import_template,
            name="enrolment_admin_template",
        ),
        path(
            "enrolment/classes/<int:pk>/",
            admin_views.class_enrolments,
            name="enrolment_admin_class",
        ),
        path(
            "enrolment/classes/<int:pk>/register/",
            admin_views.register,
            name="enrolment_admin_register",
        ),
        path(
            "enrolment/classes/<int:pk>/import/",
            admin_views.import_candidates,
            name="enrolment_admin_import",
        ),
        path(
            "enrolment/classes/<int:pk>/enrolments/<int:enrolment_pk>/application/",
            admin_views.application,
            name="enrolment_admin_application",
        ),
        path(
            "enrolment/classes/<int:pk>/enrolments/<int:enrolment_pk>/withdraw/",
            admin_views.withdraw,
            name="enrolment_admin_withdraw",
        ),
        path(
            "enrolment/classes/<int:pk>/enrolments/<int:enrolment_pk>/committee/",
            admin_views.committee,
            name="enrolment_admin_committee",
        ),
    ]


class RegistrarAreaForm(WagtailAdminModelForm):
    """Only accounts holding the registrar role can be given an area."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registrar"].queryset = User.objects.filter(
            groups__name=Role.REGISTRAR.value, is_active=True
        ).order_by("username")


class RegistrarAreaViewSet(SnippetViewSet):
    """Which townships and villages each registrar registers candidates from (administrators)."""

    model = RegistrarArea
    icon = "site"
    menu_label = _("Registrars' areas")
    menu_name = "registrar_areas"
    menu_order = 245
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = ["registrar", "region"]
    search_fields = ["registrar__username", "region__name", "region__code"]
    search_backend_name = None
    edit_handler = ObjectList(
        [FieldPanel("registrar"), FieldPanel("region")], base_form_class=RegistrarAreaForm
    )

    def get_queryset(self, request):
        return RegistrarArea.objects.select_related("registrar", "region")


register_snippet(RegistrarAreaViewSet)
