"""Teachers' exam pages (``/exams/teaching/...``): a class's exams and extra time, the grading
queue, results per class (and their XLSX) and item analysis.

Every page loads its object through an ``access_*`` function, so another class's ids get the
same 404 as unknown ones; changes go through ``assessments.actions.grading``.
"""

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.core import xlsx
from lms.trainingfile.documents import render_xlsx

from .actions import grading
from .analysis import class_results, item_analysis
from .models import Attempt, Exam, ExtraTime
from .policy import access_assignment_as_teacher
from .trainingfile_exams import results_report

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
# Shown inline to the grader; anything else (HTML, SVG, PDF, office files) is downloaded.
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M")


class TimesForm(forms.Form):
    opens_at = forms.DateTimeField(
        label=gettext_lazy("Opens at"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput()
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Closes at"),
        input_formats=DATETIME_FORMATS,
        widget=DateTimeLocalInput(),
    )
    counts_for_completion = forms.BooleanField(
        label=gettext_lazy("Counts for the certificate"), required=False
    )


class AssignmentForm(TimesForm):
    exam = forms.ModelChoiceField(label=gettext_lazy("Exam"), queryset=Exam.objects.none())

    field_order = ["exam", "opens_at", "closes_at", "counts_for_completion"]

    def __init__(self, *args, training_class, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exam"].queryset = grading.exams_for_class(training_class)


class ExtraTimeForm(forms.Form):
    user = forms.TypedChoiceField(label=gettext_lazy("Trainee"), coerce=int)
    minutes = forms.IntegerField(
        label=gettext_lazy("Extra minutes"), min_value=1, max_value=grading.MAX_EXTRA_MINUTES
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [
            (e.profile.user_id, e.profile.real_name) for e in enrolments if e.profile.user_id
        ]


def _errors_of(error):
    return list(error.messages)


def _enrolments(training_class):
    from lms.enrolment.models import ClassEnrolment

    return list(
        ClassEnrolment.objects.filter(
            training_class=training_class, status=ClassEnrolment.Status.ENROLLED
        )
        .select_related("profile")
        .order_by("profile__real_name", "pk")
    )


# --- Index -----------------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    """``/exams/teaching/``: the classes whose exams the user runs, and the grading queue."""
    classes = list(
        grading.classes_taught_by(request.user)
        .annotate(exam_count=Count("exam_assignments", distinct=True))
        .order_by("-start_date", "code")[:100]
    )
    return render(
        request,
        "assessments/teaching/index.html",
        {"classes": classes, "waiting": grading.grading_queue(request.user).count()},
    )


# --- Assignments -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def class_assignments(request, class_id):
    """``/exams/teaching/classes/<id>/``: the class's exams; set another one."""
    training_class = grading.access_class_as_teacher(request.user, class_id)
    form = AssignmentForm(
        request.POST if request.method == "POST" else None, training_class=training_class
    )
    errors = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                grading.check_assign_exam(
                    training_class,
                    form.cleaned_data["exam"],
                    opens_at=form.cleaned_data["opens_at"],
                    closes_at=form.cleaned_data["closes_at"],
                    counts_for_completion=form.cleaned_data["counts_for_completion"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                errors = _errors_of(error)
            else:
                messages.success(request, _("The exam is set for the class."))
                return redirect("grading:class_assignments", class_id=training_class.pk)
    assignments = list(
        training_class.exam_assignments.select_related("exam")
        .annotate(
            attempt_count=Count("attempts", distinct=True),
            extra_count=Count("extra_times", distinct=True),
        )
        .order_by("opens_at", "pk")
    )
    return render(
        request,
        "assessments/teaching/assignments.html",
        {
            "training_class": training_class,
            "assignments": assignments,
            "form": form,
            "errors": errors,
            "has_exams": form.fields["exam"].queryset.exists(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_assignment(request, assignment_id):
    """Change an assignment's times until the first trainee starts; or remove it."""
    assignment = access_assignment_as_teacher(request.user, assignment_id)
    initial = {
        "opens_at": timezone.localtime(assignment.opens_at),
        "closes_at": timezone.localtime(assignment.closes_at),
        "counts_for_completion": assignment.counts_for_completion,
    }
    form = TimesForm(request.POST if request.method == "POST" else None, initial=initial)
    errors = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                grading.check_change_assignment(
                    assignment, **form.cleaned_data, acting_user=request.user
                )
            except ValidationError as error:
                errors = _errors_of(error)
            else:
                messages.success(request, _("The exam's times are saved."))
                return redirect("grading:class_assignments", class_id=assignment.training_class_id)
    return render(
        request,
        "assessments/teaching/assignment_edit.html",
        {
            "assignment": assignment,
            "training_class": assignment.training_class,
            "form": form,
            "errors": errors,
            "started": grading.has_started(assignment),
        },
        status=status,
    )


@login_required
@require_POST
def remove_assignment(request, assignment_id):
    assignment = access_assignment_as_teacher(request.user, assignment_id)
    class_id = assignment.training_class_id
    try:
        grading.check_remove_assignment(assignment, acting_user=request.user)
    except ValidationError as error:
        for text in _errors_of(error):
            messages.error(request, text)
    else:
        messages.success(request, _("The exam was removed from the class."))
    return redirect("grading:class_assignments", class_id=class_id)


@login_required
@require_http_methods(["GET", "POST"])
def extra_time(request, assignment_id):
    """``/exams/teaching/assignments/<id>/extra-time/``: extra minutes per trainee."""
    assignment = access_assignment_as_teacher(request.user, assignment_id)
    enrolments = _enrolments(assignment.training_class)
    data = request.POST if request.method == "POST" and "remove" not in request.POST else None
    form = ExtraTimeForm(data, enrolments=enrolments)
    errors = []
    status = 200
    if request.method == "POST":
        status = 400
        if "remove" in request.POST:
            grading.check_remove_extra_time(
                assignment, request.POST.get("remove"), acting_user=request.user
            )
            messages.success(request, _("The extra time was removed."))
            return redirect("grading:extra_time", assignment_id=assignment.pk)
        if form.is_valid():
            try:
                grading.check_set_extra_time(
                    assignment,
                    form.cleaned_data["user"],
                    form.cleaned_data["minutes"],
                    form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                errors = _errors_of(error)
            else:
                messages.success(request, _("The extra time is saved."))
                return redirect("grading:extra_time", assignment_id=assignment.pk)
    names = {e.profile.user_id: e.profile.real_name for e in enrolments}
    extras = [
        (extra, names.get(extra.user_id, ""))
        for extra in ExtraTime.objects.filter(assignment=assignment).order_by("pk")
    ]
    return render(
        request,
        "assessments/teaching/extra_time.html",
        {
            "assignment": assignment,
            "training_class": assignment.training_class,
            "form": form,
            "errors": errors,
            "extras": extras,
        },
        status=status,
    )


# --- Grading ---------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request):
    """``/exams/teaching/grading/``: answers waiting for a score, oldest first."""
    items = list(grading.grading_queue(request.user)[:200])
    return render(request, "assessments/teaching/queue.html", {"items": items})


def safe_link(value):
    """An http(s) link from a practical task's response, or "" (never ``javascript:``)."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.netloc else ""


def response_parts(response):
    """``(text, link)`` of a short answer or practical task, whatever shape it was saved in."""
    if isinstance(response, dict):
        text = response.get("text") or response.get("answer") or ""
        link = response.get("link") or response.get("url") or ""
        return (text if isinstance(text, str) else str(text)), safe_link(link)
    if isinstance(response, str):
        return response, safe_link(response)
    if response is None:
        return "", ""
    return str(response), ""


@login_required
@require_http_methods(["GET", "POST"])
def grade(request, item_id):
    """``/exams/teaching/grading/<item id>/``: one answer with its rubric; grade or regrade."""
    item = grading.access_queue_item(request.user, item_id)
    answer = getattr(item, "answer", None)
    rubric = grading.rubric_of(item)
    errors = []
    status = 200
    entered = [""] * len(rubric)
    if answer is not None and answer.rubric_scores:
        entered = [row.get("score", "") for row in answer.rubric_scores][: len(rubric)]
        entered += [""] * (len(rubric) - len(entered))
    comment = answer.comment if answer is not None else ""
    if request.method == "POST":
        status = 400
        entered = [request.POST.get(f"score_{n}", "") for n in range(len(rubric))]
        comment = request.POST.get("comment", "")
        try:
            grading.check_grade_answer(
                item,
                entered,
                comment,
                acting_user=request.user,
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as error:
            errors = _errors_of(error)
        else:
            messages.success(request, _("The grade is saved."))
            following = grading.next_in_queue(request.user, after=item)
            if following is not None:
                return redirect("grading:grade", item_id=following.pk)
            return redirect("grading:queue")
    text, link = response_parts(answer.response if answer is not None else None)
    return render(
        request,
        "assessments/teaching/grade.html",
        {
            "item": item,
            "attempt": item.attempt,
            "answer": answer,
            "text": text,
            "link": link,
            "criteria": [
                (n, criterion, points, entered[n]) for n, (criterion, points) in enumerate(rubric)
            ],
            "comment": comment,
            "regrade": answer is not None and answer.score is not None,
            "errors": errors,
            "is_image": bool(answer and answer.file and _file_type(answer.file.name)[1]),
        },
        status=status,
    )


def _file_type(name):
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return content_type, content_type in INLINE_IMAGE_TYPES


@login_required
@require_GET
def answer_file(request, item_id):
    """A trainee's uploaded file, for those who grade it: images inline, anything else as a
    download, never run as a page (``nosniff``, a sandboxing CSP)."""
    item = grading.access_queue_item(request.user, item_id)
    answer = getattr(item, "answer", None)
    if answer is None or not answer.file:
        raise Http404(_("No such answer."))
    content_type, inline = _file_type(answer.file.name)
    try:
        handle = answer.file.open("rb")
    except OSError:
        raise Http404(_("No such answer.")) from None
    response = FileResponse(
        handle,
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=PurePosixPath(answer.file.name).name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Results ---------------------------------------------------------------------------------


@login_required
@require_GET
def results(request, class_id):
    """``/exams/teaching/classes/<id>/results/``: every enrolled trainee at every exam."""
    training_class = grading.access_class_as_teacher(request.user, class_id)
    assignments, rows = class_results(training_class)
    return render(
        request,
        "assessments/teaching/results.html",
        {"training_class": training_class, "assignments": assignments, "rows": rows},
    )


@login_required
@require_GET
def results_xlsx(request, class_id):
    training_class = grading.access_class_as_teacher(request.user, class_id)
    assignments, rows = class_results(training_class)
    content = render_xlsx(results_report(training_class, assignments, rows))
    response = HttpResponse(
        content,
        content_type=xlsx.CONTENT_TYPE,
    )
    # Class codes may hold Chinese: the name goes in RFC 6266's ``filename*``.
    response["Content-Disposition"] = content_disposition_header(
        True, f"exam-results-{training_class.code}.xlsx"
    )
    return response


# --- Item analysis ---------------------------------------------------------------------------


@login_required
@require_GET
def assignment_analysis(request, assignment_id):
    assignment = access_assignment_as_teacher(request.user, assignment_id)
    attempts = Attempt.objects.filter(assignment=assignment)
    return render(
        request,
        "assessments/teaching/analysis.html",
        {
            "exam": assignment.exam,
            "assignment": assignment,
            "training_class": assignment.training_class,
            "stats": item_analysis(attempts),
            "graded": attempts.filter(status=Attempt.Status.GRADED).count(),
        },
    )


@login_required
@require_GET
def exam_analysis(request, exam_id):
    """The exam's questions over every class the user teaches that sat it."""
    taught = grading.classes_taught_by(request.user).values("pk")
    try:
        exam = (
            Exam.objects.filter(Q(assignments__training_class__in=taught), pk=int(exam_id))
            .distinct()
            .get()
        )
    except (Exam.DoesNotExist, ValueError, OverflowError):
        raise Http404(_("No such exam.")) from None
    attempts = Attempt.objects.filter(assignment__exam=exam, assignment__training_class__in=taught)
    return render(
        request,
        "assessments/teaching/analysis.html",
        {
            "exam": exam,
            "stats": item_analysis(attempts),
            "graded": attempts.filter(status=Attempt.Status.GRADED).count(),
        },
    )
