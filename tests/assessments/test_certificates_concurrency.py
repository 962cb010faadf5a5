"""Two issuers at the same moment, on PostgreSQL (threads released together): exactly one
certificate per eligible trainee, serials unique and consecutive; and the daily reminders run
twice at once sends each reminder once."""

import threading

import pytest
import time_machine
from django.test import override_settings

from assessments.actions import certificates as actions
from assessments.models import Certificate, CertificateSequence, Reminder
from lms.audit.models import AuditEvent
from tests.assessments.test_attempts_concurrency import run_together
from tests.assessments.test_certificates import (
    THURSDAY,
    at,
    attend,
    finished_class,
    good_trainee,
)
from tests.factories.training import make_enrolment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

COUNTY = "430599"
ELIGIBLE = 7


@pytest.fixture
def world(make_user):
    from tests.factories import ensure_site

    # time-machine moves the clock of every thread.
    with (
        time_machine.travel(at(THURSDAY, 10), tick=True),
        override_settings(LMS_COUNTY_CODE=COUNTY),
    ):
        ensure_site()
        w = finished_class(make_user)
        w.officer = make_user("commerce_officer")
        w.eligible = [good_trainee(w, f"学员{n}").profile for n in range(ELIGIBLE)]
        w.absent = make_enrolment(w.training_class, user=True)
        attend(w, w.absent, ["absent"] * 4)
        yield w


def serial_numbers(certificates):
    return sorted(int(c.serial.rsplit("-", 1)[1]) for c in certificates)


def test_two_issuers_at_once_issue_each_certificate_once(world):
    issuers = iter([world.officer, world.head_teacher, world.officer])
    lock = threading.Lock()

    def issue():
        with lock:
            issuer = next(issuers)
        return actions.check_issue_certificates(issuer, world.training_class)

    outcomes = run_together(issue, count=3)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    # One issuer issued them all; the others found nothing left to issue.
    assert sorted(len(o) for o in outcomes) == [0, 0, ELIGIBLE]
    certificates = list(Certificate.objects.all())
    assert sorted(c.profile_id for c in certificates) == sorted(p.pk for p in world.eligible)
    assert all(c.serial.startswith(f"{COUNTY}-2026-P-") for c in certificates)
    assert serial_numbers(certificates) == list(range(1, ELIGIBLE + 1))
    assert (
        CertificateSequence.objects.get(county=COUNTY, year=2026, tier="primary").last == ELIGIBLE
    )
    assert AuditEvent.objects.filter(action="certificate.issued").count() == ELIGIBLE


def test_two_classes_of_a_tier_at_once_share_one_gap_free_sequence(world, make_user):
    """No sequence row yet: both issuers try to create it; serials still come out 1..n."""
    with (
        time_machine.travel(at(THURSDAY, 10), tick=True),
        override_settings(LMS_COUNTY_CODE=COUNTY),
    ):
        other = finished_class(make_user)
        for n in range(4):
            good_trainee(other, f"他班{n}")
        classes = iter([world.training_class, other.training_class])
        lock = threading.Lock()

        def issue():
            with lock:
                training_class = next(classes)
            return actions.check_issue_certificates(world.officer, training_class)

        outcomes = run_together(issue, count=2)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(len(o) for o in outcomes) == [4, ELIGIBLE]
    everything = list(Certificate.objects.all())
    assert serial_numbers(everything) == list(range(1, ELIGIBLE + 4 + 1))
    # Each issue took one unbroken block of numbers.
    for issued in outcomes:
        numbers = serial_numbers(issued)
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert CertificateSequence.objects.get().last == ELIGIBLE + 4


calls = []


def counting_hook(reminder):
    calls.append((reminder.certificate_id, reminder.kind))


def test_two_reminder_runs_at_once_remind_once(world, settings):
    settings.CERTIFICATE_REMINDER_HOOKS = [
        "tests.assessments.test_certificates_concurrency.counting_hook"
    ]
    with override_settings(LMS_COUNTY_CODE=COUNTY):
        issued = actions.check_issue_certificates(world.officer, world.training_class)
    calls.clear()
    window_opens = actions.window_opens_on(issued[0])
    with time_machine.travel(at(window_opens, 7), tick=True):
        outcomes = run_together(actions.do_send_reminders, count=2)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(len(o) for o in outcomes) == ELIGIBLE
    assert Reminder.objects.count() == ELIGIBLE
    assert sorted(calls) == sorted((c.pk, "window_open") for c in issued)
