"""Course enrolments in Wagtail's admin: an administrator assigns trainees to courses.

Creating and deleting go through ``do_enrol_in_course`` and ``do_unenrol_from_course``,
so the admin is audited exactly like any other door. An enrolment is never edited: to
move a trainee, delete one enrolment and add another.
"""

from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.accounts.roles import Role

from . import actions
from .models import CourseEnrolment


class EnrolmentForm(WagtailAdminModelForm):
    """Offers only active trainees, so an enrolment cannot land on a staff account by mistake."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = (
                get_user_model()
                .objects.filter(is_active=True, groups__name=Role.TRAINEE.value)
                .order_by("username")
                .distinct()
            )
            self.fields["user"].label = _("trainee")


class EnrolmentIndexView(snippet_views.IndexView):
    def get_edit_url(self, instance):
        return None  # enrolments are not edited; the title links to the record instead


class EnrolmentCreateView(snippet_views.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return actions.do_enrol_in_course(
            data["user"], data["course"], acting_user=self.request.user
        )


class EnrolmentEditView(snippet_views.EditView):
    def dispatch(self, request, *args, **kwargs):
        return redirect(self.get_inspect_url_for(kwargs["pk"]))

    def get_inspect_url_for(self, pk):
        from django.urls import reverse

        return reverse(self.inspect_url_name, args=[pk])


class EnrolmentDeleteView(snippet_views.DeleteView):
    def delete_action(self):
        actions.do_unenrol_from_course(self.object, acting_user=self.request.user)


class CourseEnrolmentViewSet(SnippetViewSet):
    model = CourseEnrolment
    icon = "group"
    menu_label = _("Course enrolments")
    menu_name = "course_enrolments"
    menu_order = 250
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    list_display = [
        "user",
        Column("trainee_name", label=_("name"), accessor="user.display_name"),
        "course",
        "assigned_by",
        "created_at",
    ]
    list_filter = ["source"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    search_backend_name = None
    inspect_view_fields = ["user", "course", "source", "assigned_by", "created_at"]
    index_view_class = EnrolmentIndexView
    add_view_class = EnrolmentCreateView
    edit_view_class = EnrolmentEditView
    delete_view_class = EnrolmentDeleteView
    edit_handler = ObjectList(
        [FieldPanel("user"), FieldPanel("course")], base_form_class=EnrolmentForm
    )

    def get_queryset(self, request):
        return CourseEnrolment.objects.select_related(
            "user__trainee_profile", "course", "assigned_by"
        )


register_snippet(CourseEnrolmentViewSet)
