"""Attendance rates: pure arithmetic, and the class loader over real rows."""

from decimal import Decimal

import pytest

from lms.attendance import rates
from lms.attendance.models import AttendanceRecord
from lms.attendance.rates import Summary
from tests.factories.training import make_enrolment

from .conftest import MONDAY, TUESDAY, at

P, L, A, V = "present", "late", "absent", "on_leave"


def test_an_empty_summary_has_no_rate():
    summary = rates.summarise([])
    assert summary == Summary()
    assert summary.rate is None
    assert summary.percent is None


def test_present_and_late_count_as_attended():
    summary = rates.summarise([P, L, A, P])
    assert (summary.present, summary.late, summary.absent, summary.on_leave) == (2, 1, 1, 0)
    assert summary.rate == Decimal("0.75")
    assert summary.percent == Decimal("75.0")


def test_no_mark_counts_as_absent():
    summary = rates.summarise([P, None, None])
    assert summary.absent == 2
    assert summary.rate == Decimal("0.3333")
    assert summary.percent == Decimal("33.3")


def test_leave_is_taken_out_of_the_denominator():
    summary = rates.summarise([P, V, A, V])
    assert summary.on_leave == 2
    assert summary.sessions == 4
    assert summary.expected == 2
    assert summary.rate == Decimal("0.5")


def test_all_on_leave_has_no_rate():
    assert rates.summarise([V, V]).rate is None


def test_rounding_is_half_up():
    assert rates.attendance_rate(2, 3) == Decimal("0.6667")
    assert rates.attendance_rate(1, 8) == Decimal("0.1250")
    assert Summary(present=1, absent=7).percent == Decimal("12.5")
    assert Summary(present=2, absent=1).percent == Decimal("66.7")


@pytest.mark.parametrize(("attended", "expected"), [(0, 0), (3, 0), (0, -1)])
def test_nothing_expected_means_no_rate(attended, expected):
    assert rates.attendance_rate(attended, expected) is None


def test_combine_adds_counts_not_rates():
    combined = rates.combine([rates.summarise([P, P]), rates.summarise([A, V, L, A])])
    assert (combined.present, combined.late, combined.absent, combined.on_leave) == (2, 1, 2, 1)
    # (2 + 1) / (6 - 1), not the mean of 100% and 33%
    assert combined.rate == Decimal("0.6")


def test_as_dict_is_json_ready():
    assert rates.summarise([P, L, V]).as_dict() == {
        "sessions_ended": 3,
        "present": 1,
        "late": 1,
        "absent": 0,
        "on_leave": 1,
        "rate": 1.0,
    }


def test_the_class_grid_counts_only_ended_sessions(
    clock, training_class, morning, afternoon, tuesday, enrolment, head_teacher
):
    other = make_enrolment(training_class, user=True)
    make_enrolment(training_class, status="withdrawn")
    AttendanceRecord.objects.create(
        session=morning, enrolment=enrolment, status=P, source="head_teacher"
    )
    AttendanceRecord.objects.create(
        session=afternoon, enrolment=enrolment, status=V, source="leave"
    )
    AttendanceRecord.objects.create(session=morning, enrolment=other, status=L, source="check_in")
    # Tuesday's mark is not counted while the session has not ended.
    AttendanceRecord.objects.create(
        session=tuesday, enrolment=other, status=A, source="head_teacher"
    )
    clock.move_to(at(MONDAY, 18), tick=False)

    grid = rates.load_class_grid(training_class)

    assert [s.pk for s in grid.sessions] == [morning.pk, afternoon.pk, tuesday.pk]
    assert grid.ended == [True, True, False]
    names = [row.enrolment.profile.real_name for row in grid.rows]
    assert names == sorted([enrolment.profile.real_name, other.profile.real_name])
    by_enrolment = {row.enrolment.pk: row for row in grid.rows}
    mine = by_enrolment[enrolment.pk].summary
    assert (mine.present, mine.on_leave, mine.rate) == (1, 1, Decimal("1"))
    theirs = by_enrolment[other.pk].summary
    # late in the morning, no mark in the afternoon (absent), Tuesday not yet counted
    assert (theirs.late, theirs.absent, theirs.rate) == (1, 1, Decimal("0.5"))
    assert [c.status if c else None for c in by_enrolment[other.pk].cells] == [L, None, A]
    assert grid.summary.rate == Decimal("0.6667")  # (1 + 1) / (4 - 1)

    clock.move_to(at(TUESDAY, 12), tick=False)
    # Tuesday has ended: no mark for one trainee (absent), marked absent for the other.
    assert rates.load_class_grid(training_class).summary.absent == 3


def test_the_class_grid_costs_three_queries(
    clock, training_class, morning, afternoon, django_assert_num_queries
):
    for _ in range(5):
        make_enrolment(training_class)
    with django_assert_num_queries(3):
        rates.load_class_grid(training_class)


def test_one_trainees_summary(clock, training_class, morning, afternoon, enrolment):
    AttendanceRecord.objects.create(
        session=morning, enrolment=enrolment, status=L, source="check_in"
    )
    clock.move_to(at(MONDAY, 12), tick=False)
    summary = rates.load_trainee_summary(enrolment)
    assert (summary.sessions, summary.late, summary.rate) == (1, 1, Decimal("1"))
