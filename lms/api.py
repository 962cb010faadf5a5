"""The JSON API at ``/api/v1/`` (django-ninja). Each app adds its router here.

Two ways in: the web's session cookie (unsafe methods need the CSRF token in
``X-CSRFToken``) and, for mobile clients, ``Authorization: Bearer <token>``.
Errors are JSON ``{"detail": "<translated message>", ...}``.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth
from wagtail.api.v3.auth import BearerTokenAuth as WagtailBearerTokenAuth

from lms.accounts.backends import demo_account_refused


class BearerTokenAuth(WagtailBearerTokenAuth):
    """``Authorization: Bearer <token>`` for mobile clients; no CSRF needed.

    Tokens are Wagtail's ``APIToken`` (only a digest is stored). ``request.auth``
    is the user, as with the session, so endpoints need not care which was used.
    """

    openapi_description = "A token from /accounts/tokens/ or POST /api/v1/auth/token"

    def authenticate(self, request, token):
        if len(token) > 200:
            return None
        api_token = super().authenticate(request, token)
        if api_token is None or demo_account_refused(api_token.user):
            return None
        return api_token.user


class ActiveSessionAuth(SessionAuth):
    """The browser's session; ninja checks the CSRF token on unsafe methods."""

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


api = NinjaAPI(
    title="County e-commerce training API",
    version="1",
    urls_namespace="api-v1",
    auth=[BearerTokenAuth(), ActiveSessionAuth()],
    openapi_url="/openapi.json",
    docs_url=None,
)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    return api.create_response(
        request,
        {"detail": _("Some fields are missing or invalid."), "errors": exc.errors},
        status=422,
    )


@api.exception_handler(RequestDataTooBig)
def request_too_big(request, exc):
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: JSON like every other error, not Django's
    HTML "Bad request" page."""
    return api.create_response(request, {"detail": _("The request is too large.")}, status=400)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(
        request, {"detail": _("Sign in or send a valid API token.")}, status=401
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    message = str(exc)
    if exc.status_code == 403 and "CSRF" in message:
        message = _("The CSRF token is missing or wrong; reload the page and try again.")
    elif exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = _("The request body is not valid JSON.")
    return api.create_response(request, {"detail": message}, status=exc.status_code)


def api_not_found(request, path=""):
    """Unknown paths under /api/ answer in JSON, like the API itself."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


class ApiJsonErrorsMiddleware:
    """Turn django-ninja's plain-text 405 into the API's translated JSON error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path_info.startswith("/api/")
            and response.status_code == 405
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = response.get("Allow", "")
            response = JsonResponse({"detail": _("This method is not allowed here.")}, status=405)
            if allowed:
                response["Allow"] = allowed
        return response


def _register_routers():
    from assessments.api_certificates import router as certificates_router
    from assessments.api_exams import router as exams_router
    from courses_content.api import router as curriculum_router
    from live.api import router as chat_router
    from live.api_uploads import router as chat_uploads_router
    from lms.accounts.api import router as accounts_router
    from lms.attendance.api import router as attendance_router
    from lms.enrolment.api import router as enrolment_router
    from lms.evaluation.api import router as evaluation_router
    from lms.training.api import router as training_router

    api.add_router("", accounts_router)
    api.add_router("", curriculum_router)
    api.add_router("", training_router)
    api.add_router("", enrolment_router)
    api.add_router("", attendance_router)
    api.add_router("", evaluation_router)
    api.add_router("", chat_router)
    api.add_router("", chat_uploads_router)
    api.add_router("", exams_router)
    api.add_router("", certificates_router)


_register_routers()
