"""API endpoints of lms.evaluation under /api/v1/ (see docs/api-drafts/evaluation.md).

The trainee reads the form and answers it; those allowed read a class's results; a lecturer
reads their own ratings. Every endpoint calls the same actions, policy and result functions as
the site pages, and answers the same 404 for unknown classes and classes that are not yours.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from lms.training.policy import access_class_as_trainee

from . import actions, policy, results
from .models import EvaluationReceipt

router = Router(tags=["evaluation"])


# --- Schemas --------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class ScaleOut(Schema):
    value: int
    label: str


class DimensionOut(Schema):
    key: str
    label: str


class LecturerOut(Schema):
    id: int
    name: str
    title: str


class EvaluationFormOut(Schema):
    class_id: int
    class_code: str
    class_name: str
    class_status: str
    open: bool
    answered: bool
    answered_on: date | None
    dimensions: list[DimensionOut]
    scale: list[ScaleOut]
    lecturers: list[LecturerOut]
    max_comments_length: int
    max_lecturer_comment_length: int


class LecturerRatingIn(Schema):
    lecturer_id: int
    score: int | None = None
    comment: str = ""


class EvaluationIn(Schema):
    content: int | None = None
    organisation: int | None = None
    venue: int | None = None
    practicality: int | None = None
    overall: int | None = None
    comments: str = ""
    lecturers: list[LecturerRatingIn] = []


class AnsweredOut(Schema):
    answered: bool
    answered_on: date


class ScoreCountOut(Schema):
    score: int
    label: str
    count: int
    percent: float | None


class DimensionResultOut(Schema):
    key: str
    label: str
    average: float | None
    distribution: list[ScoreCountOut]


class LecturerResultOut(Schema):
    id: int
    name: str
    title: str
    average: float | None
    count: int
    comments: list[str]


class NonAnswererOut(Schema):
    name: str
    village: str


class ClassResultsOut(Schema):
    class_id: int
    class_code: str
    class_name: str
    answered: int
    enrolled: int
    shown: bool
    min_answers: int
    satisfaction_rate: float | None
    dimensions: list[DimensionResultOut]
    lecturers: list[LecturerResultOut]
    comments: list[str]
    non_answerers: list[NonAnswererOut] | None


class LecturerRatingsOut(Schema):
    lecturer_id: int
    name: str
    count: int
    classes: int
    shown: bool
    min_answers: int
    average: float | None
    distribution: list[ScoreCountOut]
    comments: list[str]


# --- Helpers --------------------------------------------------------------------------------


def _number(value):
    return None if value is None else float(value)


def _distribution_out(distribution):
    return [
        {
            "score": row.score,
            "label": row.label,
            "count": row.count,
            "percent": _number(row.percent),
        }
        for row in distribution
    ]


def _error(error):
    """A ``ValidationError`` as the API's 400 body: every message in ``detail``, and per field
    in ``errors`` (``__all__`` for the form as a whole)."""
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return Status(400, {"detail": " ".join(error.messages), "errors": errors})


# --- Endpoints ------------------------------------------------------------------------------


@router.get(
    "/classes/{class_id}/evaluation",
    response={200: EvaluationFormOut, 404: ErrorOut},
    summary="The satisfaction evaluation form of a class (enrolled trainees)",
)
def get_evaluation_form(request, class_id: int):
    training_class, enrolment = access_class_as_trainee(request.auth, class_id)
    receipt = EvaluationReceipt.objects.filter(enrolment=enrolment).only("submitted_on").first()
    return {
        "class_id": training_class.pk,
        "class_code": training_class.code,
        "class_name": training_class.name,
        "class_status": training_class.status,
        "open": actions.is_open(training_class),
        "answered": receipt is not None,
        "answered_on": receipt.submitted_on if receipt else None,
        "dimensions": [{"key": key, "label": str(label)} for key, label in actions.DIMENSIONS],
        "scale": [{"value": value, "label": str(label)} for value, label in actions.SCALE],
        "lecturers": [
            {"id": lecturer.pk, "name": lecturer.name, "title": lecturer.title}
            for lecturer in training_class.lecturers.order_by("name", "pk")
        ],
        "max_comments_length": actions.MAX_COMMENTS_LENGTH,
        "max_lecturer_comment_length": actions.MAX_LECTURER_COMMENT_LENGTH,
    }


@router.post(
    "/classes/{class_id}/evaluation",
    response={201: AnsweredOut, 400: ErrorOut, 404: ErrorOut},
    summary="Answer the satisfaction evaluation (once per trainee per class)",
)
def post_evaluation(request, class_id: int, payload: EvaluationIn):
    training_class, enrolment = access_class_as_trainee(request.auth, class_id)
    answers = payload.model_dump()
    try:
        receipt = actions.check_submit_evaluation(
            training_class, enrolment, answers, acting_user=request.auth
        )
    except PermissionDenied:
        raise Http404(_("No such class.")) from None
    except ValidationError as error:
        return _error(error)
    return Status(201, {"answered": True, "answered_on": receipt.submitted_on})


@router.get(
    "/classes/{class_id}/evaluation/results",
    response={200: ClassResultsOut, 404: ErrorOut},
    summary="A class's evaluation results (head teacher, institution staff, officers)",
)
def get_class_results(request, class_id: int):
    training_class = policy.access_class_results(request.auth, class_id)
    figures = results.class_results(training_class)
    non_answerers = None
    if policy.can_see_non_answerers(request.auth, training_class):
        non_answerers = [
            {"name": enrolment.profile.real_name, "village": enrolment.profile.village.name}
            for enrolment in results.non_answerers(training_class)
        ]
    return {
        "class_id": training_class.pk,
        "class_code": training_class.code,
        "class_name": training_class.name,
        "answered": figures.answered,
        "enrolled": figures.enrolled,
        "shown": figures.shown,
        "min_answers": figures.min_answers,
        "satisfaction_rate": _number(figures.satisfaction_rate),
        "dimensions": [
            {
                "key": dimension.key,
                "label": dimension.label,
                "average": _number(dimension.average),
                "distribution": _distribution_out(dimension.distribution),
            }
            for dimension in figures.dimensions
        ],
        "lecturers": [
            {
                "id": lecturer.lecturer_id,
                "name": lecturer.name,
                "title": lecturer.title,
                "average": _number(lecturer.average),
                "count": lecturer.count,
                "comments": lecturer.comments,
            }
            for lecturer in figures.lecturers
        ],
        "comments": figures.comments,
        "non_answerers": non_answerers,
    }


@router.get(
    "/lecturers/me/ratings",
    response={200: LecturerRatingsOut, 404: ErrorOut},
    summary="The signed-in lecturer's own ratings over all classes",
)
def get_my_ratings(request):
    lecturer = policy.access_own_lecturer(request.auth)
    summary = results.lecturer_summary(lecturer)
    return {
        "lecturer_id": lecturer.pk,
        "name": lecturer.name,
        "count": summary.count,
        "classes": summary.classes,
        "shown": summary.shown,
        "min_answers": summary.min_answers,
        "average": _number(summary.average),
        "distribution": _distribution_out(summary.distribution),
        "comments": summary.comments,
    }
