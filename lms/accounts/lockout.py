"""How django-axes answers a locked-out sign-in, and how it finds the client's address."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def client_ip_address(request):
    """The socket address, or the one the trusted proxies saw when we sit behind them.

    With ``TRUSTED_PROXY_COUNT = n`` the n-th address from the right of
    X-Forwarded-For is the client as seen by the outermost trusted proxy;
    anything to its left was written by the client and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) >= count:
        return forwarded[-count]
    return remote


def lockout_message():
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Too many failed sign-ins for this account from your network. "
        "Please wait %(minutes)d minute and try again, or ask an administrator to unlock it.",
        "Too many failed sign-ins for this account from your network. "
        "Please wait %(minutes)d minutes and try again, or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    status = settings.AXES_HTTP_RESPONSE_CODE
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=status)
    return render(
        request,
        "registration/locked_out.html",
        {"message": message, "title": _("Sign-in locked")},
        status=status,
    )
