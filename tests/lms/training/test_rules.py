"""The pure rules for plans, classes and sessions, which the admin, API and commands share."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from lms.training.actions import latest_approved_plan, validate_class_dates
from lms.training.models import TrainingPlan
from lms.training.validators import (
    class_capacity_errors,
    class_date_errors,
    plan_number_errors,
    session_errors,
)
from tests.factories import training as build

D = datetime.date
T = datetime.time


def test_a_sound_plan_has_no_errors():
    assert (
        plan_number_errors(
            number_of_classes=4,
            trainees_per_class=50,
            days_per_class=3,
            start_date=D(2026, 3, 1),
            end_date=D(2026, 3, 3),
            min_age=16,
            max_age=45,
            village_quota=10,
        )
        == {}
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"number_of_classes": 0}, "number_of_classes"),
        ({"trainees_per_class": 51}, "trainees_per_class"),
        ({"trainees_per_class": 0}, "trainees_per_class"),
        ({"days_per_class": 2}, "days_per_class"),
        ({"days_per_class": 6}, "days_per_class"),
        ({"start_date": D(2026, 3, 2), "end_date": D(2026, 3, 1)}, "end_date"),
        ({"start_date": D(2026, 3, 1), "end_date": D(2026, 3, 2), "days_per_class": 3}, "end_date"),
        ({"min_age": 30, "max_age": 20}, "max_age"),
        ({"village_quota": 0}, "village_quota"),
        ({"village_quota": 11, "trainees_per_class": 10}, "village_quota"),
    ],
)
def test_each_plan_number_rule(values, field):
    assert field in plan_number_errors(**values)


def test_missing_values_are_not_judged():
    assert plan_number_errors() == {}


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (D(2026, 3, 10), D(2026, 3, 12), None),
        (D(2026, 3, 10), D(2026, 3, 11), "end_date"),  # 2 days
        (D(2026, 3, 10), D(2026, 3, 13), "end_date"),  # 4 days, the plan says 3
        (D(2026, 3, 10), D(2026, 3, 16), "end_date"),  # 7 days
        (D(2026, 3, 12), D(2026, 3, 10), "end_date"),  # backwards
        (D(2026, 2, 27), D(2026, 3, 1), "start_date"),  # starts before the plan
        (D(2026, 3, 30), D(2026, 4, 1), "start_date"),  # ends after the plan
    ],
)
def test_class_dates(start, end, field):
    errors = class_date_errors(
        start, end, plan_start=D(2026, 3, 1), plan_end=D(2026, 3, 31), days_per_class=3
    )
    assert (field in errors) if field else errors == {}


def test_validate_class_dates_raises_a_translated_message(world):
    plan = world.plan
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_class_dates(plan, plan.start_date, plan.start_date + datetime.timedelta(days=3))
    assert "3 days per class" in error.value.message_dict["end_date"][0]
    validate_class_dates(plan, plan.start_date, plan.start_date + datetime.timedelta(days=2))


@pytest.mark.parametrize(
    ("capacity", "taken", "ok"),
    [(40, 0, True), (41, 0, False), (51, 0, False), (0, 0, False), (10, 10, True), (9, 10, False)],
)
def test_capacity(capacity, taken, ok):
    errors = class_capacity_errors(capacity, trainees_per_class=40, places_taken=taken)
    assert (errors == {}) == ok


def _venue(institution_id, kind):
    return SimpleNamespace(institution_id=institution_id, kind=kind)


def _session(**values):
    defaults = {
        "date": D(2026, 3, 10),
        "starts_at": T(9),
        "ends_at": T(11),
        "kind": "theory",
        "venue": _venue(1, "classroom"),
        "lecturer": SimpleNamespace(pk=7),
        "lessons": [SimpleNamespace(path="000100010001", title="开店")],
    }
    defaults.update(values)
    return SimpleNamespace(**defaults)


def _check(*sessions):
    return session_errors(
        list(sessions),
        start_date=D(2026, 3, 10),
        end_date=D(2026, 3, 12),
        institution_id=1,
        lecturer_ids={7},
        course_paths=["00010001"],
    )


def test_sound_sessions():
    practice = _session(
        kind="practice", venue=_venue(1, "computer_room"), starts_at=T(14), ends_at=T(16)
    )
    assert _check(_session(), practice) == [{}, {}]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"date": D(2026, 3, 9)}, "date"),
        ({"date": D(2026, 3, 13)}, "date"),
        ({"starts_at": T(11), "ends_at": T(9)}, "ends_at"),
        ({"starts_at": T(11), "ends_at": T(11)}, "ends_at"),
        ({"venue": _venue(2, "classroom")}, "venue"),
        ({"venue": _venue(1, "computer_room")}, "venue"),
        ({"kind": "practice"}, "venue"),
        ({"lecturer": SimpleNamespace(pk=8)}, "lecturer"),
        ({"lessons": [SimpleNamespace(path="000100020001", title="政策")]}, "lessons"),
        ({"lessons": [SimpleNamespace(path="00010001", title="课程本身")]}, "lessons"),
    ],
)
def test_each_session_rule(values, field):
    assert field in _check(_session(**values))[0]


def test_a_session_without_a_lecturer_or_lessons_is_fine():
    assert _check(_session(lecturer=None, lessons=[])) == [{}]


@pytest.mark.parametrize(
    ("second", "overlaps"),
    [
        ((T(10), T(12)), True),
        ((T(8), T(9, 30)), True),
        ((T(9, 30), T(10, 30)), True),
        ((T(11), T(12)), False),
        ((T(8), T(9)), False),
    ],
)
def test_overlaps_on_the_same_day(second, overlaps):
    errors = _check(_session(), _session(starts_at=second[0], ends_at=second[1]))
    flagged = any("starts_at" in e for e in errors)
    assert flagged == overlaps


def test_the_same_hours_on_another_day_do_not_overlap():
    assert _check(_session(), _session(date=D(2026, 3, 11))) == [{}, {}]


def test_latest_approved_plan(world, make_user):
    from lms.training.actions import check_approve_plan, check_revise_plan, check_submit_plan

    assert latest_approved_plan(world.plan.code, world.a) == world.plan
    assert latest_approved_plan(world.plan.code, world.b) is None
    assert latest_approved_plan("NOPE", world.a) is None
    revision = check_revise_plan(world.plan, acting_user=world.staff_a)
    assert latest_approved_plan(world.plan.code, world.a) == world.plan
    check_submit_plan(revision, acting_user=world.staff_a)
    check_approve_plan(revision, acting_user=make_user("commerce_officer"))
    assert latest_approved_plan(world.plan.code, world.a) == revision
    draft = build.make_plan(world.a, code="D", status=TrainingPlan.Status.DRAFT)
    assert latest_approved_plan(draft.code, world.a) is None
