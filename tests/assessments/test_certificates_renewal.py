"""Recertification: the window, renewal by a knowledge-update exam, reminders and their hooks,
the register's states, and the daily command's automatic issue."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

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
    attend,
    finished_class,
    good_trainee,
    pass_exam,
)
from tests.factories import UserFactory
from tests.factories.assessments import make_assignment, make_exam, make_question
from tests.factories.training import make_class, make_enrolment

pytestmark = pytest.mark.django_db

VALID_UNTIL = datetime.date(2028, 3, 12)
WINDOW_OPENS = datetime.date(2027, 12, 12)  # 3 months before
CLOSING = datetime.date(2028, 2, 27)  # 14 days before

received = []


def record_hook(reminder):
    received.append((reminder.certificate_id, reminder.kind))


phoned = []


def phone_hook(reminder):
    """An SMS gateway would send to ``reminder.phone``; holders without an account included."""
    phoned.append((reminder.kind, reminder.phone, reminder.user_id))


def attend_all(w, enrolment):
    attend(w, enrolment, ["present"] * len(w.sessions))


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
    received.clear()
    settings.CERTIFICATE_REMINDER_HOOKS = [
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
    assert received == [(world.certificate.pk, "window_open")]
    assert reminder.hooks_done_at is not None
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


gateway_down = []


def flaky_hook(reminder):
    if gateway_down:
        raise RuntimeError("SMS gateway down")
    received.append((reminder.certificate_id, reminder.kind))


def test_a_hook_that_fails_gets_the_reminder_again_on_the_next_run(world, clock, settings):
    received.clear()
    settings.CERTIFICATE_REMINDER_HOOKS = [
        "tests.assessments.test_certificates_renewal.flaky_hook",
        "tests.assessments.test_certificates_renewal.record_hook",
    ]
    gateway_down.append(True)
    clock.move_to(at(WINDOW_OPENS, 7))
    call_command("send_certificate_reminders", stdout=io.StringIO())
    reminder = Reminder.objects.get()
    # The other hook still got it; the reminder waits for the failed one.
    assert received == [(world.certificate.pk, "window_open")]
    assert reminder.hooks_done_at is None
    gateway_down.clear()
    clock.move_to(at(WINDOW_OPENS + datetime.timedelta(days=1), 7))
    call_command("send_certificate_reminders", stdout=io.StringIO())
    reminder.refresh_from_db()
    assert reminder.hooks_done_at is not None
    assert received[1:] == [(world.certificate.pk, "window_open")] * 2  # both hooks, again
    call_command("send_certificate_reminders", stdout=io.StringIO())
    assert len(received) == 3  # done: not again


def test_a_failing_hook_is_retried_for_a_week_only(world, clock, settings):
    settings.CERTIFICATE_REMINDER_HOOKS = ["tests.assessments.test_certificates_renewal.flaky_hook"]
    gateway_down.append(True)
    try:
        clock.move_to(at(WINDOW_OPENS, 7))
        actions.do_send_reminders()
        clock.move_to(at(WINDOW_OPENS + datetime.timedelta(days=8), 7))
        gateway_down.clear()
        received.clear()
        actions.do_send_reminders()
        assert received == []
        assert Reminder.objects.get().hooks_done_at is None
    finally:
        gateway_down.clear()


def test_reminders_made_without_hooks_are_not_sent_when_hooks_come(world, clock, settings):
    settings.CERTIFICATE_REMINDER_HOOKS = []
    clock.move_to(at(WINDOW_OPENS, 7))
    actions.do_send_reminders()
    assert Reminder.objects.get().hooks_done_at is not None
    received.clear()
    settings.CERTIFICATE_REMINDER_HOOKS = [
        "tests.assessments.test_certificates_renewal.record_hook"
    ]
    clock.move_to(at(WINDOW_OPENS + datetime.timedelta(days=1), 7))
    actions.do_send_reminders()
    assert received == []


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


# --- Holders without an account, and no reminder twice --------------------------------------


def test_holders_without_an_account_reach_the_hooks_once(world, clock, settings):
    """A holder registered door to door without an account still gets the SMS reminder (by the
    phone number in the register), is counted, and only once however often the command runs."""
    settings.CERTIFICATE_REMINDER_HOOKS = ["tests.assessments.test_certificates_renewal.phone_hook"]
    offline = make_enrolment(world.training_class)  # no account
    assert offline.profile.user_id is None
    attend_all(world, offline)
    CompletionRule.objects.create(training_class=world.training_class, require_exams=False)
    (theirs,) = actions.check_issue_certificates(world.officer, world.training_class)
    assert theirs.profile == offline.profile
    phoned.clear()
    clock.move_to(at(WINDOW_OPENS, 7))
    out = io.StringIO()
    call_command("send_certificate_reminders", stdout=out)
    assert ("window_open", offline.profile.phone, None) in phoned
    assert ("window_open", world.good.profile.phone, world.alumnus.pk) in phoned
    assert len(phoned) == 2
    assert "reminders: 2 (1 to holders without an account)" in out.getvalue()
    reminder = Reminder.objects.get(certificate=theirs)
    assert reminder.user is None and reminder.phone == offline.profile.phone
    out = io.StringIO()
    call_command("send_certificate_reminders", stdout=out)
    assert len(phoned) == 2
    assert "reminders: 0 (0 to holders without an account)" in out.getvalue()
    clock.move_to(at(CLOSING, 7))
    call_command("send_certificate_reminders", stdout=io.StringIO())
    call_command("send_certificate_reminders", stdout=io.StringIO())
    assert sorted(kind for kind, phone, _user in phoned if phone == offline.profile.phone) == [
        "closing_soon",
        "window_open",
    ]


def test_an_account_linked_later_sees_the_reminder(client, world, clock):
    offline = make_enrolment(world.training_class)
    attend_all(world, offline)
    CompletionRule.objects.create(training_class=world.training_class, require_exams=False)
    (theirs,) = actions.check_issue_certificates(world.officer, world.training_class)
    clock.move_to(at(WINDOW_OPENS, 7))
    actions.do_send_reminders()
    user = UserFactory(roles=["alumnus"])
    offline.profile.user = user
    offline.profile.save()
    client.force_login(user)
    html = client.get(reverse("certificates:mine")).content.decode()
    assert theirs.serial in html and "is-new" in html
    data = client.get("/api/v1/certificates/mine").json()
    assert [r["certificate_id"] for r in data["reminders"]] == [theirs.pk]


def test_a_deleted_account_does_not_bring_the_reminder_back(world, clock, settings):
    settings.CERTIFICATE_REMINDER_HOOKS = [
        "tests.assessments.test_certificates_renewal.record_hook"
    ]
    holder = make_enrolment(world.training_class, user=True)  # no exam sat: nothing protects it
    attend_all(world, holder)
    CompletionRule.objects.create(training_class=world.training_class, require_exams=False)
    (theirs,) = actions.check_issue_certificates(world.officer, world.training_class)
    clock.move_to(at(WINDOW_OPENS, 7))
    assert len(actions.do_send_reminders()) == 2
    holder.profile.user.delete()
    assert actions.do_send_reminders() == []
    assert sorted(received) == sorted(
        [(world.certificate.pk, "window_open"), (theirs.pk, "window_open")]
    )


def test_a_reissue_is_not_reminded_again(world, clock, settings):
    """Correcting the name after the reminder went out must not send the same SMS again."""
    settings.CERTIFICATE_REMINDER_HOOKS = [
        "tests.assessments.test_certificates_renewal.record_hook"
    ]
    clock.move_to(at(WINDOW_OPENS, 7))
    actions.do_send_reminders()
    first = actions.check_reissue_certificate(world.officer, world.certificate.pk, "姓名更正")
    second = actions.check_reissue_certificate(world.officer, first.pk, "再次更正")
    assert actions.do_send_reminders() == []
    assert received == [(world.certificate.pk, "window_open")]
    clock.move_to(at(CLOSING, 7))
    (closing,) = actions.do_send_reminders()
    assert closing.certificate == second and closing.kind == "closing_soon"
    # The holder's page shows the reminder of the certificate they hold now.
    assert {r.certificate_id for r in actions.reminders_for(world.alumnus)} == {second.pk}


def test_no_reminder_for_a_certificate_overtaken_by_a_newer_one(world, clock, make_user):
    """A holder who earned a later certificate of the same tier is current (as the register
    says): no reminder to renew the older one."""
    later = finished_class(make_user)
    later.training_class.start_date = datetime.date(2027, 6, 7)
    later.training_class.end_date = datetime.date(2027, 6, 9)
    later.training_class.save()
    make_enrolment(later.training_class, profile=world.good.profile)
    CompletionRule.objects.create(
        training_class=later.training_class, require_exams=False, attendance_threshold=0
    )
    clock.move_to(at(datetime.date(2027, 6, 10), 9))
    (newer,) = actions.check_issue_certificates(world.officer, later.training_class)
    clock.move_to(at(WINDOW_OPENS, 7))
    assert actions.do_send_reminders() == []
    (row,) = actions.register_rows()
    assert row.certificate == newer and row.state == "current"


def test_reminders_of_renewed_certificates_leave_my_page(client, world, clock):
    clock.move_to(at(WINDOW_OPENS, 7))
    actions.do_send_reminders()
    client.force_login(world.alumnus)
    assert world.certificate.serial in client.get(reverse("certificates:mine")).content.decode()
    clock.move_to(at(datetime.date(2028, 1, 10), 12))
    sit_update_exam(world, datetime.date(2028, 1, 10))
    client.force_login(world.alumnus)
    html = client.get(reverse("certificates:mine")).content.decode()
    assert "cert-reminders" not in html
    assert client.get("/api/v1/certificates/mine").json()["reminders"] == []


def test_a_failing_class_does_not_stop_the_daily_run(world, clock, make_user, monkeypatch):
    broken = finished_class(make_user)
    good_trainee(broken, "王五")
    CompletionRule.objects.create(training_class=broken.training_class, issue_automatically=True)
    newcomer = good_trainee(world, "赵六")
    CompletionRule.objects.create(training_class=world.training_class, issue_automatically=True)
    real = actions.do_issue_certificates

    def flaky(training_class, *args, **kwargs):
        if training_class.pk == broken.training_class.pk:
            raise RuntimeError("disk full")
        return real(training_class, *args, **kwargs)

    monkeypatch.setattr(actions, "do_issue_certificates", flaky)
    clock.move_to(at(WINDOW_OPENS, 7))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("send_certificate_reminders", stdout=out, stderr=err)
    assert Certificate.objects.filter(profile=newcomer.profile).exists()
    assert Reminder.objects.filter(certificate=world.certificate).exists()
    assert broken.training_class.code in err.getvalue()


def test_the_daily_command_is_silent_at_verbosity_0(world, clock):
    clock.move_to(at(WINDOW_OPENS, 7))
    quiet, loud = io.StringIO(), io.StringIO()
    call_command("send_certificate_reminders", verbosity=0, stdout=quiet)
    assert quiet.getvalue() == ""
    call_command("send_certificate_reminders", stdout=loud)
    assert loud.getvalue().startswith("reminders: 0 (0 to holders without an account)")
