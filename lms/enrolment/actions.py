"""Registration and enrolment (报名 / 录取): every change to who is in which class.

The admin, the site and the API all call these functions, so the rules read the same
everywhere:

- the class must be enrolling;
- the class holds at most ``capacity`` places (``ClassEnrolment.HOLDS_PLACE``: applied or
  enrolled), and at most ``plan.village_quota`` of them go to people from one village;
- a person is in a class at most once, and never in two classes whose dates overlap;
- the person meets the plan's eligibility rules (``eligibility.eligibility_problems``), unless
  an administrator admits them with a recorded reason.

``check_*`` functions authorise and validate; ``do_*`` functions change rows. The place rules
are checked inside ``do_*`` with the class row locked (``select_for_update``) and then the
person's row, so two registrars cannot overfill a class or put one person into two overlapping
classes at the same moment. Every change writes an audit row. Errors are ``PermissionDenied``
or ``ValidationError`` with translated messages (each with a ``code``); nothing is half-saved.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.accounts.actions import do_register_trainee
from lms.accounts.models import TraineeProfile
from lms.accounts.validators import id_number_birth_date, normalise_id_number
from lms.audit.actions import record
from lms.training.models import TrainingClass

from .eligibility import eligibility_problems
from .models import ClassEnrolment
from .policy import (
    can_override_eligibility,
    can_set_committee,
    manages_class,
    may_act_for,
    registers_for,
    registrar_village_ids,
)

Status = ClassEnrolment.Status
Source = ClassEnrolment.Source
Role = ClassEnrolment.CommitteeRole
HOLDS_PLACE = ClassEnrolment.HOLDS_PLACE
MAX_REASON_LENGTH = 1000
# Classes whose roster (withdrawals, committee) may still change.
ROSTER_OPEN = (TrainingClass.Status.ENROLLING, TrainingClass.Status.IN_PROGRESS)


# --- Messages shared with the import --------------------------------------------------------


def not_enrolling_error(training_class):
    return ValidationError(
        _("This class is not taking enrolments (it is %(status)s).")
        % {"status": TrainingClass.Status(training_class.status).label},
        code="not_enrolling",
    )


def class_full_error(training_class):
    return ValidationError(
        _("The class is full: all %(capacity)d places are taken.")
        % {"capacity": training_class.capacity},
        code="class_full",
    )


def village_quota_error(training_class, village):
    return ValidationError(
        _("%(village)s has used all its %(quota)d places in this class.")
        % {"village": village.name, "quota": training_class.plan.village_quota},
        code="village_quota",
    )


def already_in_class_error(enrolment):
    return ValidationError(
        _("%(name)s is already in this class (%(status)s).")
        % {"name": enrolment.profile.real_name, "status": enrolment.get_status_display()},
        code="already_in_class",
    )


def overlap_error(profile, other):
    other_class = other.training_class
    return ValidationError(
        _(
            "%(name)s is already in %(class)s (%(start)s to %(end)s), whose dates overlap "
            "this class."
        )
        % {
            "name": profile.real_name,
            "class": other_class.name,
            "start": other_class.start_date.isoformat(),
            "end": other_class.end_date.isoformat(),
        },
        code="overlap",
    )


def not_allowed_error():
    return PermissionDenied(_("You may not register this person in this class."))


def override_forbidden_error():
    return PermissionDenied(_("Only administrators may admit someone who does not meet the rules."))


def clean_reason(reason, *, required=True, field="reason"):
    """A stripped reason of at most ``MAX_REASON_LENGTH`` characters (required unless told)."""
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({field: _("Give a reason.")}, code="reason_required")
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {field: _("The reason can be at most %(n)d characters.") % {"n": MAX_REASON_LENGTH}},
            code="reason_too_long",
        )
    return reason


# --- Reading the rules ----------------------------------------------------------------------


def held_places(training_class):
    return ClassEnrolment.objects.filter(training_class=training_class, status__in=HOLDS_PLACE)


def overlapping_enrolments(training_class, profile_ids):
    """Places held by these people in other classes whose dates overlap ``training_class``."""
    return (
        ClassEnrolment.objects.filter(
            profile_id__in=profile_ids,
            status__in=HOLDS_PLACE,
            training_class__start_date__lte=training_class.end_date,
            training_class__end_date__gte=training_class.start_date,
        )
        .exclude(training_class=training_class)
        .select_related("training_class")
        .order_by("training_class__start_date", "pk")
    )


def place_problems(training_class, profile, *, holds_place_already=False):
    """Errors from the place rules (already in, capacity, village quota, overlap) for one person.

    Call with the class row locked. ``holds_place_already`` is for confirming an application,
    whose place is already counted.
    """
    problems = []
    held = held_places(training_class)
    if not holds_place_already:
        mine = held.filter(profile=profile).select_related("profile").first()
        if mine is not None:
            return [already_in_class_error(mine)]
        if held.count() >= training_class.capacity:
            problems.append(class_full_error(training_class))
        quota = training_class.plan.village_quota
        if held.filter(profile__village_id=profile.village_id).count() >= quota:
            problems.append(village_quota_error(training_class, profile.village))
    other = overlapping_enrolments(training_class, [profile.pk]).first()
    if other is not None:
        problems.append(overlap_error(profile, other))
    return problems


def ineligible_errors(profile, training_class):
    return [
        ValidationError(reason, code="ineligible")
        for reason in eligibility_problems(profile, training_class)
    ]


def _lock_class(training_class):
    return (
        TrainingClass.objects.select_for_update()
        .select_related("plan", "institution")
        .get(pk=training_class.pk)
    )


def _lock_profile(profile):
    return TraineeProfile.objects.select_for_update().select_related("village").get(pk=profile.pk)


def may_register_in(user, training_class):
    """Whether ``user`` may add people to ``training_class`` at all (some or any)."""
    return manages_class(user, training_class) or registers_for(user, training_class)


def _actor(user):
    return user if user is not None and user.pk else None


# --- Registering, applying, confirming ------------------------------------------------------


def check_register_candidate(training_class, profile, *, acting_user, override_reason=""):
    """Enrol an existing person in a class as a registrar, institution staff or administrator.

    Registrars may enrol only people from their villages, in classes that are enrolling;
    institution staff anyone in their institution's classes; administrators anyone anywhere.
    ``override_reason`` admits someone who does not meet the eligibility rules and needs
    ``enrolment.override_eligibility``. Returns the ``ClassEnrolment`` (status enrolled).
    """
    if not may_act_for(acting_user, training_class, profile):
        raise not_allowed_error()
    override_reason = clean_reason(override_reason, required=False, field="override_reason")
    if override_reason and not can_override_eligibility(acting_user):
        raise override_forbidden_error()
    manager = manages_class(acting_user, training_class)
    return do_enrol(
        training_class,
        profile,
        status=Status.ENROLLED,
        source=Source.ADMIN if manager else Source.REGISTRAR,
        acting_user=acting_user,
        override_reason=override_reason,
    )


def do_enrol(training_class, profile, *, status, source, acting_user, override_reason=""):
    """Give ``profile`` a place (``status`` enrolled or applied) in ``training_class``.

    Locks the class, then the person, checks every rule, and writes the enrolment and its audit
    row in one transaction; raises ``ValidationError`` (nothing saved) when a rule fails. A
    declined or withdrawn row for the same person and class is reused.
    """
    with transaction.atomic():
        locked = _lock_class(training_class)
        person = _lock_profile(profile)
        if locked.status != TrainingClass.Status.ENROLLING:
            raise not_enrolling_error(locked)
        problems = place_problems(locked, person)
        if problems:
            raise ValidationError(problems)
        ineligible = ineligible_errors(person, locked)
        if ineligible and not override_reason:
            raise ValidationError(ineligible)
        now = timezone.now()
        enrolment = ClassEnrolment.objects.filter(training_class=locked, profile=person).first()
        before = enrolment.status if enrolment is not None else None
        if enrolment is None:
            enrolment = ClassEnrolment(training_class=locked, profile=person)
        enrolment.status = status
        enrolment.source = source
        enrolment.committee_role = ""
        enrolment.registered_by = _actor(acting_user)
        enrolment.status_reason = ""
        enrolment.eligibility_override = override_reason if ineligible else ""
        enrolment.overridden_by = _actor(acting_user) if ineligible else None
        if status == Status.ENROLLED:
            enrolment.decided_by, enrolment.decided_at = _actor(acting_user), now
        else:
            enrolment.decided_by, enrolment.decided_at = None, None
        enrolment.save()
        changes = {"status": [before, status], "source": source, "profile": person.pk}
        if ineligible:
            changes["eligibility_problems"] = [str(error.message) for error in ineligible]
        record(
            "class_enrolment.enrolled" if status == Status.ENROLLED else "class_enrolment.applied",
            enrolment,
            actor=acting_user,
            changes=changes,
            reason=enrolment.eligibility_override,
        )
    enrolment.training_class = locked
    enrolment.profile = person
    return enrolment


def check_register_new_candidate(training_class, *, acting_user, override_reason="", **fields):
    """Register a person (a ``TraineeProfile``) and enrol them, in one transaction.

    ``fields`` are ``TraineeProfile.DETAIL_FIELDS`` (``date_of_birth`` may be left out: it is
    read from the ID number). An ID number already registered is never registered again: the
    existing person is enrolled instead if ``acting_user`` may act for them, otherwise the
    answer is "already registered". Returns ``(enrolment, created)``; on any error nothing is
    saved.
    """
    if not may_register_in(acting_user, training_class):
        raise not_allowed_error()
    fields = dict(fields)
    fields["id_number"] = normalise_id_number(fields.get("id_number"))
    existing = TraineeProfile.objects.filter(id_number=fields["id_number"]).first()
    if existing is not None:
        return _enrol_existing(training_class, existing, fields, acting_user, override_reason)
    if not fields.get("date_of_birth"):
        fields["date_of_birth"] = id_number_birth_date(fields["id_number"])
    candidate = TraineeProfile(registered_by=acting_user, **fields)
    candidate.full_clean()
    if not manages_class(acting_user, training_class) and (
        candidate.village_id not in registrar_village_ids(acting_user)
    ):
        raise ValidationError(
            {"village": _("Choose one of your villages.")}, code="outside_registrar_area"
        )
    try:
        with transaction.atomic():
            profile = do_register_trainee(acting_user=acting_user, **fields)
            enrolment = check_register_candidate(
                training_class, profile, acting_user=acting_user, override_reason=override_reason
            )
    except IntegrityError:
        # Someone registered the same ID number a moment ago.
        raise ValidationError(
            {"id_number": _("A person with this ID number is already registered.")},
            code="already_registered",
        ) from None
    return enrolment, True


def _enrol_existing(training_class, existing, fields, acting_user, override_reason):
    if not may_act_for(acting_user, training_class, existing):
        raise ValidationError(
            {"id_number": _("A person with this ID number is already registered.")},
            code="already_registered",
        )
    name = (fields.get("real_name") or "").strip()
    if name and name != existing.real_name:
        raise ValidationError(
            {
                "real_name": _(
                    "This ID number is registered under another name (%(name)s); check the "
                    "ID number."
                )
                % {"name": existing.real_name}
            },
            code="name_mismatch",
        )
    enrolment = check_register_candidate(
        training_class, existing, acting_user=acting_user, override_reason=override_reason
    )
    return enrolment, False


def check_apply(training_class, user):
    """A signed-in trainee applies to an enrolling class themselves (status applied).

    The same rules as a registration, except the registrar's area; no override. A registrar of
    the trainee's village (or institution staff or an administrator) then confirms or declines.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to apply."))
    profile = TraineeProfile.objects.filter(user=user).select_related("village").first()
    if profile is None:
        raise ValidationError(
            _(
                "You are not registered as a trainee yet. Ask your village registrar to "
                "register you; then you can apply."
            ),
            code="no_profile",
        )
    previous = ClassEnrolment.objects.filter(training_class=training_class, profile=profile).first()
    if (
        previous is not None
        and previous.status in (Status.DECLINED, Status.WITHDRAWN)
        and previous.decided_by_id != user.pk
    ):
        message = _("Your application to this class was declined or withdrawn.")
        if previous.status_reason:
            reason = _("Reason: %(reason)s") % {"reason": previous.status_reason}
            message = f"{message} {reason}"
        raise ValidationError(message, code="declined_before")
    return do_enrol(
        training_class, profile, status=Status.APPLIED, source=Source.SELF, acting_user=user
    )


def check_confirm_application(enrolment, *, acting_user, override_reason=""):
    """Confirm a pending application: the applicant is enrolled. Registrars of the applicant's
    village, institution staff and administrators; the rules are checked again."""
    if not may_act_for(acting_user, enrolment.training_class, enrolment.profile):
        raise not_allowed_error()
    override_reason = clean_reason(override_reason, required=False, field="override_reason")
    if override_reason and not can_override_eligibility(acting_user):
        raise override_forbidden_error()
    return do_confirm_application(
        enrolment, acting_user=acting_user, override_reason=override_reason
    )


def _lock_enrolment(enrolment):
    return (
        ClassEnrolment.objects.select_for_update()
        .select_related("profile__village")
        .get(pk=enrolment.pk)
    )


def _already_decided_error():
    return ValidationError(
        _("This application has already been decided; reload the page."), code="decided"
    )


def do_confirm_application(enrolment, *, acting_user, override_reason=""):
    with transaction.atomic():
        locked_class = _lock_class(enrolment.training_class)
        row = _lock_enrolment(enrolment)
        if row.status != Status.APPLIED:
            raise _already_decided_error()
        if locked_class.status != TrainingClass.Status.ENROLLING:
            raise not_enrolling_error(locked_class)
        problems = place_problems(locked_class, row.profile, holds_place_already=True)
        if problems:
            raise ValidationError(problems)
        ineligible = ineligible_errors(row.profile, locked_class)
        if ineligible and not override_reason:
            raise ValidationError(ineligible)
        row.status = Status.ENROLLED
        row.decided_by = _actor(acting_user)
        row.decided_at = timezone.now()
        if ineligible:
            row.eligibility_override = override_reason
            row.overridden_by = _actor(acting_user)
        row.save()
        record(
            "class_enrolment.confirmed",
            row,
            actor=acting_user,
            changes={"status": [Status.APPLIED, Status.ENROLLED]},
            reason=row.eligibility_override if ineligible else "",
        )
    return row


def check_decline_application(enrolment, *, reason, acting_user):
    """Decline a pending application with a reason the applicant sees."""
    if not may_act_for(acting_user, enrolment.training_class, enrolment.profile):
        raise not_allowed_error()
    reason = clean_reason(reason)
    return do_decline_application(enrolment, reason=reason, acting_user=acting_user)


def do_decline_application(enrolment, *, reason, acting_user):
    with transaction.atomic():
        row = _lock_enrolment(enrolment)
        if row.status != Status.APPLIED:
            raise _already_decided_error()
        row.status = Status.DECLINED
        row.status_reason = reason
        row.decided_by = _actor(acting_user)
        row.decided_at = timezone.now()
        row.save()
        record(
            "class_enrolment.declined",
            row,
            actor=acting_user,
            changes={"status": [Status.APPLIED, Status.DECLINED]},
            reason=reason,
        )
    return row


def pending_application_of(user, training_class):
    return (
        ClassEnrolment.objects.filter(
            training_class=training_class, profile__user=user, status=Status.APPLIED
        )
        .select_related("profile")
        .first()
    )


def check_withdraw_application(training_class, user):
    """The applicant withdraws their own pending application."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to withdraw an application."))
    enrolment = pending_application_of(user, training_class)
    if enrolment is None:
        raise ValidationError(
            _("You have no pending application to this class."), code="no_application"
        )
    return do_withdraw(enrolment, reason="", acting_user=user, expected=Status.APPLIED)


def check_withdraw_enrolment(enrolment, *, reason, acting_user):
    """Institution staff or an administrator takes an enrolled trainee out of a class."""
    training_class = enrolment.training_class
    if not manages_class(acting_user, training_class):
        raise PermissionDenied(_("Only the institution's staff or an administrator may do this."))
    reason = clean_reason(reason)
    if enrolment.status == Status.APPLIED:
        raise ValidationError(
            _("This is a pending application; decline it instead."), code="is_application"
        )
    if enrolment.status != Status.ENROLLED:
        raise ValidationError(_("This person is not enrolled in the class."), code="not_enrolled")
    if training_class.status not in ROSTER_OPEN:
        raise ValidationError(
            _("The roster of a finished class does not change."), code="roster_closed"
        )
    return do_withdraw(enrolment, reason=reason, acting_user=acting_user, expected=Status.ENROLLED)


def do_withdraw(enrolment, *, reason, acting_user, expected):
    """Withdraw a place (``expected`` is the status it must still have). Audited."""
    with transaction.atomic():
        _lock_class(enrolment.training_class)
        row = _lock_enrolment(enrolment)
        if row.status != expected:
            raise _already_decided_error()
        row.status = Status.WITHDRAWN
        row.status_reason = reason
        row.committee_role = ""
        row.decided_by = _actor(acting_user)
        row.decided_at = timezone.now()
        row.save()
        record(
            "class_enrolment.withdrawn",
            row,
            actor=acting_user,
            changes={"status": [expected, Status.WITHDRAWN]},
            reason=reason,
        )
    return row


# --- The class committee (班委会) -------------------------------------------------------------


def check_set_committee_role(enrolment, role, *, acting_user):
    """Give an enrolled trainee a committee role (or none, with ``role=""``).

    One member per role per class: giving a role held by someone else moves it in one step.
    The class's head teacher, its institution's staff and administrators may do this.
    """
    training_class = enrolment.training_class
    if not can_set_committee(acting_user, training_class):
        raise PermissionDenied(
            _("Only the head teacher, the institution's staff or an administrator may do this.")
        )
    role = (role or "").strip()
    if role and role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")}, code="invalid_role")
    return do_set_committee_role(enrolment, role, acting_user=acting_user)


def do_set_committee_role(enrolment, role, *, acting_user):
    with transaction.atomic():
        locked_class = _lock_class(enrolment.training_class)
        row = _lock_enrolment(enrolment)
        if locked_class.status not in ROSTER_OPEN:
            raise ValidationError(
                _("The committee of a finished class does not change."), code="roster_closed"
            )
        if row.status != Status.ENROLLED:
            raise ValidationError(
                _("Only enrolled trainees can be on the class committee."), code="not_enrolled"
            )
        if row.committee_role == role:
            return row
        if role:
            holder = (
                ClassEnrolment.objects.select_for_update()
                .filter(training_class=locked_class, committee_role=role)
                .exclude(pk=row.pk)
                .first()
            )
            if holder is not None:
                holder.committee_role = ""
                holder.save(update_fields=["committee_role"])
                record(
                    "class_enrolment.committee_role",
                    holder,
                    actor=acting_user,
                    changes={"committee_role": [role, ""]},
                )
        before = row.committee_role
        row.committee_role = role
        row.save(update_fields=["committee_role"])
        record(
            "class_enrolment.committee_role",
            row,
            actor=acting_user,
            changes={"committee_role": [before, role]},
        )
    return row
