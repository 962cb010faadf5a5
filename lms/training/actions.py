"""Changes to training institutions, training plans and training classes.

The admin's views and forms, the API, the class page and the seed data call these functions,
so every change is authorised, validated, atomic, kept in the history and audited the same
way. ``check_<verb>`` authorises and validates, then calls ``do_<verb>``, which changes the
rows; the pure rules live in ``validators``. See ``docs/classes.md``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.audit.actions import record

from . import validators
from .models import (
    Condition,
    Institution,
    InstitutionStatusChange,
    PlanEvent,
    Tier,
    TrainingClass,
    TrainingPlan,
)
from .policy import (
    can_accept_classes,
    can_change_institution_status,
    can_edit_plans_of,
    can_review_plans,
    can_schedule_class,
)

Status = Institution.Status

# Every allowed change of status. A cancelled institution may re-apply: an officer moves it
# back to applied with a reason (the credit code is unique, so the same record carries on,
# keeping its history and public notice); its four conditions are then assessed afresh.
ALLOWED_TRANSITIONS = {
    Status.APPLIED: frozenset({Status.QUALIFIED, Status.CANCELLED}),
    Status.QUALIFIED: frozenset({Status.SUSPENDED, Status.CANCELLED}),
    Status.SUSPENDED: frozenset({Status.QUALIFIED, Status.CANCELLED}),
    Status.CANCELLED: frozenset({Status.APPLIED}),
}
CONDITION_FLAGS = [f"{condition.value}_met" for condition in Condition]
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
    changes = {"status": [from_status.value, new_status.value]}
    updates = {"status": new_status, "status_changed_at": now}
    if from_status == Status.CANCELLED and new_status == Status.APPLIED:
        # A re-application is assessed afresh: the conditions must be confirmed again.
        for flag in CONDITION_FLAGS:
            updates[flag] = False
            if getattr(institution, flag):
                changes[flag] = [True, False]
    with transaction.atomic():
        updated = Institution.objects.filter(pk=institution.pk, status=from_status).update(
            **updates
        )
        if not updated:
            raise ValidationError(
                {
                    "new_status": _(
                        "Someone changed this institution's status meanwhile; reload and try again."
                    )
                }
            )
        for name, value in updates.items():
            setattr(institution, name, value)
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
            changes=changes,
            reason=reason,
        )
    return change


def record_qualification_edit(institution, changes, *, acting_user):
    """Audit a change to an institution's four conditions or evidence made in its editor."""
    if changes:
        record(
            "institution.qualification_edited",
            institution,
            actor=acting_user,
            changes=changes,
        )


# --- Training plans --------------------------------------------------------------------------

PlanStatus = TrainingPlan.Status
PLAN_EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.REJECTED})
MAX_COMMENT_LENGTH = 2000

# The fields a new revision copies from the approved one.
PLAN_COPIED_FIELDS = [
    "institution",
    "code",
    "title",
    "tier",
    "number_of_classes",
    "trainees_per_class",
    "start_date",
    "end_date",
    "days_per_class",
    "content_summary",
    "min_age",
    "max_age",
    "min_education",
    "min_computer_skill",
    "categories",
    "village_quota",
]
PLAN_COPIED_M2M = ["courses", "venues", "lecturers"]


def tier_page_path(tier):
    """The tree path of the curricula's page for ``tier``, or None if there is none."""
    from courses_content.models import TierPage

    return TierPage.objects.filter(tier=tier).values_list("path", flat=True).first()


def courses_outside_tier(courses, tier):
    """The courses that are not in the curricula of ``tier`` (one query)."""
    path = tier_page_path(tier)
    if path is None:
        return list(courses)
    return [course for course in courses if not course.path.startswith(path)]


def plan_errors(plan, *, courses=None, venues=None, lecturers=None, for_submission=False):
    """Every rule a plan revision must meet, as ``{field: [messages]}``.

    ``courses``, ``venues`` and ``lecturers`` default to the plan's saved ones. Courses come
    from the curricula of the plan's tier; venues belong to the plan's institution. A plan
    sent for approval needs at least one course, venue and lecturer.
    """
    from lms.accounts.models import TraineeProfile

    errors = validators.plan_number_errors(
        number_of_classes=plan.number_of_classes,
        trainees_per_class=plan.trainees_per_class,
        days_per_class=plan.days_per_class,
        start_date=plan.start_date,
        end_date=plan.end_date,
        min_age=plan.min_age,
        max_age=plan.max_age,
        village_quota=plan.village_quota,
    )
    add = validators.add_error
    # None means the field's own validation already failed; say nothing more about it.
    if plan.min_education is not None and plan.min_education not in (
        TraineeProfile.Education.values
    ):
        add(errors, "min_education", _("Choose an education level from the list."))
    if plan.min_computer_skill is not None and plan.min_computer_skill not in (
        TraineeProfile.ComputerSkill.values
    ):
        add(errors, "min_computer_skill", _("Choose a computer skill level from the list."))
    if plan.categories is not None and (
        not isinstance(plan.categories, list)
        or any(category not in TraineeProfile.Category.values for category in plan.categories)
    ):
        add(errors, "categories", _("Choose categories from the list."))
    courses = list(plan.courses.all() if courses is None else courses)
    venues = list(plan.venues.all() if venues is None else venues)
    lecturers = list(plan.lecturers.all() if lecturers is None else lecturers)
    if plan.tier:
        outside = courses_outside_tier(courses, plan.tier)
        if outside:
            add(
                errors,
                "courses",
                _("These courses are not in the curricula of %(tier)s: %(courses)s.")
                % {
                    "tier": dict(Tier.choices).get(plan.tier, plan.tier),
                    "courses": _("; ").join(course.title for course in outside),
                },
            )
    if plan.institution_id is not None:
        foreign = [venue for venue in venues if venue.institution_id != plan.institution_id]
        if foreign:
            add(errors, "venues", _("Choose venues of the plan's institution."))
    if for_submission:
        if not courses:
            add(errors, "courses", _("Choose the courses the classes will teach."))
        if not venues:
            add(errors, "venues", _("Choose the venues the classes will use."))
        if not lecturers:
            add(errors, "lecturers", _("Choose lecturers from the lecturer library."))
    return errors


def _clean_comment(comment, *, required=False, message=None):
    comment = (comment or "").strip()
    if required and not comment:
        raise ValidationError({"comment": message or _("Give your comments.")})
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            {"comment": _("Comments can be at most %(n)d characters.") % {"n": MAX_COMMENT_LENGTH}}
        )
    return comment


def _require_plan_status(plan, allowed, message):
    if plan.status not in allowed:
        raise ValidationError({"__all__": [message]})


def _move_plan(plan, from_status, action, *, acting_user, comment="", **updates):
    """Move ``plan`` from ``from_status`` (only if it is still there), add a ``PlanEvent`` and
    an audit row. Runs inside the caller's transaction."""
    updated = TrainingPlan.objects.filter(pk=plan.pk, status=from_status).update(**updates)
    if not updated:
        raise ValidationError(
            {"__all__": [_("Someone changed this plan meanwhile; reload and try again.")]}
        )
    changes = {"status": [from_status, updates.get("status", from_status)]}
    for name, value in updates.items():
        setattr(plan, name, value)
    event = PlanEvent.objects.create(
        plan=plan,
        action=action,
        comment=comment,
        actor=acting_user if acting_user is not None and acting_user.pk else None,
        at=timezone.now(),
    )
    record(f"training_plan.{action}", plan, actor=acting_user, changes=changes, reason=comment)
    return event


def check_submit_plan(plan, *, acting_user, comment=""):
    """Institution staff (or an administrator) send a draft or rejected revision for approval.

    Only a qualified institution may submit, and the plan must meet every rule."""
    if not can_edit_plans_of(acting_user, plan.institution_id):
        raise PermissionDenied(_("Only the institution's staff may submit its plans."))
    _require_plan_status(plan, PLAN_EDITABLE, _("Only a draft or rejected plan can be submitted."))
    comment = _clean_comment(comment)
    if plan.institution.status != Institution.Status.QUALIFIED:
        raise ValidationError(
            {"__all__": [_("Only a qualified institution may submit a training plan.")]}
        )
    validators.raise_if_errors(plan_errors(plan, for_submission=True))
    return do_submit_plan(plan, acting_user=acting_user, comment=comment)


def do_submit_plan(plan, *, acting_user, comment=""):
    with transaction.atomic():
        return _move_plan(
            plan,
            plan.status,
            PlanEvent.Action.SUBMITTED,
            acting_user=acting_user,
            comment=comment,
            status=PlanStatus.SUBMITTED,
            submitted_at=timezone.now(),
        )


def check_withdraw_plan(plan, *, acting_user, comment=""):
    """Institution staff take back a submitted plan before it is decided; it is a draft again."""
    if not can_edit_plans_of(acting_user, plan.institution_id):
        raise PermissionDenied(_("Only the institution's staff may withdraw its plans."))
    _require_plan_status(plan, {PlanStatus.SUBMITTED}, _("Only a submitted plan can be withdrawn."))
    comment = _clean_comment(comment)
    return do_withdraw_plan(plan, acting_user=acting_user, comment=comment)


def do_withdraw_plan(plan, *, acting_user, comment=""):
    with transaction.atomic():
        return _move_plan(
            plan,
            PlanStatus.SUBMITTED,
            PlanEvent.Action.WITHDRAWN,
            acting_user=acting_user,
            comment=comment,
            status=PlanStatus.DRAFT,
        )


def check_approve_plan(plan, *, acting_user, comment=""):
    """A commerce officer approves a submitted revision; the revision it replaces (if any) is
    then superseded. The institution must still be qualified."""
    if not can_review_plans(acting_user):
        raise PermissionDenied(_("Only commerce officers may approve training plans."))
    _require_plan_status(plan, {PlanStatus.SUBMITTED}, _("Only a submitted plan can be approved."))
    comment = _clean_comment(comment)
    if plan.institution.status != Institution.Status.QUALIFIED:
        raise ValidationError(
            {"__all__": [_("The institution is no longer qualified; the plan cannot be approved.")]}
        )
    validators.raise_if_errors(plan_errors(plan, for_submission=True))
    return do_approve_plan(plan, acting_user=acting_user, comment=comment)


def do_approve_plan(plan, *, acting_user, comment=""):
    now = timezone.now()
    with transaction.atomic():
        # The old revision steps aside first: only one revision of a plan is approved at a time.
        if plan.supersedes_id is not None:
            old = TrainingPlan.objects.filter(
                pk=plan.supersedes_id, status=PlanStatus.APPROVED
            ).first()
            if old is not None:
                _move_plan(
                    old,
                    PlanStatus.APPROVED,
                    PlanEvent.Action.REVISED,
                    acting_user=acting_user,
                    comment=_("Superseded by revision %(revision)d.") % {"revision": plan.revision},
                    status=PlanStatus.SUPERSEDED,
                )
        return _move_plan(
            plan,
            PlanStatus.SUBMITTED,
            PlanEvent.Action.APPROVED,
            acting_user=acting_user,
            comment=comment,
            status=PlanStatus.APPROVED,
            decided_at=now,
            decided_by=acting_user if acting_user is not None and acting_user.pk else None,
            decision_comment=comment,
        )


def check_reject_plan(plan, *, acting_user, comment):
    """A commerce officer rejects a submitted revision, saying why; staff may then edit and
    submit it again."""
    if not can_review_plans(acting_user):
        raise PermissionDenied(_("Only commerce officers may reject training plans."))
    _require_plan_status(plan, {PlanStatus.SUBMITTED}, _("Only a submitted plan can be rejected."))
    comment = _clean_comment(comment, required=True, message=_("Say why the plan is rejected."))
    return do_reject_plan(plan, acting_user=acting_user, comment=comment)


def do_reject_plan(plan, *, acting_user, comment):
    with transaction.atomic():
        return _move_plan(
            plan,
            PlanStatus.SUBMITTED,
            PlanEvent.Action.REJECTED,
            acting_user=acting_user,
            comment=comment,
            status=PlanStatus.REJECTED,
            decided_at=timezone.now(),
            decided_by=acting_user if acting_user is not None and acting_user.pk else None,
            decision_comment=comment,
        )


def check_revise_plan(plan, *, acting_user, comment=""):
    """Start a change to an approved plan: a new draft revision that needs approval again.

    The approved revision stays in force (and its classes stay with it) until the new one
    is approved. One revision at a time: a second is refused while the first exists."""
    if not can_edit_plans_of(acting_user, plan.institution_id) or not acting_user.has_perm(
        "training.add_trainingplan"
    ):
        raise PermissionDenied(_("Only the institution's staff may revise its plans."))
    _require_plan_status(plan, {PlanStatus.APPROVED}, _("Only an approved plan can be revised."))
    comment = _clean_comment(comment)
    if TrainingPlan.objects.filter(supersedes=plan).exists():
        raise ValidationError(
            {"__all__": [_("A new revision of this plan already exists; edit that one.")]}
        )
    return do_revise_plan(plan, acting_user=acting_user, comment=comment)


def do_revise_plan(plan, *, acting_user, comment=""):
    """Copy ``plan`` (fields and courses, venues and lecturers) into a new draft revision."""
    actor = acting_user if acting_user is not None and acting_user.pk else None
    with transaction.atomic():
        last = (
            TrainingPlan.objects.select_for_update()
            .filter(institution_id=plan.institution_id, code=plan.code)
            .order_by("-revision")
            .values_list("revision", flat=True)
            .first()
        )
        revision = TrainingPlan(
            **{name: getattr(plan, name) for name in PLAN_COPIED_FIELDS},
            revision=(last or plan.revision) + 1,
            supersedes=plan,
            status=PlanStatus.DRAFT,
            created_by=actor,
        )
        revision.categories = list(plan.categories or [])
        revision.save()
        for name in PLAN_COPIED_M2M:
            getattr(revision, name).set(getattr(plan, name).all())
        revision.save()  # ParentalManyToMany values are written on save.
        PlanEvent.objects.create(
            plan=revision,
            action=PlanEvent.Action.REVISED,
            comment=comment,
            actor=actor,
            at=timezone.now(),
        )
        record(
            "training_plan.revised",
            revision,
            actor=acting_user,
            changes={"revision": [plan.revision, revision.revision], "supersedes": [None, plan.pk]},
            reason=comment,
        )
    return revision


PLAN_STEPS = {
    "submit": check_submit_plan,
    "withdraw": check_withdraw_plan,
    "approve": check_approve_plan,
    "reject": check_reject_plan,
    "revise": check_revise_plan,
}


def _has_revision(plan):
    # Listings annotate ``has_revision`` so that buttons cost no query per row.
    has_revision = getattr(plan, "has_revision", None)
    if has_revision is None:
        has_revision = TrainingPlan.objects.filter(supersedes=plan).exists()
    return has_revision


def plan_steps_for(plan, user):
    """The steps ``user`` may take on ``plan`` now (for buttons; the actions check again)."""
    steps = []
    staff = can_edit_plans_of(user, plan.institution_id)
    if staff and plan.status in PLAN_EDITABLE:
        steps.append("submit")
    if staff and plan.status == PlanStatus.SUBMITTED:
        steps.append("withdraw")
    if can_review_plans(user) and plan.status == PlanStatus.SUBMITTED:
        steps += ["approve", "reject"]
    if (
        staff
        and plan.status == PlanStatus.APPROVED
        and user.has_perm("training.add_trainingplan")
        and not _has_revision(plan)
    ):
        steps.append("revise")
    return steps


# --- Training classes ------------------------------------------------------------------------

ClassStatus = TrainingClass.Status

# Forward through the life of a class; a class may go back from enrolling to planned.
CLASS_TRANSITIONS = {
    ClassStatus.PLANNED: frozenset({ClassStatus.ENROLLING}),
    ClassStatus.ENROLLING: frozenset({ClassStatus.PLANNED, ClassStatus.IN_PROGRESS}),
    ClassStatus.IN_PROGRESS: frozenset({ClassStatus.FINISHED}),
    ClassStatus.FINISHED: frozenset({ClassStatus.ARCHIVED}),
    ClassStatus.ARCHIVED: frozenset(),
}


def latest_approved_plan(code, institution):
    """The approved revision of the plan ``code`` of ``institution`` (the one in force), or None."""
    return (
        TrainingPlan.objects.filter(code=code, institution=institution, status=PlanStatus.APPROVED)
        .order_by("-revision")
        .first()
    )


def validate_class_dates(plan, start, end):
    """Raise ``ValidationError`` unless a class from ``start`` to ``end`` fits ``plan``: inside
    its dates, exactly its days per class (3-5)."""
    validators.raise_if_errors(
        validators.class_date_errors(
            start,
            end,
            plan_start=plan.start_date,
            plan_end=plan.end_date,
            days_per_class=plan.days_per_class,
        )
    )


def places_taken(training_class):
    """The enrolments holding a place in the class (applied or enrolled)."""
    from lms.enrolment.models import ClassEnrolment

    if training_class.pk is None:
        return 0
    return ClassEnrolment.objects.filter(
        training_class_id=training_class.pk, status__in=ClassEnrolment.HOLDS_PLACE
    ).count()


def classes_opened_under(plan, *, exclude=None):
    """The classes opened under any revision of ``plan`` (same code and institution)."""
    queryset = TrainingClass.objects.filter(
        plan__institution_id=plan.institution_id, plan__code=plan.code
    )
    if exclude is not None and getattr(exclude, "pk", None) is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset


def class_errors(training_class, *, plan, lecturers=None, is_new=None):
    """Every rule a class must meet, as ``{field: [messages]}``.

    A new class opens only under the latest approved revision of a plan of a qualified
    institution, and within the plan's number of classes; every class keeps within its
    plan's trainees per class (and at most 50), its dates and days, has a head teacher holding
    that role, and lecturers from the plan. ``lecturers`` defaults to the saved ones.
    """
    errors = {}
    add = validators.add_error
    if training_class.status == ClassStatus.ARCHIVED:
        add(errors, "__all__", _("An archived class cannot be changed."))
        return errors
    if plan is None:
        return errors
    is_new = training_class.pk is None if is_new is None else is_new
    if is_new:
        if (
            plan.status != PlanStatus.APPROVED
            or latest_approved_plan(plan.code, plan.institution_id) != plan
        ):
            add(errors, "plan", _("Classes open only under the approved revision of a plan."))
        elif plan.institution.status != Institution.Status.QUALIFIED:
            add(errors, "plan", _("Only a qualified institution may open classes."))
        elif classes_opened_under(plan, exclude=training_class).count() >= plan.number_of_classes:
            add(
                errors,
                "plan",
                _("The plan allows %(n)d classes and all of them are open already.")
                % {"n": plan.number_of_classes},
            )
    for field, messages in validators.class_capacity_errors(
        training_class.capacity,
        trainees_per_class=plan.trainees_per_class,
        places_taken=places_taken(training_class),
    ).items():
        errors.setdefault(field, []).extend(messages)
    for field, messages in validators.class_date_errors(
        training_class.start_date,
        training_class.end_date,
        plan_start=plan.start_date,
        plan_end=plan.end_date,
        days_per_class=plan.days_per_class,
    ).items():
        errors.setdefault(field, []).extend(messages)
    head_teacher = training_class.head_teacher
    if head_teacher is not None and not head_teacher.has_role("head_teacher"):
        add(errors, "head_teacher", _("The head teacher must hold the head teacher role."))
    if lecturers is None:
        lecturers = list(training_class.lecturers.all()) if training_class.pk else []
    allowed = set(plan.lecturers.values_list("pk", flat=True))
    outside = [lecturer for lecturer in lecturers if lecturer.pk not in allowed]
    if outside:
        add(
            errors,
            "lecturers",
            _("Only the plan's lecturers may teach its classes; not in the plan: %(names)s.")
            % {"names": _("; ").join(lecturer.name for lecturer in outside)},
        )
    return errors


def session_errors_for(training_class, sessions, *, plan, lecturers):
    """``validators.session_errors`` for ``sessions`` of ``training_class`` under ``plan``."""
    course_paths = list(plan.courses.values_list("path", flat=True))
    return validators.session_errors(
        sessions,
        start_date=training_class.start_date,
        end_date=training_class.end_date,
        institution_id=plan.institution_id,
        lecturer_ids={lecturer.pk for lecturer in lecturers},
        course_paths=course_paths,
    )


def allowed_class_statuses(training_class, user):
    """The statuses ``user`` may move ``training_class`` to now (for the form's choices)."""
    allowed = []
    for status in ClassStatus:
        if status not in CLASS_TRANSITIONS[ClassStatus(training_class.status)]:
            continue
        if _may_move_class(user, training_class, status):
            allowed.append(status)
    return allowed


def _may_move_class(user, training_class, new_status):
    if new_status == ClassStatus.ARCHIVED:
        return can_accept_classes(user)
    return can_schedule_class(user, training_class)


def check_change_class_status(training_class, new_status, *, acting_user, reason=""):
    """Move a class along planned -> enrolling -> in progress -> finished -> archived (or back
    from enrolling to planned).

    Staff of the class's institution and administrators make the first steps; archiving (the
    acceptance of the training file) is for commerce officers and administrators. A class
    opens for enrolment or starts only while its institution is qualified, and starts only
    with a head teacher and at least one session. Raises ``PermissionDenied`` or
    ``ValidationError`` (keyed by ``new_status`` or ``reason``); nothing changes then.
    """
    if new_status not in ClassStatus.values:
        raise ValidationError({"new_status": _("Choose a status from the list.")})
    new_status = ClassStatus(new_status)
    if not _may_move_class(acting_user, training_class, new_status):
        if new_status == ClassStatus.ARCHIVED:
            raise PermissionDenied(_("Only commerce officers may accept and archive a class."))
        raise PermissionDenied(_("Only the institution's staff may change this class's status."))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("The reason can be at most %(n)d characters.") % {"n": MAX_REASON_LENGTH}}
        )
    current = ClassStatus(training_class.status)
    if new_status not in CLASS_TRANSITIONS[current]:
        raise ValidationError(
            {
                "new_status": _("A class that is %(current)s cannot become %(new)s.")
                % {"current": current.label, "new": new_status.label}
            }
        )
    if new_status in {ClassStatus.ENROLLING, ClassStatus.IN_PROGRESS} and (
        training_class.institution.status != Institution.Status.QUALIFIED
    ):
        raise ValidationError(
            {"new_status": _("The institution is not qualified; the class cannot go ahead.")}
        )
    if new_status == ClassStatus.IN_PROGRESS:
        problems = []
        if training_class.head_teacher_id is None:
            problems.append(_("Choose a head teacher before the class starts."))
        if not training_class.sessions.exists():
            problems.append(_("Add at least one session before the class starts."))
        if problems:
            raise ValidationError({"new_status": problems})
    return do_change_class_status(
        training_class, new_status, acting_user=acting_user, reason=reason
    )


def do_change_class_status(training_class, new_status, *, acting_user, reason=""):
    """Move ``training_class`` to ``new_status`` and audit it, atomically; refused (nothing
    saved) if someone changed the status meanwhile."""
    new_status = ClassStatus(new_status)
    from_status = ClassStatus(training_class.status)
    now = timezone.now()
    with transaction.atomic():
        updated = TrainingClass.objects.filter(pk=training_class.pk, status=from_status).update(
            status=new_status, status_changed_at=now
        )
        if not updated:
            raise ValidationError(
                {
                    "new_status": _(
                        "Someone changed this class's status meanwhile; reload and try again."
                    )
                }
            )
        training_class.status = new_status
        training_class.status_changed_at = now
        record(
            "training_class.status_changed",
            training_class,
            actor=acting_user,
            changes={"status": [from_status.value, new_status.value]},
            reason=reason,
        )
    return training_class


# --- Read helpers for the lecturer library ----------------------------------------------------


def with_rating_summary(lecturers):
    """Annotate ``rating_average`` and ``rating_count`` from trainees' anonymous ratings, in
    the same query as the lecturers. Nothing about who rated is read."""
    from django.db.models import Avg, Count

    return lecturers.annotate(
        rating_average=Avg("ratings__score"), rating_count=Count("ratings", distinct=True)
    )


def attach_courses_taught(lecturers):
    """Set ``courses_taught`` (titles, sorted) on each lecturer: the courses naming them and
    the courses of the lessons they taught in class sessions. Three queries for any number."""
    from courses_content.models import CoursePage

    from .models import ClassSession

    lecturers = list(lecturers)
    by_id = {lecturer.pk: lecturer for lecturer in lecturers}
    for lecturer in lecturers:
        lecturer.courses_taught = []
    if not by_id:
        return lecturers
    named = list(
        CoursePage.lecturers.through.objects.filter(lecturer_id__in=by_id).values_list(
            "lecturer_id", "coursepage_id"
        )
    )
    taught = list(
        ClassSession.lessons.through.objects.filter(classsession__lecturer_id__in=by_id)
        .values_list("classsession__lecturer_id", "lessonpage__path")
        .distinct()
    )
    steplen = CoursePage.steplen
    course_paths = {path[:-steplen] for _lecturer_id, path in taught}
    courses = CoursePage.objects.filter(
        models.Q(pk__in={course_id for _lecturer_id, course_id in named})
        | models.Q(path__in=course_paths)
    ).values_list("pk", "path", "title")
    title_by_pk, title_by_path = {}, {}
    for pk, path, title in courses:
        title_by_pk[pk] = title_by_path[path] = title
    found = {pk: set() for pk in by_id}
    for lecturer_id, course_id in named:
        if course_id in title_by_pk:
            found[lecturer_id].add(title_by_pk[course_id])
    for lecturer_id, path in taught:
        title = title_by_path.get(path[:-steplen])
        if title:
            found[lecturer_id].add(title)
    for pk, titles in found.items():
        by_id[pk].courses_taught = sorted(titles)
    return lecturers
