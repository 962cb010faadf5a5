"""Recertification: the window, renewal by a knowledge-update exam, reminders and their hooks,
the register's states, and the daily command's automatic issue."""

import datetime
import io

import pytest
from django.core.management import call_command

from assessments.actions import certificates as actions
from assessments.models import (
    Attempt,
    Certificate,
    CertificatePolicy,
    CompletionRule,
    Exam,
    Reminder,
)
from assessments.signals import attempt_graded
from tests.assessments.test_certificates import (
    THURSDAY,
    at,
    finished_class,
    good_trainee,
    pass_exam,
)
from tests.factories.assessments import make_assignment, make_exam, make_question
from tests.factories.training import make_class, make_enrolment

pytestmark = pytest.mark.django_db

VALID_UNTIL = datetime.date(2028, 3, 12)
WINDOW_OPENS = datetime.date(2027, 12, 12)  # 3 months before
CLOSING = datetime.date(2028, 2, 27)  # 14 days before

received = []


def record_hook(reminder):
    received.append((reminder.certificate_id, reminder.kind))


def broken_hook(reminder):
    raise RuntimeError("SMS gateway down")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(at(THURSDAY, 10), tick=False)
    return time_machine


@pytest.fixture
def world(clock, make_user):
    w = finished_class(make_user)
    w.officer = make_user("commerce_officer")
    w.good = good_trainee(w)
    w.alumnus = w.good.profile.user
    (w.certificate,) = actions.check_issue_certificates(w.officer, w.training_class)
    assert w.certificate.valid_until == VALID_UNTIL
    # The knowledge-update class the alumnus joins, with its exam.
    w.update_class = make_class(w.plan, start_date=datetime.date(2027, 12, 1))
    make_enrolment(w.update_class, profile=w.good.profile)
    w.update_exam = make_exam(
        w.course,
        [make_question(w.course)],
        title="知识更新考试",
        purpose=Exam.Purpose.KNOWLEDGE_UPDATE,
    )
    w.update_assignment = make_assignment(
        w.update_exam,
        w.update_class,
        opens_at=at(datetime.date(2027, 10, 1), 9),
        closes_at=at(datetime.date(2028, 6, 1), 9),
    )
    actions.connect()
    received.clear()
    return w


def sit_update_exam(w, day, passed=True):
    attempt = pass_exam(w.update_assignment, w.alumnus, passed=passed, submitted_at=at(day, 10))
    attempt_graded.send(sender=Attempt, attempt=attempt)
    return attempt


def test_window_opens_before_expiry(world):
    assert actions.window_opens_on(world.certificate) == WINDOW_OPENS
    CertificatePolicy.objects.create(tier="primary", window_months=6)
    assert actions.window_opens_on(world.certificate) == datetime.date(2027, 9, 12)


def test_renewal_inside_the_window_counts_from_completion(world, clock):
    clock.move_to(at(datetime.date(2028, 1, 10), 12))
    sit_update_exam(world, datetime.date(2028, 1, 10))
    new = Certificate.objects.get(renews=world.certificate)
    assert new.valid_until == datetime.date(2030, 1, 10)
    assert new.training_class == world.update_class
    assert new.serial.endswith("-2028-P-0001")  # numbered in the year of issue
    world.certificate.refresh_from_db()
    assert world.certificate.status == Certificate.Status.VALID  # valid to its own end
    # A regrade sends the signal again: still one renewal.
    attempt = Attempt.objects.get(user=world.alumnus, assignment=world.update_assignment)
    attempt_graded.send(sender=Attempt, attempt=attempt)
    assert Certificate.objects.filter(renews=world.certificate).count() == 1
    # The old certificate's public facts say it was renewed.
    assert actions.verification_facts(world.certificate)["renewed"] is True


def test_no_renewal_before_the_window(world, clock):
    clock.move_to(at(datetime.date(2027, 11, 1), 12))
    sit_update_exam(world, datetime.date(2027, 11, 1))
    assert not Certificate.objects.filter(renews__isnull=False).exists()


def test_no_renewal_after_expiry_or_when_failed(world, clock):
    clock.move_to(at(datetime.date(2028, 1, 10), 12))
    sit_update_exam(world, datetime.date(2028, 1, 10), passed=False)
    assert not Certificate.objects.filter(renews__isnull=False).exists()
    clock.move_to(at(datetime.date(2028, 3, 13), 12))
    sit_update_exam(world, datetime.date(2028, 3, 13))
    assert not Certificate.objects.filter(renews__isnull=False).exists()


def test_course_exam_does_not_renew(world, clock):
    world.update_exam.purpose = Exam.Purpose.COURSE
    world.update_exam.save()
    clock.move_to(at(datetime.date(2028, 1, 10), 12))
    sit_update_exam(world, datetime.date(2028, 1, 10))
    assert not Certificate.objects.filter(renews__isnull=False).exists()


def test_register_states_follow_renewal(world, clock):
    def state():
        (row,) = actions.register_rows()
        return row.state, row.certificate

    assert state() == ("current", world.certificate)
    clock.move_to(at(WINDOW_OPENS, 9))
    assert state() == ("due", world.certificate)
    clock.move_to(at(VALID_UNTIL + datetime.timedelta(days=1), 9))
    assert state() == ("lapsed", world.certificate)
    clock.move_to(at(datetime.date(2028, 1, 10), 12))
    sit_update_exam(world, datetime.date(2028, 1, 10))
    current, certificate = state()
    assert current == "current" and certificate.renews == world.certificate


def test_reminders_once_each_with_hooks(world, clock, settings):
    settings.CERTIFICATE_REMINDER_HOOKS = [
        "tests.assessments.test_certificates_renewal.broken_hook",
        "tests.assessments.test_certificates_renewal.record_hook",
    ]
    clock.move_to(at(WINDOW_OPENS - datetime.timedelta(days=1), 7))
    call_command("send_certificate_reminders", stdout=io.StringIO())
    assert not Reminder.objects.exists()
    clock.move_to(at(WINDOW_OPENS, 7))
    call_command("send_certificate_reminders", stdout=io.StringIO())
    call_command("send_certificate_reminders", stdout=io.StringIO())
    reminder = Reminder.objects.get()
    assert reminder.kind == Reminder.Kind.WINDOW_OPEN and reminder.user == world.alumnus
    assert received == [(world.certificate.pk, "window_open")]  # despite the broken hook
    clock.move_to(at(CLOSING, 7))
    actions.do_send_reminders()
    actions.do_send_reminders()
    assert sorted(Reminder.objects.values_list("kind", flat=True)) == [
        "closing_soon",
        "window_open",
    ]
    assert received[-1] == (world.certificate.pk, "closing_soon")
    clock.move_to(at(VALID_UNTIL + datetime.timedelta(days=1), 7))
    assert actions.do_send_reminders() == []


def test_no_reminders_for_renewed_or_revoked(world, clock):
    clock.move_to(at(datetime.date(2028, 1, 10), 12))
    sit_update_exam(world, datetime.date(2028, 1, 10))
    assert actions.do_send_reminders() == []
    other = good_trainee(world, "王五")
    (theirs,) = actions.do_issue_certificates(
        world.training_class,
        [other.profile.pk],
        acting_user=world.officer,
        today=THURSDAY,
    )
    actions.check_revoke_certificate(world.officer, theirs.pk, "作废")
    assert actions.do_send_reminders() == []


def test_daily_command_issues_automatically(world, clock):
    newcomer = good_trainee(world, "王五")
    call_command("send_certificate_reminders", stdout=io.StringIO())
    assert not Certificate.objects.filter(profile=newcomer.profile).exists()
    CompletionRule.objects.create(training_class=world.training_class, issue_automatically=True)
    call_command("send_certificate_reminders", stdout=io.StringIO())
    certificate = Certificate.objects.get(profile=newcomer.profile)
    assert certificate.issued_by is None
