"""Certificate pages (``/certificates/...``, namespace ``certificates``).

- ``verify/<code>/``: the public verification page, no sign-in; an unknown or malformed code
  gets the same "no such certificate" 404; never indexed; at most
  ``CERTIFICATE_VERIFY_RATE_LIMIT`` look-ups a minute from one client address (shared with the
  API), then 429. ``verify/``: a form to type a code (codes only: serials are sequential and
  would let anyone walk the register); it looks nothing up itself but sends a well-formed code
  to ``verify/<code>/``, where the limit applies.
- ``mine/``: the trainee's certificates with PDF downloads and renewal reminders.
- ``<id>/pdf/``: the PDF, for its holder, the class's issuers and officers; others get 404.
- ``classes/<id>/``: who is eligible in a class, the completion rule, and the issue button.
- ``register/``: every holder's state (current, due, lapsed), with an XLSX export.
- ``<id>/``: one certificate for officers, with the revoke and reissue forms.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.accounts.lockout import client_ip_address
from lms.training.models import Tier, TrainingClass
from lms.trainingfile.fonts import FontMissing

from . import policy
from .actions import certificates as actions
from .certificate_pdf import render_certificate_pdf
from .models import Certificate

NOINDEX = "noindex, nofollow"


def _not_found(request):
    response = render(request, "assessments/certificates/not_found.html", status=404)
    response["X-Robots-Tag"] = NOINDEX
    return response


def rate_limited_response(request, limited):
    """429 with the translated page and ``Retry-After``; nothing was looked up or counted."""
    response = render(
        request,
        "assessments/certificates/rate_limited.html",
        {"message": str(limited), "retry_after": limited.retry_after},
        status=429,
    )
    response["Retry-After"] = str(limited.retry_after)
    response["X-Robots-Tag"] = NOINDEX
    return response


@require_GET
@never_cache
def verify(request, code):
    """The public record of one certificate, read from the database on every request."""
    try:
        actions.check_verify_rate(client_ip_address(request))
    except actions.VerifyRateLimited as limited:
        return rate_limited_response(request, limited)
    certificate = actions.find_by_code(code)
    if certificate is None:
        return _not_found(request)
    response = render(
        request,
        "assessments/certificates/verify.html",
        {"facts": actions.verification_facts(certificate), "code": certificate.code},
    )
    response["X-Robots-Tag"] = NOINDEX
    return response


@require_GET
@never_cache
def verify_form(request):
    code = (request.GET.get("code") or "").strip()
    if code:
        # Codes are URL-safe; anything else cannot be one and gets the same 404 page. A code
        # of the right shape goes to its page, which looks it up (and counts the look-up).
        if not actions.is_code_shaped(code):
            return _not_found(request)
        return redirect("certificates:verify", code=code)
    response = render(request, "assessments/certificates/verify_form.html")
    response["X-Robots-Tag"] = NOINDEX
    return response


@login_required
@require_GET
def mine(request):
    """The signed-in trainee's certificates and their renewal reminders (marked read here)."""
    today = timezone.localdate()
    certificates = list(
        Certificate.objects.filter(profile__user=request.user)
        .select_related("training_class")
        .order_by("-issued_on", "-pk")
    )
    for certificate in certificates:
        certificate.state = actions.display_status(certificate, today)
        certificate.state_label = actions.status_label(certificate.state)
    reminders = list(actions.reminders_for(request.user, today))
    unread = [r.pk for r in reminders if r.read_at is None]
    response = render(
        request,
        "assessments/certificates/mine.html",
        {"certificates": certificates, "reminders": reminders, "unread": set(unread)},
    )
    actions.do_mark_reminders_read(request.user, unread)
    return response


def _may_download(user, certificate):
    """Officers: every certificate (revoked and replaced ones too, for the record). The holder
    and the class's issuers: only a certificate that was not revoked or replaced, so nobody
    prints a clean copy of one that no longer stands."""
    if policy.can_revoke_certificates(user) or policy.can_see_register(user):
        return True
    if certificate.status != Certificate.Status.VALID:
        return False
    return certificate.profile.user_id == user.pk or policy.can_issue_certificates(
        user, certificate.training_class
    )


@login_required
@require_GET
def certificate_pdf(request, certificate_id):
    certificate = actions._get_certificate(Certificate.objects.all(), certificate_id)
    if not _may_download(request.user, certificate):
        raise Http404(_("No such certificate."))
    try:
        content = render_certificate_pdf(certificate)
    except FontMissing as error:
        # A server set-up problem, said plainly (the message names the package to install).
        messages.error(request, str(error))
        return redirect("certificates:mine")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.serial}.pdf"'
    return response


def _access_class_as_issuer(user, class_id):
    """The class if ``user`` may issue its certificates; the same 404 otherwise."""
    try:
        training_class = TrainingClass.objects.select_related("institution", "plan").get(
            pk=int(class_id)
        )
    except (TrainingClass.DoesNotExist, ValueError, OverflowError):
        raise Http404(_("No such class.")) from None
    if not policy.can_issue_certificates(user, training_class):
        raise Http404(_("No such class."))
    return training_class


@login_required
@require_http_methods(["GET", "POST"])
def class_certificates(request, class_id):
    """Eligibility of every enrolled trainee, and issuing (all eligible, or those ticked)."""
    training_class = _access_class_as_issuer(request.user, class_id)
    rule = actions.rule_for(training_class)
    may_edit_rule = policy.can_revoke_certificates(request.user)
    errors = []
    if request.method == "POST":
        if request.POST.get("action") == "rule":
            try:
                actions.check_set_completion_rule(
                    request.user,
                    training_class,
                    attendance_threshold=request.POST.get("attendance_threshold"),
                    require_exams=request.POST.get("require_exams"),
                    issue_automatically=request.POST.get("issue_automatically"),
                )
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                messages.success(request, _("The completion rule was saved."))
                return redirect("certificates:class", class_id=training_class.pk)
        else:
            chosen = request.POST.getlist("profile")
            try:
                profile_ids = [int(pk) for pk in chosen] if chosen else None
                issued = actions.check_issue_certificates(request.user, training_class, profile_ids)
            except (ValueError, OverflowError):
                errors.append(_("Choose trainees from the list."))
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                if issued:
                    messages.success(
                        request,
                        _("%(n)d certificates were issued.") % {"n": len(issued)},
                    )
                else:
                    messages.info(request, _("Nobody needed a certificate."))
                return redirect("certificates:class", class_id=training_class.pk)
    rows = actions.eligible_trainees(training_class, rule=rule)
    return render(
        request,
        "assessments/certificates/class.html",
        {
            "training_class": training_class,
            "rule": rule,
            "rows": rows,
            "finished": actions.class_is_finished(training_class),
            "to_issue": sum(
                1 for r in rows if r.eligible and r.certificate is None and r.revoked is None
            ),
            "may_edit_rule": may_edit_rule,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _register_filters(request):
    tier = request.GET.get("tier") or None
    if tier not in Tier.values:
        tier = None
    state = request.GET.get("state") or None
    if state not in actions.REGISTER_STATES:
        state = None
    return tier, state


@login_required
@require_GET
def register(request):
    if not policy.can_see_register(request.user):
        raise Http404(_("No such page."))
    tier, state = _register_filters(request)
    rows = actions.register_rows(tier=tier, state=state)
    if request.GET.get("format") == "xlsx":
        return _register_xlsx(rows)
    return render(
        request,
        "assessments/certificates/register.html",
        {
            "rows": rows,
            "tier": tier,
            "state": state,
            "tiers": Tier.choices,
            "states": [(k, str(v)) for k, v in actions.REGISTER_STATES.items()],
            "query": request.GET.urlencode(),
            "may_revoke": policy.can_revoke_certificates(request.user),
        },
    )


def _register_xlsx(rows):
    from lms.trainingfile.documents import Report, Table, render_xlsx

    table = Table(
        sheet=_("Certificate register"),
        headers=[
            _("Serial number"),
            _("Name"),
            _("ID number"),
            _("Tier"),
            _("Class"),
            _("Issued on"),
            _("Valid until"),
            _("Window opens"),
            _("State"),
        ],
        rows=[
            [
                r.certificate.serial,
                r.certificate.holder_name,
                r.certificate.profile.masked_id_number,
                r.certificate.get_tier_display(),
                r.certificate.training_class.name,
                r.certificate.issued_on,
                r.certificate.valid_until,
                r.window_opens,
                r.state_label,
            ]
            for r in rows
        ],
    )
    content = render_xlsx(Report(title=_("Certificate register"), blocks=[table]))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="certificate-register-{stamp}.xlsx"'
    return response


@login_required
@require_GET
def certificate_detail(request, certificate_id):
    certificate = actions.access_certificate_as_officer(request.user, certificate_id)
    return _detail(request, certificate)


def _detail(request, certificate, errors=(), status=200):
    return render(
        request,
        "assessments/certificates/detail.html",
        {
            "certificate": certificate,
            "facts": actions.verification_facts(certificate),
            "errors": list(errors),
        },
        status=status,
    )


@login_required
@require_POST
def revoke(request, certificate_id):
    certificate = actions.access_certificate_as_officer(request.user, certificate_id)
    try:
        actions.check_revoke_certificate(request.user, certificate.pk, request.POST.get("reason"))
    except ValidationError as error:
        return _detail(request, certificate, error.messages, status=400)
    messages.success(request, _("The certificate was revoked."))
    return redirect("certificates:detail", certificate_id=certificate.pk)


@login_required
@require_POST
def reissue(request, certificate_id):
    certificate = actions.access_certificate_as_officer(request.user, certificate_id)
    try:
        new = actions.check_reissue_certificate(
            request.user,
            certificate.pk,
            request.POST.get("reason"),
            request.POST.get("holder_name"),
        )
    except ValidationError as error:
        return _detail(request, certificate, error.messages, status=400)
    messages.success(
        request, _("A new certificate %(serial)s was issued.") % {"serial": new.serial}
    )
    return redirect("certificates:detail", certificate_id=new.pk)
