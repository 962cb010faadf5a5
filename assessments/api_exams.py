"""The exams API (``/api/v1/exams/...``): start, read the paper, save an answer, submit, result.

The same actions as the site pages (``assessments.actions.attempts``). Another trainee's
attempt, an unknown attempt and a question outside the attempt all answer the same 404. The
paper never carries the correct answers or feedback; the result carries them only once review
is allowed (the exam's ``review`` setting).
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from . import policy
from .actions import attempts as actions
from .models import Attempt, ExamAssignment

router = Router(tags=["exams"])


# --- Schemas --------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    code: str | None = None


class ConflictOut(Schema):
    detail: str
    code: str
    version: int
    response: Any = None


class OptionOut(Schema):
    key: str
    text: str


class ItemOut(Schema):
    id: int
    position: int
    kind: str
    text: str
    points: Decimal
    options: list[OptionOut]
    response: Any = None
    version: int
    file_name: str


class ReviewItemOut(ItemOut):
    correct: list[Any]
    feedback: str
    score: Decimal | None
    comment: str


class AttemptOut(Schema):
    id: int
    assignment_id: int
    exam_title: str
    number: int
    status: str
    started_at: datetime
    deadline: datetime
    server_now: datetime
    remaining_seconds: int
    items: list[ItemOut]


class MyAssignmentOut(Schema):
    id: int
    exam_title: str
    class_id: int
    class_name: str
    opens_at: datetime
    closes_at: datetime
    time_limit_minutes: int
    attempts_allowed: int
    attempts_used: int
    state: str
    open_attempt_id: int | None
    last_attempt_id: int | None


class AnswerIn(Schema):
    response: Any = None
    version: int


class AnswerOut(Schema):
    item_id: int
    version: int
    response: Any = None
    saved_at: datetime
    file_name: str


class ResultOut(Schema):
    id: int
    exam_title: str
    number: int
    status: str
    submitted_at: datetime | None
    auto_submitted: bool
    score: Decimal | None
    max_score: Decimal
    percent: Decimal | None
    passed: bool | None
    pass_mark: Decimal
    review_allowed: bool
    items: list[ReviewItemOut] | None


# --- Helpers --------------------------------------------------------------------------------


def _error(error):
    code = error.error_list[0].code if hasattr(error, "error_list") else None
    return Status(400, {"detail": " ".join(error.messages), "code": code or "invalid"})


def _conflict(conflict):
    return Status(
        409,
        {
            "detail": str(conflict),
            "code": "conflict",
            "version": conflict.version,
            "response": conflict.response,
        },
    )


def _attempt_out(attempt):
    now = timezone.now()
    return {
        "id": attempt.pk,
        "assignment_id": attempt.assignment_id,
        "exam_title": attempt.assignment.exam.title,
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "server_now": now,
        "remaining_seconds": actions.remaining_seconds(attempt, now),
        "items": actions.paper_items(attempt),
    }


def _result_out(attempt):
    allowed = actions.review_allowed(attempt)
    return {
        "id": attempt.pk,
        "exam_title": attempt.assignment.exam.title,
        "number": attempt.number,
        "status": attempt.status,
        "submitted_at": attempt.submitted_at,
        "auto_submitted": attempt.auto_submitted,
        "score": attempt.score if attempt.status == Attempt.Status.GRADED else None,
        "max_score": attempt.max_score,
        "percent": attempt.percent,
        "passed": attempt.passed,
        "pass_mark": attempt.assignment.exam.pass_mark,
        "review_allowed": allowed,
        "items": actions.review_items(attempt) if allowed else None,
    }


def _answer_out(answer):
    return {
        "item_id": answer.item_id,
        "version": answer.version,
        "response": answer.response,
        "saved_at": answer.saved_at,
        "file_name": answer.file.name.rsplit("/", 1)[-1] if answer.file else "",
    }


# --- Endpoints ------------------------------------------------------------------------------


@router.get(
    "/exams/assignments",
    response={200: list[MyAssignmentOut]},
    summary="The signed-in trainee's exams in the classes they are enrolled in",
)
def my_assignments(request):
    from lms.enrolment.models import ClassEnrolment

    from .panels_exams import assignment_rows

    assignments = list(
        ExamAssignment.objects.filter(
            training_class__enrolments__profile__user=request.auth,
            training_class__enrolments__status=ClassEnrolment.Status.ENROLLED,
        )
        .select_related("exam", "training_class")
        .order_by("opens_at", "pk")
        .distinct()
    )
    return [
        {
            "id": row["assignment"].pk,
            "exam_title": row["exam"].title,
            "class_id": row["assignment"].training_class_id,
            "class_name": row["assignment"].training_class.name,
            "opens_at": row["assignment"].opens_at,
            "closes_at": row["assignment"].closes_at,
            "time_limit_minutes": row["exam"].time_limit_minutes,
            "attempts_allowed": row["exam"].attempts_allowed,
            "attempts_used": row["attempts_used"],
            "state": row["state"],
            "open_attempt_id": row["open_attempt"].pk if row["open_attempt"] else None,
            "last_attempt_id": row["last_attempt"].pk if row["last_attempt"] else None,
        }
        for row in assignment_rows(request.auth, assignments)
    ]


@router.post(
    "/exams/assignments/{assignment_id}/attempts",
    response={200: AttemptOut, 201: AttemptOut, 400: ErrorOut, 404: ErrorOut},
    summary="Start an attempt (or resume the open one: 200)",
)
def start_attempt(request, assignment_id: int):
    try:
        attempt, created = actions.check_start_attempt(request.auth, assignment_id)
    except ValidationError as error:
        return _error(error)
    return Status(201 if created else 200, _attempt_out(attempt))


@router.get(
    "/exams/attempts/{attempt_id}",
    response={200: AttemptOut, 404: ErrorOut},
    summary="The attempt's paper with the trainee's own answers (never the correct ones)",
)
def get_attempt(request, attempt_id: int):
    attempt = policy.access_own_attempt(request.auth, attempt_id)
    return _attempt_out(actions.close_if_overdue(attempt))


@router.put(
    "/exams/attempts/{attempt_id}/answers/{item_id}",
    response={200: AnswerOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Save one answer (send the version you last saw)",
)
def save_answer(request, attempt_id: int, item_id: int, payload: AnswerIn):
    try:
        answer = actions.check_save_answer(
            request.auth, attempt_id, item_id, payload.response, payload.version
        )
    except actions.AnswerConflict as conflict:
        return _conflict(conflict)
    except ValidationError as error:
        return _error(error)
    return _answer_out(answer)


@router.post(
    "/exams/attempts/{attempt_id}/answers/{item_id}/file",
    response={200: AnswerOut, 400: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="Save a practical task's answer with a file (multipart: version, link, file)",
)
def save_answer_file(
    request,
    attempt_id: int,
    item_id: int,
    version: Form[int],
    link: Form[str | None] = None,
    file: File[UploadedFile] = None,
):
    # Without ``link`` the stored link stays (docs/api.md); an empty one clears it.
    response = actions.KEEP if link is None else {"link": link}
    try:
        answer = actions.check_save_answer(
            request.auth, attempt_id, item_id, response, version, file=file
        )
    except actions.AnswerConflict as conflict:
        return _conflict(conflict)
    except ValidationError as error:
        return _error(error)
    return _answer_out(answer)


@router.post(
    "/exams/attempts/{attempt_id}/submit",
    response={200: ResultOut, 404: ErrorOut},
    summary="Submit the attempt (a second submission returns the same result)",
)
def submit_attempt(request, attempt_id: int):
    return _result_out(actions.check_submit_attempt(request.auth, attempt_id))


@router.get(
    "/exams/attempts/{attempt_id}/result",
    response={200: ResultOut, 400: ErrorOut, 404: ErrorOut},
    summary="The attempt's result; the review (correct answers, feedback) once allowed",
)
def get_result(request, attempt_id: int):
    attempt = policy.access_own_attempt(request.auth, attempt_id)
    attempt = actions.close_if_overdue(attempt)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        return Status(
            400,
            {"detail": str(actions.NOT_SUBMITTED_MESSAGE), "code": "in_progress"},
        )
    return _result_out(attempt)
