"""The training screens in Wagtail's admin: the lecturer library, training institutions, venues,
training plans and training classes (with their sessions).

Officers and administrators see every institution's rows; institution staff only their own
(``policy``). Statuses never appear in a form: institutions, plans and classes change status
through the views in ``admin_views``, which call ``actions``.
"""

from django import forms
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .admin_views import change_class_status, change_institution_status, plan_step
from .forms import InstitutionForm, TrainingClassForm, TrainingPlanForm, VenueForm
from .models import Institution, Lecturer, TrainingClass, TrainingPlan, Venue
from .policy import can_change_institution_status, institutions_visible_to

# --- Lecturer library ------------------------------------------------------------------------


class LecturerViewSet(SnippetViewSet):
    """The county's lecturer library: profiles, institutions, courses taught and trainees'
    ratings (an average and a count; never who rated)."""

    model = Lecturer
    icon = "group"
    menu_label = _("Lecturer library")
    menu_name = "lecturer_library"
    menu_order = 230
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = admin_views.LecturerIndexView
    inspect_view_class = admin_views.LecturerInspectView
    list_display = [
        "name",
        "title",
        "expertise",
        "platforms",
        Column("institution_names", label=_("Training institutions")),
        Column(
            "courses_taught",
            label=_("Courses taught"),
            accessor=lambda lecturer: _("; ").join(lecturer.courses_taught),
        ),
        Column("rating", label=_("Trainees' rating"), accessor=admin_views.rating_display),
    ]
    search_fields = ["name", "expertise", "platforms"]
    search_backend_name = None
    inspect_view_fields = ["name", "title", "expertise", "platforms", "biography", "photo", "user"]
    panels = [
        FieldPanel("name"),
        FieldPanel("title"),
        FieldPanel("expertise"),
        FieldPanel("platforms"),
        FieldPanel("biography"),
        FieldPanel("photo"),
        FieldPanel("institutions", widget=forms.CheckboxSelectMultiple),
        FieldPanel("user"),
    ]


register_snippet(LecturerViewSet)


# --- Institutions ----------------------------------------------------------------------------


class InstitutionChooseView(snippet_chooser.ChooseView):
    def get_object_list(self):
        return institutions_visible_to(self.request.user)


class InstitutionChooseResultsView(snippet_chooser.ChooseResultsView):
    def get_object_list(self):
        return institutions_visible_to(self.request.user)


class InstitutionChosenView(snippet_chooser.SnippetChosenView):
    def get_object(self, pk):
        return institutions_visible_to(self.request.user).get(pk=pk)


class InstitutionChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = InstitutionChooseView
    choose_results_view_class = InstitutionChooseResultsView
    chosen_view_class = InstitutionChosenView


class InstitutionViewSet(SnippetViewSet):
    """Institutions and their qualification record; the status changes only in its own view.

    Institution staff see and edit only their own institutions, and once an institution has
    been assessed, only officers change its four conditions and evidence."""

    model = Institution
    icon = "home"
    menu_label = _("Training institutions")
    menu_name = "training_institutions"
    menu_order = 225
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    chooser_viewset_class = InstitutionChooserViewSet
    edit_view_class = admin_views.InstitutionEditView
    delete_view_class = admin_views.InstitutionDeleteView
    history_view_class = admin_views.InstitutionHistoryView
    usage_view_class = admin_views.InstitutionUsageView
    inspect_view_class = admin_views.InstitutionInspectView
    list_display = ["legal_name", "credit_code", "contact_person", "status", "status_changed_at"]
    list_filter = ["status"]
    search_fields = ["legal_name", "credit_code", "contact_person"]
    search_backend_name = None
    inspect_view_fields = [*Institution.DETAIL_FIELDS, "status", "status_changed_at", "created_at"]
    edit_handler = ObjectList(
        [
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
                panels=[
                    FieldPanel("condition"),
                    FieldPanel("document"),
                    FieldPanel("description"),
                ],
            ),
            FieldPanel(
                "staff",
                widget=forms.CheckboxSelectMultiple,
                permission="training.change_institution_status",
            ),
        ],
        base_form_class=InstitutionForm,
    )

    def get_queryset(self, request):
        return institutions_visible_to(request.user)


register_snippet(InstitutionViewSet)


# --- Venues ----------------------------------------------------------------------------------


class VenueViewSet(ModelViewSet):
    """Classrooms and computer rooms, per institution."""

    model = Venue
    icon = "site"
    menu_label = _("Venues")
    menu_order = 236
    add_to_admin_menu = True
    url_prefix = "training/venues"
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = admin_views.VenueIndexView
    edit_view_class = admin_views.VenueEditView
    delete_view_class = admin_views.VenueDeleteView
    history_view_class = admin_views.VenueHistoryView
    usage_view_class = admin_views.VenueUsageView
    inspect_view_class = admin_views.VenueInspectView
    list_display = ["name", "kind", "institution", "seats", "address"]
    list_filter = ["kind"]
    search_fields = ["name", "address"]
    search_backend_name = None
    inspect_view_fields = ["name", "kind", "institution", "seats", "address"]
    edit_handler = ObjectList(
        [
            FieldPanel("institution", widget=forms.Select),
            FieldPanel("name"),
            FieldPanel("kind"),
            FieldPanel("address"),
            FieldPanel("seats"),
        ],
        base_form_class=VenueForm,
    )


# --- Training plans --------------------------------------------------------------------------


class TrainingPlanViewSet(ModelViewSet):
    """Plan revisions: drafted by institution staff, approved or rejected by commerce officers.
    Submitted, approved and superseded revisions are frozen."""

    model = TrainingPlan
    icon = "list-ul"
    menu_label = _("Training plans")
    menu_order = 232
    add_to_admin_menu = True
    url_prefix = "training/plans"
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = admin_views.PlanIndexView
    edit_view_class = admin_views.PlanEditView
    delete_view_class = admin_views.PlanDeleteView
    history_view_class = admin_views.PlanHistoryView
    usage_view_class = admin_views.PlanUsageView
    inspect_view_class = admin_views.PlanInspectView
    list_display = [
        "title",
        "code",
        "revision",
        "institution",
        "tier",
        "status",
        "start_date",
        "end_date",
    ]
    list_filter = ["status", "tier"]
    search_fields = ["title", "code"]
    search_backend_name = None
    inspect_view_fields = [
        "institution",
        "code",
        "revision",
        "title",
        "tier",
        "status",
        "number_of_classes",
        "trainees_per_class",
        "days_per_class",
        "start_date",
        "end_date",
        "courses",
        "venues",
        "lecturers",
        "content_summary",
        "min_age",
        "max_age",
        "min_education",
        "min_computer_skill",
        "categories",
        "village_quota",
        "supersedes",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_comment",
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("institution", widget=forms.Select),
                    FieldRowPanel([FieldPanel("code"), FieldPanel("tier")]),
                    FieldPanel("title"),
                ],
                heading=_("Plan"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("number_of_classes"),
                            FieldPanel("trainees_per_class"),
                            FieldPanel("days_per_class"),
                        ]
                    ),
                    FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
                ],
                heading=_("Numbers and time"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("courses"),
                    FieldPanel("venues", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("lecturers", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("content_summary"),
                ],
                heading=_("Content"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("min_age"), FieldPanel("max_age")]),
                    FieldRowPanel([FieldPanel("min_education"), FieldPanel("min_computer_skill")]),
                    FieldPanel("categories"),
                    FieldPanel("village_quota"),
                ],
                heading=_("Eligibility"),
            ),
        ],
        base_form_class=TrainingPlanForm,
    )


# --- Training classes ------------------------------------------------------------------------


class TrainingClassViewSet(ModelViewSet):
    """Classes under approved plans, with their sessions edited inline."""

    model = TrainingClass
    icon = "group"
    menu_label = _("Training classes")
    menu_order = 234
    add_to_admin_menu = True
    url_prefix = "training/classes"
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = admin_views.ClassIndexView
    edit_view_class = admin_views.ClassEditView
    delete_view_class = admin_views.ClassDeleteView
    history_view_class = admin_views.ClassHistoryView
    usage_view_class = admin_views.ClassUsageView
    inspect_view_class = admin_views.ClassInspectView
    list_display = [
        "name",
        "code",
        "institution",
        "status",
        "start_date",
        "end_date",
        "capacity",
        Column("places_taken", label=_("Places taken")),
        "head_teacher",
    ]
    list_filter = ["status", "tier"]
    search_fields = ["name", "code"]
    search_backend_name = None
    inspect_view_fields = [
        "code",
        "name",
        "institution",
        "tier",
        "plan",
        "status",
        "capacity",
        "start_date",
        "end_date",
        "head_teacher",
        "lecturers",
        "status_changed_at",
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("code"), FieldPanel("name")]),
                    FieldPanel("plan", widget=forms.Select),
                    FieldRowPanel(
                        [
                            FieldPanel("capacity"),
                            FieldPanel("start_date"),
                            FieldPanel("end_date"),
                        ]
                    ),
                    FieldPanel("head_teacher", widget=forms.Select),
                    FieldPanel("lecturers", widget=forms.CheckboxSelectMultiple),
                ],
                heading=_("Class"),
            ),
            InlinePanel(
                "sessions",
                heading=_("Sessions"),
                label=_("session"),
                panels=[
                    FieldRowPanel(
                        [FieldPanel("date"), FieldPanel("starts_at"), FieldPanel("ends_at")]
                    ),
                    FieldRowPanel([FieldPanel("kind"), FieldPanel("title")]),
                    FieldRowPanel(
                        [
                            FieldPanel("venue", widget=forms.Select),
                            FieldPanel("lecturer", widget=forms.Select),
                        ]
                    ),
                    FieldPanel("lessons", widget=forms.CheckboxSelectMultiple),
                ],
            ),
        ],
        base_form_class=TrainingClassForm,
    )


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return [
        VenueViewSet("training_venue"),
        TrainingPlanViewSet("training_plan"),
        TrainingClassViewSet("training_class"),
    ]


@hooks.register("register_admin_urls")
def register_training_admin_urls():
    return [
        path(
            "training/institutions/<int:pk>/status/",
            change_institution_status,
            name="training_institution_status",
        ),
        *[
            path(
                f"training/plans/<int:pk>/{step}/",
                plan_step,
                {"step": step},
                name=f"training_plan_{step}",
            )
            for step in ("submit", "withdraw", "approve", "reject", "revise")
        ],
        path(
            "training/classes/<int:pk>/status/",
            change_class_status,
            name="training_class_status",
        ),
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
