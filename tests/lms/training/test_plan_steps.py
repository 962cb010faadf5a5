"""Training plan review: submit, withdraw, approve, reject and revise, with who may do each."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from lms.audit.models import AuditEvent
from lms.training.actions import (
    check_approve_plan,
    check_reject_plan,
    check_revise_plan,
    check_submit_plan,
    check_withdraw_plan,
    latest_approved_plan,
    plan_steps_for,
)
from lms.training.models import Institution, PlanEvent, TrainingClass, TrainingPlan
from tests.factories import training as build

Status = TrainingPlan.Status


@pytest.fixture
def officer(make_user):
    return make_user("commerce_officer", username="officer")


@pytest.fixture
def draft(world):
    return build.make_plan(
        world.a,
        code="A-DRAFT",
        status=Status.DRAFT,
        courses=[world.curriculum.course],
        venues=[world.classroom],
        lecturers=[world.lecturer],
    )


def events(plan):
    return list(PlanEvent.objects.filter(plan=plan).values_list("action", flat=True))


def audit_actions(plan):
    return list(
        AuditEvent.objects.filter(object_type="training.trainingplan", object_id=str(plan.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_the_whole_review(world, draft, officer):
    check_submit_plan(draft, acting_user=world.staff_a, comment="请审核")
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.submitted_at is not None
    check_reject_plan(draft, acting_user=officer, comment="课程安排不足")
    draft.refresh_from_db()
    assert draft.status == Status.REJECTED
    assert draft.decision_comment == "课程安排不足" and draft.decided_by == officer
    check_submit_plan(draft, acting_user=world.staff_a)
    check_withdraw_plan(draft, acting_user=world.staff_a)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    check_submit_plan(draft, acting_user=world.staff_a)
    check_approve_plan(draft, acting_user=officer, comment="同意")
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED and draft.decided_at is not None
    assert events(draft) == [
        "submitted",
        "rejected",
        "submitted",
        "withdrawn",
        "submitted",
        "approved",
    ]
    assert audit_actions(draft) == [f"training_plan.{action}" for action in events(draft)]
    event = PlanEvent.objects.get(plan=draft, action="rejected")
    assert (event.actor, event.comment) == (officer, "课程安排不足")


def test_a_rejection_needs_comments(world, draft, officer):
    check_submit_plan(draft, acting_user=world.staff_a)
    for comment in ("", "   ", None):
        with pytest.raises(ValidationError) as error:
            check_reject_plan(draft, acting_user=officer, comment=comment)
        assert "comment" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert events(draft) == ["submitted"]


def test_only_a_qualified_institution_submits(world, draft):
    Institution.objects.filter(pk=world.a.pk).update(status=Institution.Status.SUSPENDED)
    draft.institution.refresh_from_db()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        check_submit_plan(draft, acting_user=world.staff_a)
    assert "qualified" in str(error.value)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and not events(draft)


def test_an_incomplete_plan_is_not_submitted(world):
    plan = build.make_plan(world.a, code="EMPTY", status=Status.DRAFT)
    with pytest.raises(ValidationError) as error:
        check_submit_plan(plan, acting_user=world.staff_a)
    assert {"courses", "venues", "lecturers"} <= set(error.value.message_dict)
    plan.refresh_from_db()
    assert plan.status == Status.DRAFT


def test_a_plan_breaking_a_rule_is_not_submitted(world, draft):
    draft.courses.set([world.curriculum.cadre_course])
    draft.venues.set([world.b_classroom])
    draft.save()
    with pytest.raises(ValidationError) as error:
        check_submit_plan(draft, acting_user=world.staff_a)
    assert {"courses", "venues"} <= set(error.value.message_dict)


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.SUBMITTED, "submit"),
        (Status.APPROVED, "submit"),
        (Status.SUPERSEDED, "submit"),
        (Status.DRAFT, "withdraw"),
        (Status.APPROVED, "withdraw"),
        (Status.DRAFT, "approve"),
        (Status.REJECTED, "approve"),
        (Status.APPROVED, "approve"),
        (Status.DRAFT, "reject"),
        (Status.APPROVED, "reject"),
        (Status.DRAFT, "revise"),
        (Status.SUBMITTED, "revise"),
        (Status.SUPERSEDED, "revise"),
    ],
)
def test_steps_out_of_order_are_refused(world, officer, status, step):
    plan = build.make_plan(
        world.a,
        code=f"X-{status}-{step}",
        status=status,
        courses=[world.curriculum.course],
        venues=[world.classroom],
        lecturers=[world.lecturer],
    )
    action = {
        "submit": (check_submit_plan, world.staff_a),
        "withdraw": (check_withdraw_plan, world.staff_a),
        "approve": (check_approve_plan, officer),
        "reject": (check_reject_plan, officer),
        "revise": (check_revise_plan, world.staff_a),
    }[step]
    with pytest.raises(ValidationError):
        action[0](plan, acting_user=action[1], comment="意见")
    plan.refresh_from_db()
    assert plan.status == status
    assert not events(plan)
    assert TrainingPlan.objects.filter(code=plan.code).count() == 1


def test_a_revision_copies_the_plan_and_approval_supersedes_the_old(world, officer):
    plan = world.plan
    plan.categories = ["rural_youth"]
    plan.save()
    running = build.make_class(plan, status=TrainingClass.Status.IN_PROGRESS)
    revision = check_revise_plan(plan, acting_user=world.staff_a, comment="增加一期")
    assert revision.status == Status.DRAFT
    assert (revision.code, revision.revision, revision.supersedes) == (plan.code, 2, plan)
    assert revision.institution == plan.institution
    assert revision.categories == ["rural_youth"]
    assert list(revision.courses.all()) == list(plan.courses.all())
    assert list(revision.venues.all()) == list(plan.venues.all())
    assert list(revision.lecturers.all()) == list(plan.lecturers.all())
    assert revision.created_by == world.staff_a
    # The approved revision stays in force meanwhile.
    assert latest_approved_plan(plan.code, plan.institution) == plan
    with pytest.raises(ValidationError):
        check_revise_plan(plan, acting_user=world.staff_a)  # one revision at a time
    check_submit_plan(revision, acting_user=world.staff_a)
    check_approve_plan(revision, acting_user=officer)
    plan.refresh_from_db()
    revision.refresh_from_db()
    assert plan.status == Status.SUPERSEDED
    assert revision.status == Status.APPROVED
    assert latest_approved_plan(plan.code, plan.institution) == revision
    running.refresh_from_db()
    assert running.plan == plan  # classes stay with the revision they opened under
    assert events(revision) == ["revised", "submitted", "approved"]
    assert events(plan) == ["revised"]
    assert "training_plan.revised" in audit_actions(revision)
    assert audit_actions(plan)[-1] == "training_plan.revised"
    # The new approved revision can be revised again: revision 3.
    third = check_revise_plan(revision, acting_user=world.staff_a)
    assert third.revision == 3


def test_a_rejected_revision_can_be_resubmitted(world, officer):
    revision = check_revise_plan(world.plan, acting_user=world.staff_a)
    check_submit_plan(revision, acting_user=world.staff_a)
    check_reject_plan(revision, acting_user=officer, comment="再议")
    world.plan.refresh_from_db()
    assert world.plan.status == Status.APPROVED
    check_submit_plan(revision, acting_user=world.staff_a)
    check_approve_plan(revision, acting_user=officer)
    world.plan.refresh_from_db()
    assert world.plan.status == Status.SUPERSEDED


def test_two_approved_revisions_cannot_coexist(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingPlan.objects.create(
            institution=world.a,
            code=world.plan.code,
            revision=2,
            title="x",
            tier="primary",
            number_of_classes=1,
            trainees_per_class=10,
            start_date=world.plan.start_date,
            end_date=world.plan.end_date,
            days_per_class=3,
            status=Status.APPROVED,
        )


def test_a_stale_plan_changes_nothing(world, draft, officer):
    stale = TrainingPlan.objects.get(pk=draft.pk)
    check_submit_plan(draft, acting_user=world.staff_a)
    check_approve_plan(draft, acting_user=officer)
    stale.status = Status.SUBMITTED
    with pytest.raises(ValidationError):
        check_reject_plan(stale, acting_user=officer, comment="晚了")
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert events(draft) == ["submitted", "approved"]


def test_nothing_is_half_saved_when_the_audit_fails(world, draft, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr("lms.training.actions.record", broken)
    with pytest.raises(RuntimeError):
        check_submit_plan(draft, acting_user=world.staff_a)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert not events(draft)


# --- Who may take each step ---------------------------------------------------------------

ROLES = [
    "administrator",
    "commerce_officer",
    "finance_officer",
    "staff_own",
    "staff_other",
    "head_teacher",
    "registrar",
    "trainee",
]
MAY = {
    "submit": {"administrator", "staff_own"},
    "withdraw": {"administrator", "staff_own"},
    "approve": {"administrator", "commerce_officer"},
    "reject": {"administrator", "commerce_officer"},
    "revise": {"administrator", "staff_own"},
}
START = {
    "submit": Status.DRAFT,
    "withdraw": Status.SUBMITTED,
    "approve": Status.SUBMITTED,
    "reject": Status.SUBMITTED,
    "revise": Status.APPROVED,
}
ACTIONS = {
    "submit": check_submit_plan,
    "withdraw": check_withdraw_plan,
    "approve": check_approve_plan,
    "reject": check_reject_plan,
    "revise": check_revise_plan,
}


def user_for(role, world, make_user):
    if role == "staff_own":
        return world.staff_a
    if role == "staff_other":
        return world.staff_b
    return make_user(role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", list(ACTIONS))
def test_permission_matrix(world, make_user, role, step):
    plan = build.make_plan(
        world.a,
        code=f"M-{step}",
        status=START[step],
        courses=[world.curriculum.course],
        venues=[world.classroom],
        lecturers=[world.lecturer],
    )
    user = user_for(role, world, make_user)
    assert (step in plan_steps_for(plan, user)) == (role in MAY[step])
    if role in MAY[step]:
        ACTIONS[step](plan, acting_user=user, comment="意见")
        assert events(plan) or step == "revise"
    else:
        with pytest.raises(PermissionDenied):
            ACTIONS[step](plan, acting_user=user, comment="意见")
        plan.refresh_from_db()
        assert plan.status == START[step]
        assert not events(plan)
        assert TrainingPlan.objects.filter(code=plan.code).count() == 1
