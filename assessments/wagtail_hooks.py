"""The exams' screens in Wagtail's admin: the question bank and exam definitions.

Lecturers see and edit only the questions and exams of the courses they teach; administrators
all (``admin_views.BankPermissionPolicy`` and the scoped views). A question that an exam or an
attempt used is retired, never deleted. The XLSX template, import and export sit beside the
question list. Grading and certificates add their own screens from ``grading_hooks`` and
``certificate_hooks`` (imported at the end).
"""

from importlib import import_module

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from . import admin_views
from .actions.bank import OPTION_KEYS
from .forms_bank import ExamForm, QuestionForm
from .models import Exam, Question

register_permission_policy(Question, admin_views.BankPermissionPolicy(Question))
register_permission_policy(Exam, admin_views.BankPermissionPolicy(Exam))


class QuestionViewSet(ModelViewSet):
    """The question bank, per course and tier, tagged by topic and difficulty."""

    model = Question
    icon = "help"
    menu_label = _("Question bank")
    menu_order = 100
    url_prefix = "assessments/questions"
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = admin_views.QuestionIndexView
    add_view_class = admin_views.QuestionCreateView
    edit_view_class = admin_views.QuestionEditView
    delete_view_class = admin_views.QuestionDeleteView
    history_view_class = admin_views.QuestionHistoryView
    usage_view_class = admin_views.QuestionUsageView
    inspect_view_class = admin_views.QuestionInspectView
    filterset_class = admin_views.QuestionFilterSet
    list_display = ["text", "kind", "topic", "difficulty", "points", "course", "is_active"]
    search_fields = ["text", "topic"]
    search_backend_name = None
    inspect_view_fields = [
        "course",
        "tier",
        "kind",
        "topic",
        "difficulty",
        "text",
        "options",
        "correct",
        "rubric",
        "points",
        "feedback",
        "is_active",
        "created_by",
        "created_at",
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("course"),
                    FieldRowPanel(
                        [FieldPanel("kind"), FieldPanel("topic"), FieldPanel("difficulty")]
                    ),
                    FieldPanel("text"),
                    FieldPanel("points"),
                ],
                heading=_("Question"),
            ),
            MultiFieldPanel(
                [FieldPanel(f"option_{key.lower()}") for key in OPTION_KEYS],
                heading=_("Options (choice questions)"),
            ),
            MultiFieldPanel(
                [FieldPanel("correct_answer"), FieldPanel("rubric_text"), FieldPanel("feedback")],
                heading=_("Answer and grading"),
            ),
        ],
        base_form_class=QuestionForm,
    )


class ExamViewSet(ModelViewSet):
    """Exam definitions: fixed questions or a random draw, time, attempts and pass mark. They
    are set before classes elsewhere (an exam assignment)."""

    model = Exam
    icon = "form"
    menu_label = _("Exams")
    menu_order = 110
    url_prefix = "assessments/exams"
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = admin_views.ExamIndexView
    add_view_class = admin_views.ExamCreateView
    edit_view_class = admin_views.ExamEditView
    delete_view_class = admin_views.ExamDeleteView
    history_view_class = admin_views.ExamHistoryView
    usage_view_class = admin_views.ExamUsageView
    inspect_view_class = admin_views.ExamInspectView
    list_display = ["title", "course", "tier", "purpose", "mode", "time_limit_minutes", "pass_mark"]
    list_filter = ["tier", "purpose", "mode"]
    search_fields = ["title"]
    search_backend_name = None
    inspect_view_fields = [
        "title",
        "course",
        "tier",
        "purpose",
        "mode",
        "time_limit_minutes",
        "attempts_allowed",
        "grading_method",
        "pass_mark",
        "shuffle_questions",
        "shuffle_options",
        "review",
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("title"), FieldPanel("course"), FieldPanel("purpose")],
                heading=_("Exam"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("time_limit_minutes"),
                            FieldPanel("attempts_allowed"),
                            FieldPanel("grading_method"),
                            FieldPanel("pass_mark"),
                        ]
                    ),
                    FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                    FieldPanel("review"),
                ],
                heading=_("Rules"),
            ),
            MultiFieldPanel(
                [FieldPanel("mode"), FieldPanel("questions"), FieldPanel("draw_rules")],
                heading=_("Questions"),
            ),
        ],
        base_form_class=ExamForm,
    )


class ExamsGroup(ViewSetGroup):
    menu_label = _("Exams")
    menu_icon = "form"
    menu_order = 240
    items = (QuestionViewSet("assessments_question"), ExamViewSet("assessments_exam"))


@hooks.register("register_admin_viewset")
def register_exam_viewsets():
    return ExamsGroup()


@hooks.register("register_admin_urls")
def register_bank_admin_urls():
    return [
        path(
            "assessments/questions/<int:pk>/retire/",
            admin_views.retire_question,
            name="assessments_question_retire",
        ),
        path(
            "assessments/questions/<int:pk>/reactivate/",
            admin_views.retire_question,
            {"active": True},
            name="assessments_question_reactivate",
        ),
        path(
            "assessments/questions/import/",
            admin_views.import_questions,
            name="assessments_questions_import",
        ),
        path(
            "assessments/questions/export/",
            admin_views.export_questions,
            name="assessments_questions_export",
        ),
        path(
            "assessments/questions/template/",
            admin_views.questions_template,
            name="assessments_questions_template",
        ),
    ]


# Grading (H3) and certificates (H4) register their own screens in these modules; one not
# written yet must not break the admin (but an error inside one must still show).
for _module in ("grading_hooks", "certificate_hooks"):
    try:
        import_module(f"{__package__}.{_module}")
    except ModuleNotFoundError as error:
        if error.name != f"{__package__}.{_module}":
            raise
