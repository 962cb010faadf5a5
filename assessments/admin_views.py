"""The question bank's and the exams' admin screens beyond the generic ones.

- ``BankPermissionPolicy``: lecturers with a course and administrators may use the bank at
  all; each row only for a course they may edit (``policy.can_edit_bank``).
- View classes for the viewsets in ``wagtail_hooks``: every one loads its rows through
  ``bank.questions_visible_to`` / ``bank.exams_visible_to``, so another lecturer's question gets
  the same 404 as an unknown one; saving goes through ``actions.bank``.
- ``retire_question`` at ``/admin/assessments/questions/<id>/retire/`` (and ``.../reactivate/``).
- ``import_questions``, ``export_questions`` and ``questions_template`` under
  ``/admin/assessments/questions/``: the XLSX template, export and all-or-nothing import.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import CharFilter, ModelChoiceFilter
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import BasePermissionPolicy

from lms.core import xlsx
from lms.training.admin_views import GuardedDeleteMixin, scoped
from lms.training.policy import is_administrator

from .actions import bank
from .forms_bank import ExportQuestionsForm, ImportQuestionsForm
from .models import Question
from .policy import bank_courses_of, can_edit_bank

XLSX = xlsx.CONTENT_TYPE


def may_use_bank(user):
    """Administrators, and lecturers with at least one course (cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_may_use_bank", None)
    if cached is None:
        cached = is_administrator(user) or bank_courses_of(user).exists()
        user._may_use_bank = cached
    return cached


class BankPermissionPolicy(BasePermissionPolicy):
    """Questions and exams: per course, whatever Django model permissions a user holds."""

    def user_has_permission(self, user, action):
        return may_use_bank(user)

    def user_has_any_permission(self, user, actions):
        return may_use_bank(user)

    def users_with_any_permission(self, actions):
        return (
            get_user_model()
            .objects.filter(
                Q(is_superuser=True)
                | Q(groups__name="administrator")
                | Q(lecturer__courses__isnull=False)
            )
            .distinct()
        )

    def user_has_permission_for_instance(self, user, action, instance):
        return may_use_bank(user) and can_edit_bank(user, instance.course)

    def instances_user_has_any_permission_for(self, user, actions):
        return self.model._default_manager.filter(course__in=bank_courses_of(user))


# --- Questions -------------------------------------------------------------------------------


class QuestionFilterSet(WagtailFilterSet):
    course = ModelChoiceFilter(
        label=gettext_lazy("course"), queryset=lambda request: bank_courses_of(request.user)
    )
    topic = CharFilter(label=gettext_lazy("topic"), lookup_expr="icontains")

    class Meta:
        model = Question
        fields = ["course", "tier", "topic", "difficulty", "kind", "is_active"]


class ActionSaveMixin:
    """Save through ``save`` (an action) instead of Wagtail's generic save; show its errors."""

    def save_instance(self):
        return self.save_with_action(self.form)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                for name, messages_ in error.message_dict.items():
                    for message in messages_:
                        form.add_error(name if name in form.fields else None, message)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class QuestionSaveMixin(ActionSaveMixin):
    def save_with_action(self, form):
        return bank.check_save_question(form.instance, acting_user=self.request.user)


def retire_url(question):
    step = "reactivate" if not question.is_active else "retire"
    return reverse(f"assessments_question_{step}", args=[question.pk])


def retire_label(question):
    return _("Put back in use") if not question.is_active else _("Retire")


class QuestionIndexView(generic.IndexView):
    def get_base_queryset(self):
        return bank.questions_visible_to(self.request.user).select_related("course")

    @cached_property
    def header_more_buttons(self):
        return [
            *super().header_more_buttons,
            Button(
                _("Import or export (XLSX)"),
                url=reverse("assessments_questions_import"),
                icon_name="upload",
            ),
        ]

    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            MenuItem(
                retire_label(instance), url=retire_url(instance), icon_name="lock", priority=40
            ),
        ]


class QuestionDeletionGuard(GuardedDeleteMixin):
    def deletion_refusal(self, question):
        if bank.question_in_use(question):
            return _(
                "This question has been used in an exam, so it cannot be deleted; retire it "
                "instead."
            )
        return None

    def delete_action(self):
        bank.check_delete_question(self.object, acting_user=self.request.user)


class QuestionEditBase(QuestionSaveMixin, generic.EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(
            Button(retire_label(self.object), url=retire_url(self.object), icon_name="lock")
        )
        return buttons


class QuestionDeleteBase(QuestionDeletionGuard, generic.DeleteView):
    pass


QuestionCreateView = type("QuestionCreateView", (QuestionSaveMixin, generic.CreateView), {})
QuestionEditView = scoped(QuestionEditBase, bank.questions_visible_to)
QuestionDeleteView = scoped(QuestionDeleteBase, bank.questions_visible_to)
QuestionHistoryView = scoped(generic.HistoryView, bank.questions_visible_to)
QuestionUsageView = scoped(generic.UsageView, bank.questions_visible_to)
QuestionInspectView = scoped(generic.InspectView, bank.questions_visible_to)


def _access_question(user, pk):
    try:
        return bank.questions_visible_to(user).select_related("course").get(pk=pk)
    except Question.DoesNotExist:
        raise bank.no_such_question() from None


def retire_question(request, pk, active=False):
    """Confirm on GET; on POST retire the question (or put it back in use)."""
    question = _access_question(request.user, pk)
    if request.method == "POST":
        bank.do_retire_question(question, acting_user=request.user, active=active)
        messages.success(
            request,
            _("The question is in use again.") if active else _("The question is retired."),
        )
        return redirect(reverse("assessments_question:index"))
    return TemplateResponse(
        request,
        "assessments/admin/retire_question.html",
        {
            "question": question,
            "active": active,
            "in_use": bank.question_in_use(question),
            "page_title": retire_label(question),
            "page_subtitle": str(question),
            "header_icon": "lock",
            "index_url": reverse("assessments_question:index"),
        },
    )


# --- Exams -----------------------------------------------------------------------------------


class ExamSaveMixin(ActionSaveMixin):
    def save_with_action(self, form):
        return bank.check_save_exam(
            form.instance,
            form.ordered_questions(),
            form.cleaned_data["draw_rules"],
            acting_user=self.request.user,
        )


class ExamIndexView(generic.IndexView):
    def get_base_queryset(self):
        return bank.exams_visible_to(self.request.user).select_related("course")


class ExamDeletionGuard(GuardedDeleteMixin):
    def deletion_refusal(self, exam):
        if exam.assignments.exists():
            return _("This exam has been set before a class and cannot be deleted.")
        return None

    def delete_action(self):
        bank.do_delete_exam(self.object, acting_user=self.request.user)


ExamCreateView = type("ExamCreateView", (ExamSaveMixin, generic.CreateView), {})
ExamEditView = scoped(generic.EditView, bank.exams_visible_to, ExamSaveMixin)
ExamDeleteView = scoped(generic.DeleteView, bank.exams_visible_to, ExamDeletionGuard)
ExamHistoryView = scoped(generic.HistoryView, bank.exams_visible_to)
ExamUsageView = scoped(generic.UsageView, bank.exams_visible_to)
ExamInspectView = scoped(generic.InspectView, bank.exams_visible_to)


# --- XLSX ------------------------------------------------------------------------------------


def _xlsx_response(data, filename):
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _require_bank(user):
    if not may_use_bank(user):
        raise Http404(_("No such course."))


def questions_template(request):
    _require_bank(request.user)
    return _xlsx_response(bank.template_xlsx(), "question-bank-template.xlsx")


def export_questions(request):
    _require_bank(request.user)
    form = ExportQuestionsForm(request.GET, user=request.user)
    if not form.is_valid():
        raise Http404(_("No such course."))
    course = form.cleaned_data["course"]
    return _xlsx_response(bank.export_questions(course), f"question-bank-{course.pk}.xlsx")


def import_questions(request):
    """Upload a filled-in template for one course; all rows or none are saved."""
    _require_bank(request.user)
    form = ImportQuestionsForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = bank.check_import_questions(
                    form.cleaned_data["course"], form.cleaned_data["file"], acting_user=request.user
                )
            except ValidationError as error:
                form.add_error("file", error)
        if report is not None and report.ok:
            messages.success(
                request,
                _("%(count)d questions imported into %(course)s.")
                % {"count": report.saved, "course": form.cleaned_data["course"]},
            )
            return redirect(reverse("assessments_question:index"))
        status = 400
    return TemplateResponse(
        request,
        "assessments/admin/import_questions.html",
        {
            "form": form,
            "report": report,
            "export_form": ExportQuestionsForm(user=request.user),
            "page_title": _("Import questions"),
            "header_icon": "upload",
            "template_url": reverse("assessments_questions_template"),
            "export_url": reverse("assessments_questions_export"),
            "index_url": reverse("assessments_question:index"),
        },
        status=status,
    )
