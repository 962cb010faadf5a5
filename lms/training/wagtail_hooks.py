from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Lecturer


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
