"""The plan screens in the admin: drafting, the frozen states, the review steps and history."""

import pytest

from lms.audit.models import AuditEvent
from lms.training.actions import check_submit_plan
from lms.training.models import PlanEvent, TrainingPlan
from tests.factories import training as build

from .conftest import plan_form_data

Status = TrainingPlan.Status
ADD_URL = "/admin/training/plans/new/"


def edit_url(plan):
    return f"/admin/training/plans/edit/{plan.pk}/"


def inspect_url(plan):
    return f"/admin/training/plans/inspect/{plan.pk}/"


def step_url(plan, step):
    return f"/admin/training/plans/{plan.pk}/{step}/"


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


def test_staff_draft_a_plan(client, world):
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, plan_form_data(world, categories=["rural_youth"]))
    assert response.status_code == 302, response.context["form"].errors
    plan = TrainingPlan.objects.get(code="A-NEW")
    assert (plan.institution, plan.status, plan.revision) == (world.a, Status.DRAFT, 1)
    assert plan.created_by == world.staff_a
    assert plan.categories == ["rural_youth"]
    assert list(plan.courses.all()) == [world.curriculum.course.specific]
    assert set(plan.venues.all()) == {world.classroom, world.computer_room}
    assert AuditEvent.objects.filter(
        action="training_plan.created", object_id=str(plan.pk)
    ).exists()


def test_staff_are_offered_only_their_own_institutions_and_venues(client, world):
    client.force_login(world.staff_a)
    form = client.get(ADD_URL).context["form"]
    assert list(form.fields["institution"].queryset) == [world.a]
    assert world.b_classroom not in form.fields["venues"].queryset
    response = client.post(
        ADD_URL, plan_form_data(world, institution=world.b.pk, venues=[world.b_classroom.pk])
    )
    assert response.status_code == 200
    assert {"institution", "venues"} & set(response.context["form"].errors)
    assert not TrainingPlan.objects.filter(code="A-NEW").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"trainees_per_class": "51"}, "trainees_per_class"),
        ({"trainees_per_class": "0"}, "trainees_per_class"),
        ({"days_per_class": "2"}, "days_per_class"),
        ({"days_per_class": "6"}, "days_per_class"),
        ({"number_of_classes": "0"}, "number_of_classes"),
        ({"end_date": "2000-01-01"}, "end_date"),
        ({"min_age": "46", "max_age": "45"}, "max_age"),
        ({"village_quota": "46"}, "village_quota"),
        ({"village_quota": "0"}, "village_quota"),
        ({"tier": "cadre"}, "courses"),
        ({"min_education": "phd"}, "min_education"),
        ({"categories": ["astronaut"]}, "categories"),
        ({"code": "A-2026"}, "code"),  # the code of an existing plan
    ],
)
def test_each_plan_rule(client, world, values, field):
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, plan_form_data(world, **values))
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert TrainingPlan.objects.count() == 1


def test_a_period_shorter_than_one_class_is_refused(client, world):
    data = plan_form_data(world, days_per_class="5")
    data["end_date"] = data["start_date"]
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, data)
    assert "end_date" in response.context["form"].errors


def test_a_draft_is_edited_but_a_frozen_plan_is_not(client, world, draft):
    client.force_login(world.staff_a)
    data = plan_form_data(world, code=draft.code, title="改过的标题")
    response = client.post(edit_url(draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "改过的标题"
    check_submit_plan(draft, acting_user=world.staff_a)
    response = client.get(edit_url(draft))
    assert response.status_code == 302
    assert response["Location"].endswith(inspect_url(draft))
    response = client.post(edit_url(draft), {**data, "title": "偷改"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "改过的标题"
    # The approved plan too.
    response = client.post(edit_url(world.plan), plan_form_data(world, code=world.plan.code))
    assert response.status_code == 302
    world.plan.refresh_from_db()
    assert world.plan.title != "2026年初级电商人才培训方案"


def test_the_form_refuses_a_frozen_revision(world):
    from lms.training.wagtail_hooks import TrainingPlanViewSet

    form_class = TrainingPlanViewSet("x").get_form_class(for_update=True)
    form = form_class(
        plan_form_data(world, code=world.plan.code), instance=world.plan, for_user=world.staff_a
    )
    assert not form.is_valid()
    assert form.non_field_errors()


def test_a_revisions_code_and_institution_are_fixed(client, world, make_user):
    from lms.training.actions import check_revise_plan

    revision = check_revise_plan(world.plan, acting_user=world.staff_a)
    client.force_login(world.staff_a)
    response = client.post(edit_url(revision), plan_form_data(world, code="CHANGED"))
    assert response.status_code == 302, response.context["form"].errors
    revision.refresh_from_db()
    assert revision.code == world.plan.code and revision.institution == world.a


def test_only_drafts_are_deleted(client, world, draft):
    client.force_login(world.staff_a)
    response = client.post(f"/admin/training/plans/delete/{world.plan.pk}/")
    assert response.status_code == 302
    assert TrainingPlan.objects.filter(pk=world.plan.pk).exists()
    response = client.post(f"/admin/training/plans/delete/{draft.pk}/")
    assert response.status_code == 302
    assert not TrainingPlan.objects.filter(pk=draft.pk).exists()


def test_other_institutions_plans_are_404(client, world, draft):
    client.force_login(world.staff_b)
    for url in (
        edit_url(draft),
        inspect_url(draft),
        f"/admin/training/plans/delete/{draft.pk}/",
        f"/admin/training/plans/history/{draft.pk}/",
        step_url(draft, "submit"),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(step_url(draft, "submit"), {"comment": ""}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert client.get(step_url(TrainingPlan(pk=999999), "submit")).status_code == 404


def test_the_steps_through_the_admin(client, world, draft, make_user):
    officer = make_user("commerce_officer")
    client.force_login(world.staff_a)
    assert client.get(step_url(draft, "submit")).status_code == 200
    response = client.post(step_url(draft, "submit"), {"comment": "请审核"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    # Staff cannot approve: Wagtail turns the refusal into a redirect home; nothing changes.
    refused = client.post(step_url(draft, "approve"), {"comment": ""})
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    client.force_login(officer)
    response = client.post(step_url(draft, "reject"), {"comment": ""})
    assert response.status_code == 400
    assert "comment" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    response = client.post(step_url(draft, "reject"), {"comment": "师资不足"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.REJECTED
    # History on the inspect view.
    page = client.get(inspect_url(draft))
    assert page.status_code == 200
    assert "师资不足" in page.text and "请审核" in page.text


def test_a_step_that_is_not_available_redirects_with_a_message(client, world, draft):
    client.force_login(world.staff_a)
    response = client.get(step_url(draft, "withdraw"))
    assert response.status_code == 302
    response = client.post(step_url(draft, "withdraw"), {"comment": ""})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()


def test_submitting_an_incomplete_plan_shows_why(client, world):
    plan = build.make_plan(world.a, code="EMPTY", status=Status.DRAFT)
    client.force_login(world.staff_a)
    response = client.post(step_url(plan, "submit"), {"comment": ""})
    assert response.status_code == 400
    assert len(response.context["form"].non_field_errors()) >= 3
    plan.refresh_from_db()
    assert plan.status == Status.DRAFT


def test_revising_through_the_admin_opens_the_new_draft(client, world):
    client.force_login(world.staff_a)
    response = client.post(step_url(world.plan, "revise"), {"comment": "调整日期"})
    revision = TrainingPlan.objects.get(code=world.plan.code, revision=2)
    assert response.status_code == 302
    assert response["Location"].endswith(edit_url(revision))
    page = client.get(inspect_url(revision))
    assert "调整日期" in page.text
    assert inspect_url(world.plan) in page.text  # the revisions are linked


def test_the_listing_filters_by_status(client, world, draft, make_user):
    client.force_login(make_user("commerce_officer"))
    response = client.get("/admin/training/plans/", {"status": "draft"})
    assert response.status_code == 200
    assert draft.title in response.text
    shown = list(response.context["object_list"])
    assert shown == [draft]


def test_staff_list_only_their_plans(client, world, draft):
    b_plan = build.make_plan(world.b, code="B-1")
    client.force_login(world.staff_b)
    shown = list(client.get("/admin/training/plans/").context["object_list"])
    assert shown == [b_plan]


def test_plan_events_are_shown_for_every_revision(client, world, make_user):
    from lms.training.actions import check_approve_plan, check_revise_plan

    officer = make_user("commerce_officer")
    revision = check_revise_plan(world.plan, acting_user=world.staff_a, comment="第二版")
    check_submit_plan(revision, acting_user=world.staff_a)
    check_approve_plan(revision, acting_user=officer, comment="同意第二版")
    client.force_login(officer)
    page = client.get(inspect_url(world.plan))
    assert "第二版" in page.text and "同意第二版" in page.text
    assert PlanEvent.objects.filter(plan=world.plan, action="revised").exists()
