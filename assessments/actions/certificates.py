"""Certificates: the completion rule, issuing, revoking, reissuing, recertification, reminders.

- A trainee of a class is **eligible** when they passed the class's required exams
  (``results.passed_required_exams``; only when the class's ``CompletionRule.require_exams``)
  and their attendance rate (``lms.attendance.rates``: approved leave is taken out of the
  sessions counted) is at or above the rule's threshold (80% without a rule). A trainee with no
  ended session to count is not eligible unless the threshold is 0.
- Certificates are issued once the class has **finished**, or on its last day while it is in
  progress (the ceremony is usually on the last afternoon). Issuing is idempotent: a trainee
  who already holds a valid certificate for the class is skipped, so a double click, two
  officers at once or the automatic issue never duplicate one (the class row is locked).
- ``serial`` is ``<county>-<year>-<C|P|S>-<0001>``: the county is ``settings.LMS_COUNTY_CODE``,
  the number comes from ``CertificateSequence`` (locked), per county, year and tier. ``code`` is
  ``secrets.token_urlsafe(24)`` and is what the QR code and the public page use.
- ``hours``: the sum of the hours of the plan's courses; without courses, the scheduled hours of
  the class's sessions.
- A certificate is valid through ``valid_until`` (``issued_on`` + the tier's
  ``CertificatePolicy.valid_months``). Its **recertification window** opens ``window_months``
  before that. A passed knowledge-update exam within the window renews it: a new certificate
  (``renews`` = the old one) valid for ``valid_months`` from the day the exam was submitted.
- Revoking (with a reason) and reissuing (new code and serial, ``replaces`` = the old one, which
  becomes superseded; the validity is kept) are for commerce officers and administrators.
"""

import calendar
import datetime
import ipaddress
import logging
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.audit.actions import record
from lms.core import ratelimit
from lms.training.models import Tier, TrainingClass

from .. import policy
from ..models import (
    Certificate,
    CertificatePolicy,
    CertificateSequence,
    CompletionRule,
    Exam,
    ExamAssignment,
    Reminder,
)
from ..results import passed_required_exams

logger = logging.getLogger(__name__)

DEFAULT_COUNTY_CODE = "430500"
TIER_LETTERS = {Tier.CADRE: "C", Tier.PRIMARY: "P", Tier.SENIOR: "S"}
MAX_REASON_LENGTH = 500


# --- Small rules -----------------------------------------------------------------------------


def county_code():
    return str(getattr(settings, "LMS_COUNTY_CODE", "") or DEFAULT_COUNTY_CODE)


def add_months(day, months):
    """``day`` plus ``months`` calendar months, the day clamped to the month's end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def policy_for(tier, policies=None):
    """The tier's ``CertificatePolicy`` (an unsaved one with the defaults when there is no row)."""
    if policies is not None and tier in policies:
        return policies[tier]
    if policies is None:
        found = CertificatePolicy.objects.filter(tier=tier).first()
        if found is not None:
            return found
    return CertificatePolicy(tier=tier)


def policies_by_tier():
    return {p.tier: p for p in CertificatePolicy.objects.all()}


def rule_for(training_class):
    """The class's completion rule (an unsaved one with the defaults when there is none)."""
    rule = CompletionRule.objects.filter(training_class=training_class).first()
    return rule or CompletionRule(training_class=training_class)


def _parse_threshold(value):
    """The attendance threshold typed in the form: 0-100, at most two decimals."""
    try:
        threshold = Decimal(str(value if value is not None else "").strip())
    except InvalidOperation:
        threshold = None
    if (
        threshold is None
        or not threshold.is_finite()
        or not Decimal("0") <= threshold <= Decimal("100")
    ):
        raise ValidationError(_("Enter an attendance threshold between 0 and 100."))
    if threshold.normalize().as_tuple().exponent < -2:
        raise ValidationError(_("The attendance threshold has at most two decimals."))
    return threshold


def check_set_completion_rule(
    user, training_class, *, attendance_threshold, require_exams, issue_automatically
):
    """Commerce officers and administrators set a class's completion rule (others get the
    class's 404). A bad threshold changes nothing."""
    if not policy.can_revoke_certificates(user):
        raise Http404(_("No such class."))
    threshold = _parse_threshold(attendance_threshold)
    return do_set_completion_rule(
        training_class,
        attendance_threshold=threshold,
        require_exams=bool(require_exams),
        issue_automatically=bool(issue_automatically),
        acting_user=user,
    )


def do_set_completion_rule(
    training_class, *, attendance_threshold, require_exams, issue_automatically, acting_user
):
    after = {
        "attendance_threshold": attendance_threshold,
        "require_exams": require_exams,
        "issue_automatically": issue_automatically,
    }
    with transaction.atomic():
        rule = (
            CompletionRule.objects.select_for_update().filter(training_class=training_class).first()
        ) or CompletionRule(training_class=training_class)
        before = {name: getattr(rule, name) for name in after}
        for name, value in after.items():
            setattr(rule, name, value)
        rule.save()
        record(
            "certificate.completion_rule_changed",
            rule,
            actor=acting_user,
            changes={
                name: [before[name], after[name]] for name in after if before[name] != after[name]
            },
        )
    return rule


def class_is_finished(training_class, today=None):
    """Certificates may be issued: the class finished, or it is in progress on its last day."""
    today = today or timezone.localdate()
    status = training_class.status
    if status in (TrainingClass.Status.FINISHED, TrainingClass.Status.ARCHIVED):
        return True
    return status == TrainingClass.Status.IN_PROGRESS and today >= training_class.end_date


def class_hours(training_class):
    """The plan's courses' hours; without courses, the class's scheduled session hours."""
    total = training_class.plan.courses.aggregate(total=Sum("hours"))["total"]
    if total:
        return Decimal(total).quantize(Decimal("0.1"))
    minutes = 0
    for session in training_class.sessions.all():
        start = datetime.datetime.combine(session.date, session.starts_at)
        end = datetime.datetime.combine(session.date, session.ends_at)
        minutes += (end - start).total_seconds() / 60
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def window_opens_on(certificate, cert_policy=None):
    cert_policy = cert_policy or policy_for(certificate.tier)
    return add_months(certificate.valid_until, -cert_policy.window_months)


def closing_reminder_on(certificate, cert_policy=None):
    cert_policy = cert_policy or policy_for(certificate.tier)
    return certificate.valid_until - datetime.timedelta(days=cert_policy.closing_reminder_days)


def display_status(certificate, today=None):
    """``valid``, ``expired``, ``revoked`` or ``superseded`` as a verifier sees it."""
    today = today or timezone.localdate()
    if certificate.status != Certificate.Status.VALID:
        return certificate.status
    return "expired" if certificate.valid_until < today else "valid"


STATUS_LABELS = {
    "valid": gettext_lazy("Valid"),
    "expired": gettext_lazy("Expired"),
    "revoked": gettext_lazy("Revoked"),
    "superseded": gettext_lazy("Replaced by a reissue"),
}


def status_label(state):
    return str(STATUS_LABELS[state])


# --- Eligibility -----------------------------------------------------------------------------


@dataclass
class Eligibility:
    """One enrolled trainee's standing against the class's completion rule."""

    enrolment: object
    profile: object
    attendance_percent: Decimal | None
    passed_exams: bool | None  # None when the rule does not require exams
    eligible: bool
    reasons: list = field(default_factory=list)
    certificate: Certificate | None = None  # the valid certificate for the class, if any
    # Without a valid one: the last revoked certificate for the class. A revocation stands
    # until an issuer chooses the trainee again; issuing to everyone skips them.
    revoked: Certificate | None = None


def eligible_trainees(training_class, *, rule=None, now=None):
    """Every enrolled trainee with ``eligible`` and the reasons why not (translated), in a fixed
    number of queries (attendance grid, exam outcomes, valid certificates)."""
    from lms.attendance.rates import load_class_grid

    rule = rule or rule_for(training_class)
    grid = load_class_grid(training_class, now=now)
    user_ids = [row.enrolment.profile.user_id for row in grid.rows if row.enrolment.profile.user_id]
    passed = passed_required_exams(training_class, user_ids) if rule.require_exams else {}
    # A trainee without an account cannot sit an exam: eligible only if none is required.
    nothing_required = not ExamAssignment.objects.filter(
        training_class=training_class, counts_for_completion=True
    ).exists()
    held, revoked = {}, {}
    for certificate in Certificate.objects.filter(
        training_class=training_class,
        status__in=[Certificate.Status.VALID, Certificate.Status.REVOKED],
    ).order_by("revoked_at", "pk"):
        if certificate.status == Certificate.Status.VALID:
            held[certificate.profile_id] = certificate
        else:
            revoked[certificate.profile_id] = certificate  # the last one stays
    threshold = Decimal(rule.attendance_threshold)
    result = []
    for row in grid.rows:
        profile = row.enrolment.profile
        reasons = []
        percent = None if row.summary.rate is None else row.summary.rate * 100
        if percent is None:
            if threshold > 0:
                reasons.append(_("No attendance to count yet."))
        elif percent < threshold:
            reasons.append(
                _("Attendance %(rate)s%% is below the required %(threshold)s%%.")
                % {"rate": row.summary.percent, "threshold": format(threshold.normalize(), "f")}
            )
        passed_exams = None
        if rule.require_exams:
            if profile.user_id is None:
                passed_exams = nothing_required
            else:
                passed_exams = passed.get(profile.user_id, False)
            if not passed_exams:
                reasons.append(_("Has not passed the required exams."))
        result.append(
            Eligibility(
                enrolment=row.enrolment,
                profile=profile,
                attendance_percent=row.summary.percent,
                passed_exams=passed_exams,
                eligible=not reasons,
                reasons=reasons,
                certificate=held.get(profile.pk),
                revoked=None if profile.pk in held else revoked.get(profile.pk),
            )
        )
    return result


# --- Issuing ---------------------------------------------------------------------------------


def _next_serials(tier, year, count):
    """``count`` new serials for the tier and year (the sequence row is locked until commit)."""
    county = county_code()
    sequence, _created = CertificateSequence.objects.select_for_update().get_or_create(
        county=county, year=year, tier=tier
    )
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    letter = TIER_LETTERS[Tier(tier)]
    return [f"{county}-{year}-{letter}-{n:04d}" for n in range(first, first + count)]


def _new_code():
    return secrets.token_urlsafe(24)


def check_issue_certificates(user, training_class, profile_ids=None, *, today=None):
    """Issue certificates to the eligible trainees of the class (those in ``profile_ids`` when
    given) who have no valid one for it yet. Returns the new certificates.

    Without ``profile_ids`` ("every eligible trainee"), trainees whose certificate for the
    class was revoked are skipped: a revocation stands until an issuer ticks them."""
    if not policy.can_issue_certificates(user, training_class):
        raise Http404(_("No such class."))
    if not class_is_finished(training_class, today):
        raise ValidationError(
            _("Certificates are issued when the class has finished, or on its last day.")
        )
    return do_issue_certificates(
        training_class,
        profile_ids,
        acting_user=user,
        today=today,
        reissue_revoked=profile_ids is not None,
    )


def do_issue_certificates(
    training_class, profile_ids=None, *, acting_user, today=None, reissue_revoked=False
):
    """Issue to the eligible trainees (of ``profile_ids`` when given) without a valid
    certificate for the class; those whose certificate was revoked only with
    ``reissue_revoked`` (an issuer chose them by name, never the automatic issue)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        # One issuer at a time per class: the second sees the first one's certificates.
        training_class = (
            TrainingClass.objects.select_for_update(of=("self",))
            .select_related("plan", "institution")
            .get(pk=training_class.pk)
        )
        wanted = None if profile_ids is None else {int(pk) for pk in profile_ids}
        to_issue = [
            row
            for row in eligible_trainees(training_class)
            if row.eligible
            and row.certificate is None
            and (row.revoked is None or reissue_revoked)
            and (wanted is None or row.profile.pk in wanted)
        ]
        if not to_issue:
            return []
        cert_policy = policy_for(training_class.tier)
        hours = class_hours(training_class)
        serials = _next_serials(training_class.tier, today.year, len(to_issue))
        issued = []
        for row, serial in zip(to_issue, serials, strict=True):
            certificate = Certificate.objects.create(
                code=_new_code(),
                serial=serial,
                profile=row.profile,
                training_class=training_class,
                tier=training_class.tier,
                holder_name=row.profile.real_name,
                hours=hours,
                course_start=training_class.start_date,
                course_end=training_class.end_date,
                issued_on=today,
                valid_until=add_months(today, cert_policy.valid_months),
                issued_by=acting_user,
            )
            record(
                "certificate.issued",
                certificate,
                actor=acting_user,
                changes={
                    "holder": certificate.holder_name,
                    "class": training_class.code,
                    "valid_until": certificate.valid_until.isoformat(),
                    "automatic": acting_user is None,
                },
            )
            issued.append(certificate)
        return issued


def issue_automatically(training_class, profile_ids=None):
    """The automatic issue for classes whose rule says so (after grading, and daily)."""
    rule = CompletionRule.objects.filter(training_class=training_class).first()
    if rule is None or not rule.issue_automatically or not class_is_finished(training_class):
        return []
    return do_issue_certificates(training_class, profile_ids, acting_user=None)


# --- Revoking and reissuing ------------------------------------------------------------------


def access_certificate_as_officer(user, certificate_id):
    if not policy.can_revoke_certificates(user):
        raise Http404(_("No such certificate."))
    return _get_certificate(Certificate.objects.all(), certificate_id)


def _get_certificate(queryset, certificate_id):
    try:
        return queryset.select_related("profile", "training_class__institution").get(
            pk=int(certificate_id)
        )
    except (Certificate.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such certificate.")) from None


def _clean_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason."))
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            _("The reason is too long (at most %(n)d characters).") % {"n": MAX_REASON_LENGTH}
        )
    return reason


def check_revoke_certificate(user, certificate_id, reason):
    certificate = access_certificate_as_officer(user, certificate_id)
    reason = _clean_reason(reason)
    return do_revoke_certificate(certificate, reason, acting_user=user)


def do_revoke_certificate(certificate, reason, *, acting_user):
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status != Certificate.Status.VALID:
            raise ValidationError(_("Only a valid certificate can be revoked."))
        certificate.status = Certificate.Status.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_by = acting_user
        certificate.revocation_reason = reason
        certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
        record(
            "certificate.revoked",
            certificate,
            actor=acting_user,
            changes={"status": [Certificate.Status.VALID, Certificate.Status.REVOKED]},
            reason=reason,
        )
    return certificate


def check_reissue_certificate(user, certificate_id, reason, holder_name=None):
    """A new certificate in place of a valid one (e.g. the name was corrected): new code and
    serial, the same class, hours, dates and validity. ``holder_name`` defaults to the
    profile's current real name."""
    certificate = access_certificate_as_officer(user, certificate_id)
    reason = _clean_reason(reason)
    holder_name = (holder_name or "").strip() or certificate.profile.real_name
    if len(holder_name) > 100:
        raise ValidationError(_("The name is too long."))
    return do_reissue_certificate(certificate, reason, holder_name, acting_user=user)


def do_reissue_certificate(certificate, reason, holder_name, *, acting_user, today=None):
    today = today or timezone.localdate()
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.status != Certificate.Status.VALID:
            raise ValidationError(_("Only a valid certificate can be reissued."))
        old.status = Certificate.Status.SUPERSEDED
        old.save(update_fields=["status"])
        (serial,) = _next_serials(old.tier, today.year, 1)
        new = Certificate.objects.create(
            code=_new_code(),
            serial=serial,
            profile_id=old.profile_id,
            training_class_id=old.training_class_id,
            tier=old.tier,
            holder_name=holder_name,
            hours=old.hours,
            course_start=old.course_start,
            course_end=old.course_end,
            issued_on=today,
            valid_until=old.valid_until,
            issued_by=acting_user,
            replaces=old,
            renews_id=old.renews_id,
        )
        record(
            "certificate.superseded",
            old,
            actor=acting_user,
            changes={"status": [Certificate.Status.VALID, Certificate.Status.SUPERSEDED]},
            reason=reason,
        )
        record(
            "certificate.reissued",
            new,
            actor=acting_user,
            changes={"replaces": old.serial, "holder": [old.holder_name, holder_name]},
            reason=reason,
        )
    return new


# --- Recertification -------------------------------------------------------------------------


def do_renew_after_exam(attempt):
    """Renew the trainee's certificate of the exam's tier whose window is open on the day the
    passed knowledge-update attempt was submitted. Returns the new certificate or None."""
    from lms.accounts.models import TraineeProfile

    assignment = attempt.assignment
    exam = assignment.exam
    if not attempt.passed or exam.purpose != Exam.Purpose.KNOWLEDGE_UPDATE:
        return None
    profile = TraineeProfile.objects.filter(user_id=attempt.user_id).first()
    if profile is None:
        return None
    completed_on = timezone.localdate(attempt.submitted_at or timezone.now())
    cert_policy = policy_for(exam.tier)
    with transaction.atomic():
        candidates = (
            Certificate.objects.select_for_update(of=("self",))
            .filter(profile=profile, tier=exam.tier, status=Certificate.Status.VALID)
            .filter(valid_until__gte=completed_on)
            .exclude(Exists(_renewed()))
            .order_by("-valid_until")
        )
        old = next((c for c in candidates if window_opens_on(c, cert_policy) <= completed_on), None)
        training_class = assignment.training_class
        if (
            old is None
            or Certificate.objects.filter(
                profile=profile, training_class=training_class, status=Certificate.Status.VALID
            ).exists()
        ):
            return None
        today = timezone.localdate()
        (serial,) = _next_serials(old.tier, today.year, 1)
        new = Certificate.objects.create(
            code=_new_code(),
            serial=serial,
            profile=profile,
            training_class=training_class,
            tier=old.tier,
            holder_name=profile.real_name,
            hours=class_hours(training_class),
            course_start=training_class.start_date,
            course_end=training_class.end_date,
            issued_on=today,
            valid_until=add_months(completed_on, cert_policy.valid_months),
            renews=old,
        )
        record(
            "certificate.renewed",
            new,
            actor=None,
            changes={"renews": old.serial, "valid_until": new.valid_until.isoformat()},
        )
    return new


def on_attempt_graded(sender, attempt, **kwargs):
    """``assessments.signals.attempt_graded``: renew after a knowledge-update exam, or issue
    automatically. Never breaks the grading that sent it (own savepoint, errors logged)."""
    from lms.accounts.models import TraineeProfile

    if not attempt.passed:
        return
    try:
        with transaction.atomic():
            if attempt.assignment.exam.purpose == Exam.Purpose.KNOWLEDGE_UPDATE:
                do_renew_after_exam(attempt)
            else:
                profile_ids = list(
                    TraineeProfile.objects.filter(user_id=attempt.user_id).values_list(
                        "pk", flat=True
                    )
                )
                issue_automatically(attempt.assignment.training_class, profile_ids)
    except Exception:
        logger.exception("Certificate follow-up of attempt %s failed", attempt.pk)


def connect():
    """Connect ``on_attempt_graded`` (called from ``AssessmentsConfig.ready``)."""
    from ..signals import attempt_graded

    attempt_graded.connect(on_attempt_graded, dispatch_uid="certificates.on_attempt_graded")


# --- Reminders -------------------------------------------------------------------------------


def reminder_hooks():
    return [import_string(path) for path in getattr(settings, "CERTIFICATE_REMINDER_HOOKS", [])]


def _renewed(certificate_ref="pk"):
    """A subquery: the certificate at ``certificate_ref`` has a renewal that was not revoked."""
    return Certificate.objects.filter(renews=OuterRef(certificate_ref)).exclude(
        status=Certificate.Status.REVOKED
    )


def _overtaken():
    """A subquery: the holder has a later valid certificate of the same tier (the one the
    register counts, by ``valid_until`` then id), so this one needs no renewal."""
    return Certificate.objects.filter(
        profile=OuterRef("profile"), tier=OuterRef("tier"), status=Certificate.Status.VALID
    ).filter(
        Q(valid_until__gt=OuterRef("valid_until"))
        | Q(valid_until=OuterRef("valid_until"), pk__gt=OuterRef("pk"))
    )


def do_send_reminders(today=None):
    """Create the reminders due today and hand each new one to the SMS and e-mail hooks.
    Returns the new reminders.

    For every valid, unexpired certificate that was not renewed and is the holder's latest of
    its tier: ``window_open`` once the window is open, ``closing_soon`` once ``valid_until`` is
    ``closing_reminder_days`` away. Holders without an account are included (``user`` empty;
    the hooks reach them by ``Reminder.phone``). Each kind is made once per certificate (a
    unique constraint, so two runs at once still make one) and once per line of reissues: a
    reissue (same validity) does not send the holder the same reminder again.
    """
    today = today or timezone.localdate()
    policies = policies_by_tier()
    # Only certificates whose window can be open today: valid_until at most the longest window
    # away (a few days' slack for month ends; the exact test is per certificate below).
    longest = max(
        [p.window_months for p in policies.values()] + [CertificatePolicy().window_months]
    )
    horizon = add_months(today, longest) + datetime.timedelta(days=4)
    certificates = list(
        Certificate.objects.filter(
            status=Certificate.Status.VALID, valid_until__gte=today, valid_until__lte=horizon
        )
        .exclude(Exists(_renewed()))
        .exclude(Exists(_overtaken()))
        .select_related("profile__user")
        .order_by("valid_until", "pk")
    )
    if not certificates:
        return []
    # Reissues keep ``valid_until``, so every earlier certificate of a line is in range too.
    replaces = dict(
        Certificate.objects.filter(replaces__isnull=False, valid_until__gte=today).values_list(
            "pk", "replaces_id"
        )
    )

    def first_of_line(certificate_id):
        seen = set()
        while certificate_id in replaces and certificate_id not in seen:
            seen.add(certificate_id)
            certificate_id = replaces[certificate_id]
        return certificate_id

    sent = {
        (first_of_line(certificate_id), kind)
        for certificate_id, kind in Reminder.objects.filter(
            certificate__valid_until__gte=today
        ).values_list("certificate_id", "kind")
    }
    hooks = reminder_hooks()
    created = []
    for certificate in certificates:
        cert_policy = policy_for(certificate.tier, policies)
        due = []
        if today >= window_opens_on(certificate, cert_policy):
            due.append(Reminder.Kind.WINDOW_OPEN)
        if today >= closing_reminder_on(certificate, cert_policy):
            due.append(Reminder.Kind.CLOSING_SOON)
        line = first_of_line(certificate.pk)
        for kind in due:
            if (line, kind) in sent:
                continue
            reminder, was_created = Reminder.objects.get_or_create(
                certificate=certificate,
                kind=kind,
                defaults={"user_id": certificate.profile.user_id},
            )
            if was_created:
                reminder.certificate = certificate  # the hooks read the holder without a query
                created.append(reminder)
    run_reminder_hooks(hooks, today)
    return created


HOOK_RETRY_DAYS = 7


def run_reminder_hooks(hooks, today):
    """Hand every reminder the hooks have not taken yet to each hook, at least once.

    A reminder is marked done (``hooks_done_at``) once every hook returned; when one raises, the
    reminder stays pending and the next run hands it over again (to every hook: hooks must
    tolerate a repeat), for ``HOOK_RETRY_DAYS`` and while its certificate still needs renewing.
    Without hooks there is nothing to hand over: reminders are marked done, so hooks configured
    later do not send old ones. Returns the number handed over successfully.
    """
    pending = Reminder.objects.filter(hooks_done_at__isnull=True)
    if not hooks:
        pending.update(hooks_done_at=timezone.now())
        return 0
    since = timezone.now() - datetime.timedelta(days=HOOK_RETRY_DAYS)
    pending_ids = list(
        pending.filter(
            created_at__gte=since,
            certificate__status=Certificate.Status.VALID,
            certificate__valid_until__gte=today,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    for reminder_id in pending_ids:
        # Claimed under a row lock: a second run at the same moment skips it (no double SMS).
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("certificate__profile__user")
                .filter(pk=reminder_id, hooks_done_at__isnull=True)
                .first()
            )
            if reminder is None:
                continue
            failed = False
            for hook in hooks:
                try:
                    hook(reminder)
                except Exception:
                    failed = True
                    logger.exception("Certificate reminder hook %r failed (retried next run)", hook)
            if not failed:
                reminder.hooks_done_at = timezone.now()
                reminder.save(update_fields=["hooks_done_at"])
                done += 1
    return done


def reminders_for(user, today=None):
    """The renewal reminders ``user`` should still see: those of the certificates they hold
    (through their trainee profile, so a reminder made before the account was linked counts)
    that are valid, not expired and not yet renewed. Newest first, with the certificate."""
    today = today or timezone.localdate()
    if not getattr(user, "is_authenticated", False):
        return Reminder.objects.none()
    return (
        Reminder.objects.filter(
            certificate__profile__user=user,
            certificate__status=Certificate.Status.VALID,
            certificate__valid_until__gte=today,
        )
        .exclude(Exists(_renewed("certificate")))
        .select_related("certificate")
        .order_by("-created_at", "-pk")
    )


def do_mark_reminders_read(user, reminder_ids):
    """Mark the user's own reminders among ``reminder_ids`` as read (My certificates)."""
    if not reminder_ids:
        return 0
    return Reminder.objects.filter(
        pk__in=reminder_ids, certificate__profile__user=user, read_at__isnull=True
    ).update(read_at=timezone.now())


# --- The register ----------------------------------------------------------------------------

CURRENT, DUE, LAPSED = "current", "due", "lapsed"
REGISTER_STATES = {
    CURRENT: gettext_lazy("Current"),
    DUE: gettext_lazy("Due for renewal"),
    LAPSED: gettext_lazy("Lapsed"),
}


@dataclass
class RegisterRow:
    certificate: Certificate  # the holder's latest valid certificate of the tier
    state: str
    window_opens: datetime.date

    @property
    def state_label(self):
        return str(REGISTER_STATES[self.state])


def holder_state(certificate, cert_policy, today):
    if certificate.valid_until < today:
        return LAPSED
    if today >= window_opens_on(certificate, cert_policy):
        return DUE
    return CURRENT


def register_rows(*, tier=None, state=None, today=None):
    """One row per holder and tier (their latest certificate that was not revoked or
    replaced): current, due (window open) or lapsed (expired, not renewed). Two queries."""
    today = today or timezone.localdate()
    policies = policies_by_tier()
    certificates = Certificate.objects.filter(status=Certificate.Status.VALID).select_related(
        "profile", "training_class"
    )
    if tier:
        certificates = certificates.filter(tier=tier)
    latest = {}
    for certificate in certificates.order_by("valid_until", "pk"):
        latest[(certificate.profile_id, certificate.tier)] = certificate
    rows = []
    for certificate in latest.values():
        cert_policy = policy_for(certificate.tier, policies)
        row = RegisterRow(
            certificate=certificate,
            state=holder_state(certificate, cert_policy, today),
            window_opens=window_opens_on(certificate, cert_policy),
        )
        if state is None or row.state == state:
            rows.append(row)
    rows.sort(key=lambda r: (r.certificate.valid_until, r.certificate.holder_name))
    return rows


# --- Facts shown to verifiers (the page and the API) -----------------------------------------


CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,40}")


def is_code_shaped(code):
    """Could ``code`` be a verification code (``token_urlsafe``: ASCII letters, digits, - _)?"""
    return bool(CODE_SHAPE.fullmatch(code or ""))


def find_by_code(code):
    """The certificate with this code, or None; malformed codes are not looked up at all."""
    code = (code or "").strip()
    if not is_code_shaped(code):
        return None
    return (
        Certificate.objects.select_related("training_class__institution", "profile")
        .filter(code=code)
        .first()
    )


# --- The public verification's own rate limit --------------------------------------------

VERIFY_RATE_WINDOW = 60  # seconds


class VerifyRateLimited(Exception):
    """Too many look-ups from one address; ``retry_after`` in seconds."""

    def __init__(self, retry_after):
        self.retry_after = retry_after
        super().__init__(
            _(
                "Too many certificate look-ups from your network. "
                "Please wait a minute and try again."
            )
        )


def _client_key(address):
    """One counter per IPv4 address, and per /64 for IPv6 (one household or phone gets a whole
    /64 and could otherwise step around the limit)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def check_verify_rate(client_address):
    """Count one look-up of the public verification (page, API) from ``client_address``, or
    raise ``VerifyRateLimited`` without counting it when the address already made
    ``CERTIFICATE_VERIFY_RATE_LIMIT`` look-ups in the last minute (0: no limit). The counter
    is ``lms.core.ratelimit``'s; when the cache is down the look-up goes ahead (the record is
    public anyway)."""
    limit = settings.CERTIFICATE_VERIFY_RATE_LIMIT
    if limit <= 0:
        return
    try:
        wait = ratelimit.hit(
            f"certificates:verify:{_client_key(client_address)}", limit, VERIFY_RATE_WINDOW
        )
    except Exception:
        logger.warning("certificate verification rate limit skipped: cache unavailable")
        return
    if wait:
        raise VerifyRateLimited(retry_after=wait)


def verification_facts(certificate, today=None):
    """What anyone may know about a certificate: no reason for revocation, no link to a
    replacement, the ID number masked."""
    state = display_status(certificate, today)
    renewed = certificate.renewals.exclude(status=Certificate.Status.REVOKED).exists()
    return {
        "serial": certificate.serial,
        "holder_name": certificate.holder_name,
        "id_number_masked": certificate.profile.masked_id_number,
        "tier": certificate.tier,
        "tier_label": str(certificate.get_tier_display()),
        "class_name": certificate.training_class.name,
        "institution": certificate.training_class.institution.legal_name,
        "hours": certificate.hours,
        "course_start": certificate.course_start,
        "course_end": certificate.course_end,
        "issued_on": certificate.issued_on,
        "valid_until": certificate.valid_until,
        "status": state,
        "status_label": str(status_label(state)),
        "revoked_on": (
            timezone.localdate(certificate.revoked_at) if certificate.revoked_at else None
        ),
        "renewed": renewed,
    }
