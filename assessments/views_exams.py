"""Trainees' exam pages: the start page, the attempt (all questions on one page) and the result.

The attempt page works without JavaScript: its form saves every changed answer (and submits
with the "hand in" button). With JavaScript, ``static/js/exam.js`` saves each answer as it
changes through the API, keeps unsent answers on the phone and shows the time left.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import policy
from .actions import attempts as actions
from .models import Attempt, QuestionKind


@login_required
@require_http_methods(["GET", "POST"])
def start(request, assignment_id):
    """``/exams/assignments/<id>/``: what the exam is, the trainee's attempts, and "start"."""
    assignment = policy.access_assignment_as_trainee(request.user, assignment_id)
    errors = []
    status = 200
    if request.method == "POST":
        try:
            attempt, _created = actions.check_start_attempt(request.user, assignment.pk)
        except ValidationError as error:
            errors = error.messages
            status = 400
        else:
            return redirect("exams:attempt", attempt_id=attempt.pk)
    attempts = [
        actions.close_if_overdue(attempt)  # past its deadline: handed in, not "continue"
        for attempt in Attempt.objects.filter(assignment=assignment, user=request.user).order_by(
            "number"
        )
    ]
    now = timezone.now()
    open_attempt = next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None)
    return render(
        request,
        "assessments/exams/start.html",
        {
            "assignment": assignment,
            "exam": assignment.exam,
            "training_class": assignment.training_class,
            "attempts": attempts,
            "open_attempt": open_attempt,
            "attempts_left": max(0, assignment.exam.attempts_allowed - len(attempts)),
            "is_open": assignment.opens_at <= now < assignment.closes_at,
            "not_yet_open": now < assignment.opens_at,
            "errors": errors,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def attempt_page(request, attempt_id):
    """``/exams/attempts/<id>/``: every question of the paper; the form saves all answers."""
    attempt = actions.close_if_overdue(policy.access_own_attempt(request.user, attempt_id))
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return redirect("exams:result", attempt_id=attempt.pk)
    item_errors = {}
    status = 200
    if request.method == "POST":
        try:
            item_errors = _save_form(request, attempt)
        except ValidationError as error:  # late: the attempt was handed in as it stood
            messages.error(request, " ".join(error.messages))
            return redirect("exams:result", attempt_id=attempt.pk)
        if item_errors:
            status = 400
        elif request.POST.get("action") == "submit":
            actions.check_submit_attempt(request.user, attempt.pk)
            messages.success(request, _("Your answers have been handed in."))
            return redirect("exams:result", attempt_id=attempt.pk)
        else:
            messages.success(request, _("Your answers have been saved."))
            return redirect("exams:attempt", attempt_id=attempt.pk)
    items = actions.paper_items(attempt)
    for item in items:
        item["error"] = item_errors.get(item["id"], "")
        item["link"] = (
            (item["response"] or {}).get("link", "") if item["kind"] == "practical" else ""
        )
    return render(
        request,
        "assessments/exams/attempt.html",
        {
            "attempt": attempt,
            "exam": attempt.assignment.exam,
            "training_class": attempt.assignment.training_class,
            "items": items,
            "has_errors": bool(item_errors),
            "server_now": timezone.now(),
            "remaining_seconds": actions.remaining_seconds(attempt),
            "api_base": reverse("api-v1:get_attempt", args=[attempt.pk]),
            # The phone refuses a file over the server's limit with the server's own words.
            "max_file_bytes": actions.MAX_FILE_BYTES,
            "file_too_large_message": actions.FILE_TOO_LARGE_MESSAGE,
        },
        status=status,
    )


def _save_form(request, attempt):
    """Save each answer the form changed; ``{item_id: message}`` for those refused."""
    errors = {}
    for item in actions.paper_items(attempt):
        response = _form_response(item, request.POST)
        upload = request.FILES.get(f"f{item['id']}")
        if response == item["response"] and upload is None:
            continue
        try:
            version = int(request.POST.get(f"v{item['id']}", ""))
        except ValueError:
            version = None
        try:
            actions.check_save_answer(
                request.user, attempt.pk, item["id"], response, version, file=upload
            )
        except actions.AnswerConflict as conflict:
            errors[item["id"]] = str(conflict)
        except ValidationError as error:
            if error.error_list[0].code == "late":
                raise
            errors[item["id"]] = " ".join(error.messages)
    return errors


def _form_response(item, data):
    name = f"q{item['id']}"
    kind = item["kind"]
    if kind == QuestionKind.MULTIPLE:
        return sorted(data.getlist(name)) or None
    value = data.get(name, "")
    if kind == QuestionKind.TRUE_FALSE:
        return {"true": True, "false": False}.get(value)
    if kind == QuestionKind.PRACTICAL:
        return {"link": value.strip()} if value.strip() else None
    if kind in (QuestionKind.FILL_IN, QuestionKind.SHORT_ANSWER):
        return value.strip() or None
    return value or None


@login_required
@require_GET
def result(request, attempt_id):
    """``/exams/attempts/<id>/result/``: the score, and the review once it is allowed."""
    attempt = actions.close_if_overdue(policy.access_own_attempt(request.user, attempt_id))
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return redirect("exams:attempt", attempt_id=attempt.pk)
    allowed = actions.review_allowed(attempt)
    assignment = attempt.assignment
    return render(
        request,
        "assessments/exams/result.html",
        {
            "attempt": attempt,
            "exam": assignment.exam,
            "assignment": assignment,
            "training_class": assignment.training_class,
            "review_allowed": allowed,
            "items": actions.review_items(attempt) if allowed else [],
        },
    )
