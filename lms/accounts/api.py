"""``/api/v1/me``, sign-in for mobile clients, and the user's own API tokens."""

from datetime import date, datetime

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from wagtail.models import APIToken

from . import actions
from .models import TraineeProfile

router = Router(tags=["accounts"])


class RoleOut(Schema):
    code: str
    name: str


class ProfileOut(Schema):
    real_name: str
    gender: str
    date_of_birth: date
    id_number_masked: str
    phone_masked: str
    education: str
    computer_skill: str
    category: str
    employer: str
    village: str
    township: str
    county: str


class ClassOut(Schema):
    id: int
    code: str
    name: str
    status: str
    start_date: date
    end_date: date


class MeOut(Schema):
    id: int
    username: str
    name: str
    language: str
    roles: list[RoleOut]
    classes: list[ClassOut]
    profile: ProfileOut | None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool


class NewTokenIn(Schema):
    name: str = Field(..., max_length=100)


class NewTokenOut(TokenOut):
    token: str = Field(..., description="The secret; shown once, store it now.")


class SignInIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=128)
    name: str = Field("mobile", max_length=100)


class ErrorOut(Schema):
    detail: str


def _token_out(token):
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "active": token.revoked_at is None,
    }


def _profile_out(profile):
    if profile is None:
        return None
    village = profile.village
    township = village.parent
    county = township.parent if township else None
    return {
        "real_name": profile.real_name,
        "gender": profile.gender,
        "date_of_birth": profile.date_of_birth,
        "id_number_masked": profile.masked_id_number,
        "phone_masked": profile.masked_phone,
        "education": profile.education,
        "computer_skill": profile.computer_skill,
        "category": profile.category,
        "employer": profile.employer,
        "village": village.name,
        "township": township.name if township else "",
        "county": county.name if county else "",
    }


def classes_of(user):
    """The training classes the user takes part in (enrolled, head teacher or lecturer)."""
    from lms.training.policy import classes_of as training_classes_of

    return list(
        training_classes_of(user)
        .order_by("-start_date", "code")
        .values("id", "code", "name", "status", "start_date", "end_date")
    )


@router.get("/me", response=MeOut, summary="The signed-in user, roles and classes")
def me(request):
    user = request.auth
    profile = (
        TraineeProfile.objects.select_related("village__parent__parent").filter(user=user).first()
    )
    return {
        "id": user.id,
        "username": user.username,
        "name": user.display_name,
        "language": get_language(),
        "roles": [{"code": role.value, "name": str(role.label)} for role in user.roles()],
        "classes": classes_of(user),
        "profile": _profile_out(profile),
    }


@router.post(
    "/auth/token",
    auth=None,
    response={201: NewTokenOut, 401: ErrorOut},
    summary="Sign in with username and password; get an API token",
)
def sign_in(request, payload: SignInIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        return Status(401, {"detail": _("Wrong username or password.")})
    try:
        token, raw = actions.check_issue_api_token(user, payload.name, acting_user=user)
    except ValidationError as error:
        raise HttpError(400, " ".join(error.messages)) from None
    return Status(201, {**_token_out(token), "token": raw})


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def list_tokens(request):
    tokens = APIToken.objects.filter(user=request.auth).order_by("-created")
    return [_token_out(token) for token in tokens]


@router.post("/tokens", response={201: NewTokenOut, 400: ErrorOut}, summary="Create an API token")
def create_token(request, payload: NewTokenIn):
    try:
        token, raw = actions.check_issue_api_token(
            request.auth, payload.name, acting_user=request.auth
        )
    except ValidationError as error:
        return Status(400, {"detail": " ".join(error.messages)})
    return Status(201, {**_token_out(token), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None}, summary="Revoke an API token")
def revoke_token(request, token_id: int):
    token = actions.access_api_token(request.auth, token_id)
    actions.do_revoke_api_token(token, acting_user=request.auth)
    return Status(204, None)
