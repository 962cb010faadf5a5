"""Changes to training institutions.

The admin's status view (and later the API) calls these functions, so every status change is
authorised, validated, atomic, kept in the history and audited the same way.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.audit.actions import record

from .models import Institution, InstitutionStatusChange
from .policy import can_change_institution_status

Status = Institution.Status

# Every allowed change of status. Cancellation is final: a cancelled institution never returns.
ALLOWED_TRANSITIONS = {
    Status.APPLIED: frozenset({Status.QUALIFIED, Status.CANCELLED}),
    Status.QUALIFIED: frozenset({Status.SUSPENDED, Status.CANCELLED}),
    Status.SUSPENDED: frozenset({Status.QUALIFIED, Status.CANCELLED}),
    Status.CANCELLED: frozenset(),
}
MAX_REASON_LENGTH = 1000


def allowed_next_statuses(status):
    """The statuses an institution in ``status`` may move to, in the order of ``Status``."""
    allowed = ALLOWED_TRANSITIONS[Status(status)]
    return [status for status in Status if status in allowed]


def check_change_institution_status(institution, new_status, *, reason, acting_user):
    """Authorise and validate a status change, then make it with ``do_change_institution_status``.

    Raises ``PermissionDenied`` for anyone but commerce officers and administrators, and
    ``ValidationError`` (keyed by ``new_status`` or ``reason``) for bad input; nothing changes.
    """
    if not can_change_institution_status(acting_user):
        raise PermissionDenied(_("Only commerce officers may change an institution's status."))
    if new_status not in Status.values:
        raise ValidationError({"new_status": _("Choose a status from the list.")})
    new_status = Status(new_status)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this change.")})
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("The reason can be at most %(n)d characters.") % {"n": MAX_REASON_LENGTH}}
        )
    current = Status(institution.status)
    if new_status not in ALLOWED_TRANSITIONS[current]:
        raise ValidationError(
            {
                "new_status": _("An institution that is %(current)s cannot become %(new)s.")
                % {"current": current.label, "new": new_status.label}
            }
        )
    if new_status == Status.QUALIFIED:
        unmet = institution.unmet_conditions()
        if unmet:
            raise ValidationError(
                {
                    "new_status": _(
                        "An institution is qualified only when it meets all four conditions. "
                        "Not yet met: %(conditions)s."
                    )
                    % {"conditions": _("; ").join(str(c.label) for c in unmet)}
                }
            )
    return do_change_institution_status(
        institution, new_status, reason=reason, acting_user=acting_user
    )


def do_change_institution_status(institution, new_status, *, reason, acting_user):
    """Move ``institution`` to ``new_status``, add a history row and an audit row, atomically.

    The update only applies if the status is still the one read, so two officers acting at
    once cannot both change it; the second gets a ``ValidationError`` and nothing is saved.
    """
    new_status = Status(new_status)
    from_status = Status(institution.status)
    now = timezone.now()
    with transaction.atomic():
        updated = Institution.objects.filter(pk=institution.pk, status=from_status).update(
            status=new_status, status_changed_at=now
        )
        if not updated:
            raise ValidationError(
                {
                    "new_status": _(
                        "Someone changed this institution's status meanwhile; reload and try again."
                    )
                }
            )
        institution.status = new_status
        institution.status_changed_at = now
        change = InstitutionStatusChange.objects.create(
            institution=institution,
            from_status=from_status,
            to_status=new_status,
            reason=reason,
            changed_by=acting_user if acting_user is not None and acting_user.pk else None,
            changed_at=now,
        )
        record(
            "institution.status_changed",
            institution,
            actor=acting_user,
            changes={"status": [from_status.value, new_status.value]},
            reason=reason,
        )
    return change
