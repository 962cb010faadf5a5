from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .dashboard import sections_for
from .health import run_checks


@login_required
def dashboard(request):
    """Where everyone lands after signing in: one section per role they hold."""
    user = request.user
    return render(
        request,
        "dashboard/dashboard.html",
        {"sections": sections_for(user), "profile": getattr(user, "trainee_profile", None)},
    )


@never_cache
async def healthz(request):
    """``{"status": "ok", "database": "ok", "channel_layer": "ok", "cache": "ok"}`` or 503."""
    results = await run_checks()
    healthy = all(value == "ok" for value in results.values())
    body = {"status": "ok" if healthy else "error", **results}
    return JsonResponse(body, status=200 if healthy else 503)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
