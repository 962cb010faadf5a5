from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .dashboard import sections_for
from .health import run_checks


@login_required
def dashboard(request):
    """Where everyone lands after signing in: one section per role they hold."""
    from lms.training.policy import classes_of

    user = request.user
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "sections": sections_for(user),
            "profile": getattr(user, "trainee_profile", None),
            "in_a_class": classes_of(user).exists(),
        },
    )


@never_cache
async def healthz(request):
    """``{"status": "ok", "database": "ok", "channel_layer": "ok", "cache": "ok"}`` or 503."""
    results = await run_checks()
    healthy = all(value == "ok" for value in results.values())
    body = {"status": "ok" if healthy else "error", **results}
    return JsonResponse(body, status=200 if healthy else 503)


def _error(request, status, title, message, link=True):
    context = {"title": title, "message": message}
    if link:
        context.update(link_url="/", link_label=_("Home"))
    return render(request, "error.html", context, status=status)


def bad_request(request, exception=None):
    return _error(
        request,
        400,
        _("Bad request"),
        _("The request could not be understood. Go back and try again."),
    )


def permission_denied(request, exception=None):
    return _error(
        request,
        403,
        _("Not allowed"),
        _("Your account may not do this. If you think it should, ask an administrator."),
    )


def page_not_found(request, exception=None):
    return _error(
        request, 404, _("Page not found"), _("This page does not exist, or you may not see it.")
    )


def csrf_failure(request, reason=""):
    if request.path_info.startswith("/api/"):
        message = _("The CSRF token is missing or wrong; reload the page and try again.")
        return JsonResponse({"detail": message}, status=403)
    return _error(
        request,
        403,
        _("Page expired"),
        _(
            "The form was open too long or cookies are blocked. "
            "Go back, reload the page and try again."
        ),
        link=False,
    )


def server_error(request):
    # 500.html stands alone, without the base template: that may be what failed.
    return render(request, "500.html", status=500)
