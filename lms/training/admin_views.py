"""The training screens of Wagtail's admin beyond the generic ones.

- ``change_institution_status`` at ``/admin/training/institutions/<id>/status/`` (officers).
- ``plan_step`` at ``/admin/training/plans/<id>/<step>/`` (submit, withdraw, approve, reject,
  revise).
- ``change_class_status`` at ``/admin/training/classes/<id>/status/``.
- View classes for the viewsets in ``wagtail_hooks``: every one loads its objects through the
  policy's querysets, so institution staff get the same 404 for another institution's id as
  for an unknown one.

The changes themselves are made by the functions in ``actions``.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import Button
from wagtail.snippets.views import snippets as snippet_views

from lms.accounts.models import TraineeProfile
from lms.audit.models import AuditEvent

from . import actions
from .actions import MAX_REASON_LENGTH, allowed_next_statuses, check_change_institution_status
from .models import Lecturer, PlanEvent, TrainingClass, TrainingPlan
from .policy import (
    access_admin_class,
    access_institution_for_status_change,
    access_plan,
    admin_classes_visible_to,
    institutions_visible_to,
    plans_visible_to,
    venues_visible_to,
)

# --- Institution status ----------------------------------------------------------------------


class StatusChangeForm(forms.Form):
    new_status = forms.ChoiceField(label=gettext_lazy("New status"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Shown in the history; a cancellation's reason is published."),
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_status"].choices = [
            (status.value, status.label) for status in allowed_next_statuses(institution.status)
        ]


def change_institution_status(request, pk):
    institution = access_institution_for_status_change(request.user, pk)
    form = StatusChangeForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        try:
            check_change_institution_status(
                institution,
                form.cleaned_data["new_status"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except PermissionDenied:
            raise Http404(_("No such institution.")) from None
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is now %(status)s.")
                % {"name": institution.legal_name, "status": institution.get_status_display()},
            )
            return redirect(reverse("training_institution_status", args=[institution.pk]))
    history = institution.status_changes.select_related("changed_by")[:50]
    return TemplateResponse(
        request,
        "training/admin/change_institution_status.html",
        {
            "institution": institution,
            "form": form,
            "history": history,
            "can_change": bool(allowed_next_statuses(institution.status)),
            "page_title": _("Change status"),
            "page_subtitle": institution.legal_name,
            "header_icon": "tasks",
            "edit_url": reverse("wagtailsnippets_training_institution:edit", args=[institution.pk]),
        },
    )


# --- Scoping the generic views ---------------------------------------------------------------


class ScopedObjectMixin:
    """Load the object through ``scope(user)`` (history and usage views, whose own
    ``get_queryset`` lists log entries or references)."""

    scope = None

    def get_scoped_queryset(self):
        return type(self).scope(self.request.user)

    def get_base_object_queryset(self):
        return self.get_scoped_queryset()


class ScopedMixin(ScopedObjectMixin):
    """Load the object through ``scope(user)`` (edit and delete views)."""

    def get_queryset(self):
        return self.get_scoped_queryset()


class ScopedInspectMixin(ScopedObjectMixin):
    def get_object(self, queryset=None):
        return get_object_or_404(self.get_scoped_queryset(), pk=unquote(str(self.pk)))


def scoped(view_class, scope, *mixins, **attrs):
    """``view_class`` loading its object through ``scope``, with ``mixins`` and ``attrs``."""
    if issubclass(view_class, generic.InspectView):
        mixin = ScopedInspectMixin
    elif issubclass(view_class, generic.BaseObjectMixin):
        mixin = ScopedObjectMixin
    else:
        mixin = ScopedMixin
    return type(
        f"Scoped{view_class.__name__}",
        (*mixins, mixin, view_class),
        {"scope": staticmethod(scope), **attrs},
    )


def _change_pairs(names_and_values):
    return [{"label": label, "value": value} for label, value in names_and_values]


# --- Institutions ----------------------------------------------------------------------------

InstitutionEditView = scoped(snippet_views.EditView, institutions_visible_to)
InstitutionDeleteView = scoped(snippet_views.DeleteView, institutions_visible_to)
InstitutionHistoryView = scoped(snippet_views.HistoryView, institutions_visible_to)
InstitutionUsageView = scoped(snippet_views.UsageView, institutions_visible_to)
InstitutionInspectView = scoped(snippet_views.InspectView, institutions_visible_to)


# --- Lecturer library ------------------------------------------------------------------------


class LecturerIndexView(snippet_views.IndexView):
    """The library with each lecturer's institutions, courses taught and trainees' average
    rating, in a fixed number of queries whatever the number of rows."""

    def get_base_queryset(self):
        return actions.with_rating_summary(super().get_base_queryset()).prefetch_related(
            "institutions"
        )

    def paginate_queryset(self, queryset, page_size):
        paginator, page, object_list, is_paginated = super().paginate_queryset(queryset, page_size)
        object_list = actions.attach_courses_taught(object_list)
        visible = set(institutions_visible_to(self.request.user).values_list("pk", flat=True))
        for lecturer in object_list:
            lecturer.institution_names = _("; ").join(
                institution.legal_name
                for institution in lecturer.institutions.all()
                if institution.pk in visible
            )
        page.object_list = object_list
        return paginator, page, object_list, is_paginated


def rating_display(lecturer):
    if not lecturer.rating_count:
        return _("No ratings yet")
    return _("%(average).1f from %(count)d ratings") % {
        "average": lecturer.rating_average,
        "count": lecturer.rating_count,
    }


class LecturerInspectView(snippet_views.InspectView):
    template_name = "training/admin/lecturer_inspect.html"

    def get_object(self, queryset=None):
        lecturer = get_object_or_404(
            actions.with_rating_summary(Lecturer.objects.all()), pk=unquote(str(self.pk))
        )
        actions.attach_courses_taught([lecturer])
        return lecturer

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lecturer = self.object
        visible = institutions_visible_to(self.request.user)
        context["extra_fields"] = _change_pairs(
            [
                (
                    _("Training institutions"),
                    _("; ").join(str(i) for i in visible.filter(lecturers=lecturer)) or "—",
                ),
                (_("Courses taught"), _("; ").join(lecturer.courses_taught) or "—"),
                (_("Trainees' rating"), rating_display(lecturer)),
            ]
        )
        return context


# --- Venues ----------------------------------------------------------------------------------


class VenueIndexView(generic.IndexView):
    def get_base_queryset(self):
        return venues_visible_to(self.request.user).select_related("institution")


class GuardedDeleteMixin:
    """Refuse a deletion that would break the record (``deletion_refusal`` says why), back to
    the listing with the reason, before the database would refuse it."""

    def deletion_refusal(self, obj):
        return None

    def dispatch(self, request, *args, **kwargs):
        if self.user_has_permission(self.permission_required):
            refusal = self.deletion_refusal(self.object)
            if refusal:
                messages.error(request, refusal)
                return redirect(reverse(self.index_url_name))
        return super().dispatch(request, *args, **kwargs)


class VenueDeletionGuard(GuardedDeleteMixin):
    def deletion_refusal(self, venue):
        if (
            venue.sessions.exists()
            or TrainingPlan.venues.through.objects.filter(venue_id=venue.pk).exists()
        ):
            return _("This venue is named in a plan or a session and cannot be deleted.")
        return None


class ClassDeletionGuard(GuardedDeleteMixin):
    def deletion_refusal(self, training_class):
        if training_class.status != TrainingClass.Status.PLANNED or (
            training_class.enrolments.exists()
        ):
            return _("Only a planned class without enrolments can be deleted.")
        return None


VenueEditView = scoped(generic.EditView, venues_visible_to)
VenueDeleteView = scoped(generic.DeleteView, venues_visible_to, VenueDeletionGuard)
VenueHistoryView = scoped(generic.HistoryView, venues_visible_to)
VenueUsageView = scoped(generic.UsageView, venues_visible_to)
VenueInspectView = scoped(generic.InspectView, venues_visible_to)


# --- Training plans --------------------------------------------------------------------------

PLAN_STEP_LABELS = {
    "submit": gettext_lazy("Submit for approval"),
    "withdraw": gettext_lazy("Withdraw"),
    "approve": gettext_lazy("Approve"),
    "reject": gettext_lazy("Reject"),
    "revise": gettext_lazy("Start a new revision"),
}
PLAN_STEP_ICONS = {
    "submit": "upload",
    "withdraw": "undo",
    "approve": "check",
    "reject": "cross",
    "revise": "copy",
}


def plan_step_url(plan, step):
    return reverse(f"training_plan_{step}", args=[plan.pk])


def plan_step_buttons(plan, user, *, priority=40):
    return [
        MenuItem(
            PLAN_STEP_LABELS[step],
            url=plan_step_url(plan, step),
            icon_name=PLAN_STEP_ICONS[step],
            priority=priority + index,
        )
        for index, step in enumerate(actions.plan_steps_for(plan, user))
    ]


class PlanIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            plans_visible_to(self.request.user)
            .select_related("institution")
            .annotate(has_revision=Exists(TrainingPlan.objects.filter(supersedes=OuterRef("pk"))))
        )

    def get_edit_url(self, instance):
        if instance.status in actions.PLAN_EDITABLE:
            return super().get_edit_url(instance)
        return None  # frozen: the title links to the inspect view

    def get_delete_url(self, instance):
        if instance.status == TrainingPlan.Status.DRAFT:
            return super().get_delete_url(instance)
        return None

    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            *plan_step_buttons(instance, self.request.user),
        ]


class FrozenPlanMixin:
    """Refuse to edit or delete a frozen revision: back to its inspect view with a message."""

    allowed_statuses = actions.PLAN_EDITABLE

    def dispatch(self, request, *args, **kwargs):
        if not self.user_has_permission(self.permission_required):
            return super().dispatch(request, *args, **kwargs)  # refused as usual
        if getattr(self, "object", None) is None:
            self.object = self.get_object()
        if self.object.status not in type(self).allowed_statuses:
            messages.error(request, self.refusal_message())
            return redirect(reverse("training_plan:inspect", args=[quote(self.object.pk)]))
        return super().dispatch(request, *args, **kwargs)

    def refusal_message(self):
        return _(
            "This revision is %(status)s and frozen. To change an approved plan, start a new "
            "revision."
        ) % {"status": self.object.get_status_display()}


class DraftOnlyMixin(FrozenPlanMixin):
    allowed_statuses = frozenset({TrainingPlan.Status.DRAFT})

    def refusal_message(self):
        return _("Only a draft revision can be deleted.")


PlanEditView = scoped(generic.EditView, plans_visible_to, FrozenPlanMixin)
PlanDeleteView = scoped(generic.DeleteView, plans_visible_to, DraftOnlyMixin)
PlanHistoryView = scoped(generic.HistoryView, plans_visible_to)
PlanUsageView = scoped(generic.UsageView, plans_visible_to)


class PlanInspectView(ScopedInspectMixin, generic.InspectView):
    template_name = "training/admin/plan_inspect.html"
    scope = staticmethod(plans_visible_to)

    def get_edit_url(self):
        if self.object.status in actions.PLAN_EDITABLE:
            return super().get_edit_url()
        return None

    def get_min_education_display_value(self):
        return _choice_label(TraineeProfile.Education, self.object.min_education)

    def get_min_computer_skill_display_value(self):
        return _choice_label(TraineeProfile.ComputerSkill, self.object.min_computer_skill)

    def get_categories_display_value(self):
        if not self.object.categories:
            return _("Every category")
        return _("; ").join(
            str(_choice_label(TraineeProfile.Category, value)) for value in self.object.categories
        )

    def get_delete_url(self):
        if self.object.status == TrainingPlan.Status.DRAFT:
            return super().get_delete_url()
        return None

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        for item in plan_step_buttons(self.object, self.request.user):
            buttons.append(Button(item.label, url=item.url, icon_name=item.icon_name))
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.object
        revisions = list(
            TrainingPlan.objects.filter(institution_id=plan.institution_id, code=plan.code)
            .order_by("revision")
            .only("pk", "revision", "status", "code", "title")
        )
        events = (
            PlanEvent.objects.filter(plan__in=revisions)
            .select_related("actor", "plan")
            .order_by("at", "pk")
        )
        context.update(
            {
                "plan": plan,
                "revisions": revisions,
                "events": events,
                "steps": [
                    {"label": PLAN_STEP_LABELS[step], "url": plan_step_url(plan, step)}
                    for step in actions.plan_steps_for(plan, self.request.user)
                ],
                "classes": plan.classes.order_by("start_date", "code"),
            }
        )
        return context


def _choice_label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


class PlanStepForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comments"),
        required=False,
        max_length=actions.MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, **kwargs)
        if step == "reject":
            self.fields["comment"].required = True
            self.fields["comment"].help_text = gettext_lazy(
                "Say what must change; the institution sees this."
            )
            self.fields["comment"].error_messages["required"] = gettext_lazy(
                "Say why the plan is rejected."
            )


def _add_action_error(form, error, model):
    """Put an action's ``ValidationError`` on the form: the form's own fields keep theirs,
    the others are shown at the top, prefixed with the field's name."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        if field in form.fields:
            for message in messages_:
                form.add_error(field, message)
            continue
        label = ""
        if field != "__all__":
            try:
                label = capfirst(model._meta.get_field(field).verbose_name)
            except FieldDoesNotExist:
                label = field
        for message in messages_:
            form.add_error(None, f"{label}: {message}" if label else message)


def plan_step(request, pk, step):
    """Submit, withdraw, approve, reject or revise a plan revision, with optional comments
    (required to reject). Shows the plan and the step on GET; acts on POST."""
    if step not in actions.PLAN_STEPS:
        raise Http404(_("No such training plan."))
    plan = access_plan(request.user, pk)
    inspect_url = reverse("training_plan:inspect", args=[plan.pk])
    if request.method != "POST" and step not in actions.plan_steps_for(plan, request.user):
        messages.error(request, _("This step is not available for this plan now."))
        return redirect(inspect_url)
    form = PlanStepForm(request.POST or None, step=step)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = actions.PLAN_STEPS[step](
                    plan, acting_user=request.user, comment=form.cleaned_data["comment"]
                )
            except ValidationError as error:
                _add_action_error(form, error, TrainingPlan)
            else:
                if step == "revise":
                    messages.success(
                        request,
                        _("Revision %(revision)d is a draft: make the changes, then submit it.")
                        % {"revision": result.revision},
                    )
                    return redirect(reverse("training_plan:edit", args=[result.pk]))
                messages.success(
                    request,
                    _("%(plan)s is now %(status)s.")
                    % {"plan": plan, "status": plan.get_status_display()},
                )
                return redirect(inspect_url)
        status = 400
    return TemplateResponse(
        request,
        "training/admin/plan_step.html",
        {
            "plan": plan,
            "form": form,
            "step": step,
            "step_label": PLAN_STEP_LABELS[step],
            "inspect_url": inspect_url,
            "page_title": PLAN_STEP_LABELS[step],
            "page_subtitle": str(plan),
            "header_icon": PLAN_STEP_ICONS[step],
        },
        status=status,
    )


# --- Training classes ------------------------------------------------------------------------


def class_status_url(training_class):
    return reverse("training_class_status", args=[training_class.pk])


class ClassIndexView(generic.IndexView):
    def get_base_queryset(self):
        from lms.enrolment.models import ClassEnrolment

        return (
            admin_classes_visible_to(self.request.user)
            .select_related("institution", "plan", "head_teacher")
            .annotate(
                places_taken=Count(
                    "enrolments",
                    filter=Q(enrolments__status__in=ClassEnrolment.HOLDS_PLACE),
                    distinct=True,
                )
            )
        )

    def get_edit_url(self, instance):
        if instance.status == TrainingClass.Status.ARCHIVED:
            return None
        return super().get_edit_url(instance)

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if actions.allowed_class_statuses(instance, self.request.user):
            buttons.append(
                MenuItem(
                    _("Change status"),
                    url=class_status_url(instance),
                    icon_name="tasks",
                    priority=40,
                )
            )
        return buttons


class ArchivedClassMixin:
    def dispatch(self, request, *args, **kwargs):
        if not self.user_has_permission(self.permission_required):
            return super().dispatch(request, *args, **kwargs)  # refused as usual
        if getattr(self, "object", None) is None:
            self.object = self.get_object()
        if self.object.status == TrainingClass.Status.ARCHIVED:
            messages.error(request, _("An archived class cannot be changed."))
            return redirect(reverse("training_class:inspect", args=[quote(self.object.pk)]))
        return super().dispatch(request, *args, **kwargs)


ClassEditView = scoped(generic.EditView, admin_classes_visible_to, ArchivedClassMixin)
ClassDeleteView = scoped(generic.DeleteView, admin_classes_visible_to, ClassDeletionGuard)
ClassHistoryView = scoped(generic.HistoryView, admin_classes_visible_to)
ClassUsageView = scoped(generic.UsageView, admin_classes_visible_to)


def _status_label(value):
    try:
        return TrainingClass.Status(value).label
    except ValueError:
        return value


def class_status_history(training_class):
    """The class's status changes, newest first, from its audit rows."""
    events = list(
        AuditEvent.objects.filter(
            object_type=TrainingClass._meta.label_lower,
            object_id=str(training_class.pk),
            action="training_class.status_changed",
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")[:50]
    )
    for event in events:
        before, after = (event.changes.get("status") or [None, None])[:2]
        event.from_label, event.to_label = _status_label(before), _status_label(after)
    return events


class ClassInspectView(ScopedInspectMixin, generic.InspectView):
    template_name = "training/admin/class_inspect.html"
    scope = staticmethod(admin_classes_visible_to)

    def get_edit_url(self):
        if self.object.status == TrainingClass.Status.ARCHIVED:
            return None
        return super().get_edit_url()

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if actions.allowed_class_statuses(self.object, self.request.user):
            buttons.append(
                Button(_("Change status"), url=class_status_url(self.object), icon_name="tasks")
            )
        from lms.trainingfile.policy import can_use_training_files

        if can_use_training_files(self.request.user):
            buttons.append(
                Button(
                    _("Training file"),
                    url=reverse("trainingfile_class", args=[self.object.pk]),
                    icon_name="folder-inverse",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        training_class = self.object
        context.update(
            {
                "training_class": training_class,
                "sessions": training_class.sessions.select_related(
                    "venue", "lecturer"
                ).prefetch_related("lessons"),
                "places_taken": actions.places_taken(training_class),
                "history": class_status_history(training_class),
                "status_url": class_status_url(training_class)
                if actions.allowed_class_statuses(training_class, self.request.user)
                else None,
            }
        )
        return context


class ClassStatusForm(forms.Form):
    new_status = forms.ChoiceField(label=gettext_lazy("New status"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the class's history."),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_status"].choices = [(status.value, status.label) for status in choices]


def change_class_status(request, pk):
    """Move a class to its next status (``actions.check_change_class_status``)."""
    training_class = access_admin_class(request.user, pk)
    choices = actions.allowed_class_statuses(training_class, request.user)
    form = ClassStatusForm(request.POST or None, choices=choices)
    status = 200
    if request.method == "POST":
        if not choices:
            raise PermissionDenied(_("You may not change this class's status."))
        if form.is_valid():
            try:
                actions.check_change_class_status(
                    training_class,
                    form.cleaned_data["new_status"],
                    acting_user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _add_action_error(form, error, TrainingClass)
            else:
                messages.success(
                    request,
                    _("%(name)s is now %(status)s.")
                    % {"name": training_class, "status": training_class.get_status_display()},
                )
                return redirect(class_status_url(training_class))
        status = 400
    return TemplateResponse(
        request,
        "training/admin/change_class_status.html",
        {
            "training_class": training_class,
            "form": form,
            "can_change": bool(choices),
            "history": class_status_history(training_class),
            "inspect_url": reverse("training_class:inspect", args=[training_class.pk]),
            "page_title": _("Change status"),
            "page_subtitle": str(training_class),
            "header_icon": "tasks",
        },
        status=status,
    )
