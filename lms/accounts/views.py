from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import APIToken

from . import actions
from .forms import ApiTokenForm


@login_required
def profile(request):
    """The signed-in person's own record: roles and trainee profile (ID masked)."""
    return render(
        request,
        "accounts/profile.html",
        {"profile": getattr(request.user, "trainee_profile", None)},
    )


@login_required
def api_tokens(request):
    """List, create and revoke the bearer tokens a mobile client signs in with."""
    new_key = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = actions.check_issue_api_token(
                request.user, form.cleaned_data["name"], acting_user=request.user
            )
        except ValidationError as error:
            for message in error.message_dict.get("name", []):
                form.add_error("name", message)
        else:
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
            form = ApiTokenForm()
    tokens = APIToken.objects.filter(user=request.user).order_by("-created")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "new_key": new_key},
        status=status,
    )


@login_required
@require_POST
def revoke_api_token(request, token_id):
    token = actions.access_api_token(request.user, token_id)
    actions.do_revoke_api_token(token, acting_user=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api_tokens")
