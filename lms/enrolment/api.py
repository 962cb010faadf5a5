"""API endpoints of lms.enrolment under /api/v1/ (see docs/api.md).

- ``GET /enrolling-classes``: classes taking enrolments (public facts) and the caller's status;
- ``POST /classes/{id}/apply``: apply to a class (the same rules and messages as the site);
- ``DELETE /classes/{id}/application``: withdraw one's own pending application.

Unknown classes and classes not taking enrolments answer the same 404.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Router, Schema
from ninja.responses import Status

from lms.training.models import TrainingClass

from . import actions
from .eligibility import eligibility_problems, rules_summary
from .models import ClassEnrolment
from .policy import access_enrolling_class, enrolling_classes, profile_of, with_places

router = Router(tags=["enrolment"])


class ErrorOut(Schema):
    detail: str
    code: str | None = None
    reasons: list[str] = []


def _refusal(error):
    """A ``ValidationError`` as the API's 400 body: every reason, and the code if just one."""
    codes = (
        {getattr(e, "code", None) for e in error.error_list}
        if not hasattr(error, "error_dict")
        else set()
    )
    return {
        "detail": " ".join(error.messages),
        "code": codes.pop() if len(codes) == 1 else None,
        "reasons": error.messages,
    }


class EnrollingClassOut(Schema):
    id: int
    code: str
    name: str
    tier: str
    tier_label: str
    institution: str
    start_date: date
    end_date: date
    capacity: int
    places_left: int
    rules: list[str]
    eligible: bool | None
    problems: list[str]
    my_status: str | None


class ApplicationOut(Schema):
    id: int
    class_id: int
    status: str
    status_label: str


def _application_out(enrolment):
    return {
        "id": enrolment.pk,
        "class_id": enrolment.training_class_id,
        "status": enrolment.status,
        "status_label": str(enrolment.get_status_display()),
    }


@router.get(
    "/enrolling-classes",
    response=list[EnrollingClassOut],
    summary="Classes taking enrolments, with places left and whether I may apply",
)
def list_enrolling_classes(request):
    user = request.auth
    classes = list(with_places(enrolling_classes().select_related("institution", "plan")))
    profile = profile_of(user)
    mine = {}
    if profile is not None and classes:
        mine = dict(
            ClassEnrolment.objects.filter(
                profile=profile, training_class__in=[c.pk for c in classes]
            ).values_list("training_class_id", "status")
        )
    out = []
    for training_class in classes:
        problems = eligibility_problems(profile, training_class) if profile else []
        out.append(
            {
                "id": training_class.pk,
                "code": training_class.code,
                "name": training_class.name,
                "tier": training_class.tier,
                "tier_label": str(training_class.get_tier_display()),
                "institution": training_class.institution.legal_name,
                "start_date": training_class.start_date,
                "end_date": training_class.end_date,
                "capacity": training_class.capacity,
                "places_left": max(training_class.capacity - training_class.places_held, 0),
                "rules": rules_summary(training_class),
                "eligible": (not problems) if profile is not None else None,
                "problems": problems,
                "my_status": mine.get(training_class.pk),
            }
        )
    return out


@router.post(
    "/classes/{class_id}/apply",
    response={201: ApplicationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Apply to a class taking enrolments",
)
def apply(request, class_id: int):
    training_class = access_enrolling_class(request.auth, class_id)
    try:
        enrolment = actions.check_apply(training_class, request.auth)
    except ValidationError as error:
        return Status(400, _refusal(error))
    except PermissionDenied as error:
        return Status(403, {"detail": str(error)})
    return Status(201, _application_out(enrolment))


@router.delete(
    "/classes/{class_id}/application",
    response={204: None, 404: ErrorOut},
    summary="Withdraw my pending application",
)
def withdraw_application(request, class_id: int):
    training_class = TrainingClass.objects.filter(pk=class_id).first()
    if training_class is None:
        raise Http404
    if actions.pending_application_of(request.auth, training_class) is None:
        raise Http404
    try:
        actions.check_withdraw_application(training_class, request.auth)
    except ValidationError:
        raise Http404 from None  # withdrawn or decided a moment ago
    return Status(204, None)
