"""The certificates API (``/api/v1/certificates/...``): mine; verify a code.

``GET /certificates/verify/{code}`` needs no sign-in and answers the same facts as the public
page; an unknown or malformed code is a 404 like any other. It shares the page's rate limit
per client address (``CERTIFICATE_VERIFY_RATE_LIMIT`` a minute): over it, 429
``{"detail": ..., "code": "rate_limited"}`` with ``Retry-After``. ``GET /certificates/mine``
lists the signed-in user's certificates and the renewal reminders still to act on.
"""

from datetime import date, datetime

from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from lms.accounts.lockout import client_ip_address

from .actions import certificates as actions
from .models import Certificate

router = Router(tags=["certificates"])


class ErrorOut(Schema):
    detail: str


class RateLimitedOut(Schema):
    detail: str
    code: str


class VerificationOut(Schema):
    serial: str
    holder_name: str
    id_number_masked: str
    tier: str
    tier_label: str
    class_name: str
    institution: str
    hours: float
    course_start: date
    course_end: date
    issued_on: date
    valid_until: date
    status: str
    status_label: str
    revoked_on: date | None
    renewed: bool


class MyCertificateOut(Schema):
    id: int
    serial: str
    code: str
    tier: str
    tier_label: str
    class_name: str
    issued_on: date
    valid_until: date
    status: str
    status_label: str
    pdf_url: str
    verify_url: str


class ReminderOut(Schema):
    certificate_id: int
    kind: str
    kind_label: str
    created_at: datetime
    read: bool


class MineOut(Schema):
    certificates: list[MyCertificateOut]
    reminders: list[ReminderOut]


@router.get(
    "/certificates/verify/{code}",
    auth=None,
    response={200: VerificationOut, 404: ErrorOut, 429: RateLimitedOut},
    summary="Verify a certificate by its code (public, no sign-in)",
)
def verify_certificate(request, code: str):
    try:
        actions.check_verify_rate(client_ip_address(request))
    except actions.VerifyRateLimited as limited:
        response = JsonResponse({"detail": str(limited), "code": "rate_limited"}, status=429)
        response["Retry-After"] = str(limited.retry_after)
        return response
    certificate = actions.find_by_code(code)
    if certificate is None:
        raise Http404(_("No such certificate."))
    facts = actions.verification_facts(certificate)
    facts["hours"] = float(facts["hours"])
    return facts


@router.get(
    "/certificates/mine",
    response={200: MineOut},
    summary="The signed-in user's certificates and renewal reminders",
)
def my_certificates(request):
    today = timezone.localdate()
    certificates = (
        Certificate.objects.filter(profile__user=request.auth)
        .select_related("training_class")
        .order_by("-issued_on", "-pk")
    )
    rows = []
    for certificate in certificates:
        state = actions.display_status(certificate, today)
        rows.append(
            {
                "id": certificate.pk,
                "serial": certificate.serial,
                "code": certificate.code,
                "tier": certificate.tier,
                "tier_label": str(certificate.get_tier_display()),
                "class_name": certificate.training_class.name,
                "issued_on": certificate.issued_on,
                "valid_until": certificate.valid_until,
                "status": state,
                "status_label": actions.status_label(state),
                "pdf_url": reverse("certificates:pdf", args=[certificate.pk]),
                "verify_url": request.build_absolute_uri(
                    reverse("certificates:verify", args=[certificate.code])
                ),
            }
        )
    reminders = actions.reminders_for(request.auth, today)
    return {
        "certificates": rows,
        "reminders": [
            {
                "certificate_id": r.certificate_id,
                "kind": r.kind,
                "kind_label": str(r.get_kind_display()),
                "created_at": r.created_at,
                "read": r.read_at is not None,
            }
            for r in reminders
        ],
    }
