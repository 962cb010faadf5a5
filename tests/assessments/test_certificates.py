"""Certificates: eligibility, issuing (serials, idempotence, permissions), revoking, reissuing.

The helpers here (``Class``, ``finished_class``, ``pass_exam``, ``attend``) are shared by the
other ``test_certificates_*`` modules.
"""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404
from django.test import override_settings
from django.utils import translation

from assessments.actions import certificates as actions
from assessments.models import (
    Attempt,
    Certificate,
    CertificatePolicy,
    CertificateSequence,
    CompletionRule,
)
from lms.attendance.models import AttendanceRecord
from lms.audit.models import AuditEvent
from lms.training.models import TrainingClass
from tests.factories.assessments import (
    make_assignment,
    make_bank_course,
    make_exam,
    make_question,
)
from tests.factories.training import make_class, make_enrolment, make_plan, make_session

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 3, 9)
THURSDAY = MONDAY + datetime.timedelta(days=3)


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


class Class:
    """A Monday-Wednesday class with four sessions, an exam that counts, and trainees."""


def attend(world, enrolment, statuses):
    for session, status in zip(world.sessions, statuses, strict=True):
        AttendanceRecord.objects.create(
            session=session, enrolment=enrolment, status=status, source="head_teacher"
        )


def pass_exam(assignment, user, *, passed=True, submitted_at=None):
    submitted_at = submitted_at or assignment.opens_at + datetime.timedelta(minutes=20)
    number = Attempt.objects.filter(assignment=assignment, user=user).count() + 1
    return Attempt.objects.create(
        assignment=assignment,
        user=user,
        number=number,
        status=Attempt.Status.GRADED,
        seed=1,
        started_at=submitted_at - datetime.timedelta(minutes=10),
        deadline=submitted_at + datetime.timedelta(minutes=20),
        submitted_at=submitted_at,
        max_score=Decimal("2"),
        score=Decimal("2") if passed else Decimal("0"),
        percent=Decimal("100") if passed else Decimal("0"),
        passed=passed,
    )


def finished_class(make_user, *, status=TrainingClass.Status.FINISHED, tier="primary"):
    w = Class()
    w.course = make_bank_course()
    w.plan = make_plan(courses=[w.course], tier=tier)
    w.head_teacher = make_user("head_teacher")
    w.training_class = make_class(
        w.plan, head_teacher=w.head_teacher, start_date=MONDAY, status=status
    )
    w.sessions = [
        make_session(w.training_class, date=MONDAY + datetime.timedelta(days=d)) for d in (0, 1, 2)
    ] + [
        make_session(
            w.training_class,
            date=MONDAY + datetime.timedelta(days=2),
            starts_at=datetime.time(14, 0),
            ends_at=datetime.time(16, 30),
        )
    ]
    w.exam = make_exam(w.course, [make_question(w.course)], tier=tier)
    w.assignment = make_assignment(
        w.exam, w.training_class, opens_at=at(MONDAY + datetime.timedelta(days=2), 17)
    )
    return w


def good_trainee(w, name="李小梅"):
    """Present at every session and passed the exam."""
    enrolment = make_enrolment(w.training_class, user=True)
    enrolment.profile.real_name = name
    enrolment.profile.save()
    attend(w, enrolment, ["present"] * 4)
    pass_exam(w.assignment, enrolment.profile.user)
    return enrolment


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(at(THURSDAY, 10), tick=False)
    return time_machine


@pytest.fixture
def world(clock, make_user):
    w = finished_class(make_user)
    w.officer = make_user("commerce_officer")
    w.good = good_trainee(w)
    # 3 of 4 sessions: 75% < 80%; passed the exam.
    w.absent = make_enrolment(w.training_class, user=True)
    attend(w, w.absent, ["present", "present", "present", "absent"])
    pass_exam(w.assignment, w.absent.profile.user)
    # One session on approved leave: 3 of 3 expected = 100%; failed the exam.
    w.failed = make_enrolment(w.training_class, user=True)
    attend(w, w.failed, ["present", "on_leave", "present", "late"])
    pass_exam(w.assignment, w.failed.profile.user, passed=False)
    return w


# --- Eligibility ----------------------------------------------------------------------------


def test_eligibility_shows_reasons(world):
    rows = {r.profile.pk: r for r in actions.eligible_trainees(world.training_class)}
    good = rows[world.good.profile.pk]
    assert good.eligible and good.reasons == [] and good.attendance_percent == Decimal("100.0")
    absent = rows[world.absent.profile.pk]
    assert not absent.eligible
    with translation.override("en"):
        (english,) = [
            row.reasons
            for row in actions.eligible_trainees(world.training_class)
            if row.profile.pk == world.absent.profile.pk
        ]
    assert english == ["Attendance 75.0% is below the required 80%."]  # not "8E+1%"
    failed = rows[world.failed.profile.pk]
    # Leave is taken out of the sessions counted: 3 attended of 3 expected.
    assert failed.attendance_percent == Decimal("100.0")
    assert not failed.eligible and failed.passed_exams is False
    assert len(failed.reasons) == 1


def test_completion_rule_threshold_and_exams_can_be_relaxed(world):
    CompletionRule.objects.create(
        training_class=world.training_class, attendance_threshold=75, require_exams=False
    )
    rows = {r.profile.pk: r for r in actions.eligible_trainees(world.training_class)}
    assert rows[world.absent.profile.pk].eligible
    assert rows[world.failed.profile.pk].eligible
    assert rows[world.failed.profile.pk].passed_exams is None


def test_no_ended_session_is_not_eligible(clock, make_user):
    w = finished_class(make_user)
    enrolment = make_enrolment(w.training_class, user=True)
    pass_exam(w.assignment, enrolment.profile.user)
    clock.move_to(at(MONDAY, 8))  # before the first session ended
    (row,) = actions.eligible_trainees(w.training_class)
    assert not row.eligible


# --- Issuing --------------------------------------------------------------------------------


@override_settings(LMS_COUNTY_CODE="430599")
def test_issue_to_the_eligible_only(world):
    issued = actions.check_issue_certificates(world.officer, world.training_class)
    assert len(issued) == 1
    certificate = issued[0]
    assert certificate.profile == world.good.profile
    assert certificate.serial == "430599-2026-P-0001"
    assert certificate.holder_name == "李小梅"
    assert certificate.hours == Decimal("16.0")  # the plan's course
    assert certificate.issued_on == THURSDAY
    assert certificate.valid_until == datetime.date(2028, 3, 12)  # 24 months by default
    assert certificate.course_start == MONDAY
    assert certificate.issued_by == world.officer
    assert len(certificate.code) >= 32
    assert AuditEvent.objects.filter(action="certificate.issued", object_id=certificate.pk)


def test_issuing_twice_does_not_duplicate(world):
    first = actions.check_issue_certificates(world.head_teacher, world.training_class)
    second = actions.check_issue_certificates(world.head_teacher, world.training_class)
    assert len(first) == 1 and second == []
    assert Certificate.objects.count() == 1


@override_settings(LMS_COUNTY_CODE="430599")
def test_serial_sequence_per_county_year_and_tier(world, make_user, clock):
    good_trainee(world, "王五")
    issued = actions.check_issue_certificates(world.officer, world.training_class)
    assert sorted(c.serial for c in issued) == ["430599-2026-P-0001", "430599-2026-P-0002"]
    senior = finished_class(make_user, tier="senior")
    good_trainee(senior)
    (s,) = actions.check_issue_certificates(world.officer, senior.training_class)
    assert s.serial == "430599-2026-S-0001"
    third = good_trainee(world, "赵六")
    (p,) = actions.check_issue_certificates(world.officer, world.training_class)
    assert p.profile == third.profile and p.serial == "430599-2026-P-0003"
    with override_settings(LMS_COUNTY_CODE="430521"):
        other = finished_class(make_user)
        good_trainee(other)
        (c,) = actions.check_issue_certificates(world.officer, other.training_class)
    assert c.serial == "430521-2026-P-0001"
    clock.move_to(at(datetime.date(2027, 1, 5), 10))
    next_year = finished_class(make_user)
    next_year.training_class.start_date = datetime.date(2027, 1, 1)
    next_year.training_class.end_date = datetime.date(2027, 1, 3)
    next_year.training_class.save()
    good_trainee(next_year)
    (n,) = actions.check_issue_certificates(world.officer, next_year.training_class)
    assert n.serial == "430599-2027-P-0001"
    assert CertificateSequence.objects.get(county="430599", year=2026, tier="primary").last == 3


def test_issue_only_the_chosen_trainees(world):
    other = good_trainee(world, "王五")
    issued = actions.check_issue_certificates(
        world.officer, world.training_class, [other.profile.pk, world.absent.profile.pk]
    )
    assert [c.profile for c in issued] == [other.profile]


def test_policy_sets_validity(world):
    CertificatePolicy.objects.create(tier="primary", valid_months=12)
    (certificate,) = actions.check_issue_certificates(world.officer, world.training_class)
    assert certificate.valid_until == datetime.date(2027, 3, 12)


def test_class_must_be_finished_or_on_its_last_day(world, clock):
    world.training_class.status = TrainingClass.Status.IN_PROGRESS
    world.training_class.save()
    clock.move_to(at(MONDAY + datetime.timedelta(days=1), 18))  # Tuesday: not the last day
    with pytest.raises(ValidationError):
        actions.check_issue_certificates(world.officer, world.training_class)
    assert not Certificate.objects.exists()
    clock.move_to(at(MONDAY + datetime.timedelta(days=2), 18))  # Wednesday, the last day
    assert len(actions.check_issue_certificates(world.officer, world.training_class)) == 1


def test_who_may_issue(world, make_user):
    for user in (make_user("lecturer"), make_user("trainee"), make_user("finance_officer")):
        with pytest.raises(Http404):
            actions.check_issue_certificates(user, world.training_class)
    assert not Certificate.objects.exists()
    staff = make_user("institution_staff")
    institution = world.training_class.institution
    institution.staff.add(staff)
    institution.save()  # a parental many-to-many is written when its owner is saved
    assert len(actions.check_issue_certificates(staff, world.training_class)) == 1


# --- Revoking and reissuing ------------------------------------------------------------------


@pytest.fixture
def certificate(world):
    (certificate,) = actions.check_issue_certificates(world.officer, world.training_class)
    return certificate


def test_revoke_needs_a_reason_and_an_officer(world, certificate, make_user):
    with pytest.raises(Http404):
        actions.check_revoke_certificate(world.head_teacher, certificate.pk, "伪造")
    with pytest.raises(ValidationError):
        actions.check_revoke_certificate(world.officer, certificate.pk, "  ")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    actions.check_revoke_certificate(world.officer, certificate.pk, "考试作弊")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revocation_reason == "考试作弊" and certificate.revoked_by == world.officer
    event = AuditEvent.objects.get(action="certificate.revoked")
    assert event.reason == "考试作弊"
    with pytest.raises(ValidationError):
        actions.check_revoke_certificate(world.officer, certificate.pk, "again")


def test_revoked_trainee_can_be_issued_again_when_chosen(world, certificate):
    actions.check_revoke_certificate(world.officer, certificate.pk, "录入错误")
    (again,) = actions.check_issue_certificates(
        world.officer, world.training_class, [world.good.profile.pk]
    )
    assert again.serial != certificate.serial and again.profile == world.good.profile


def test_a_revocation_is_not_undone_by_issuing_to_everyone(world, certificate, clock):
    """Revoked (say, for cheating) and still meeting the rule: neither "issue to every eligible
    trainee", nor the automatic issue after grading, nor the daily run issues a new one; only
    an issuer who ticks the trainee does."""
    from assessments.signals import attempt_graded

    actions.check_revoke_certificate(world.officer, certificate.pk, "考试作弊")
    assert actions.check_issue_certificates(world.officer, world.training_class) == []
    (row,) = [r for r in actions.eligible_trainees(world.training_class) if r.revoked]
    assert row.profile == world.good.profile and row.certificate is None
    assert row.revoked == certificate
    CompletionRule.objects.create(training_class=world.training_class, issue_automatically=True)
    actions.connect()
    attempt = Attempt.objects.get(user=world.good.profile.user)
    attempt_graded.send(sender=Attempt, attempt=attempt)
    call_command("send_certificate_reminders", stdout=io.StringIO())
    assert not Certificate.objects.filter(status=Certificate.Status.VALID).exists()


def test_reissue_replaces_with_new_code_and_serial(world, certificate):
    new = actions.check_reissue_certificate(world.officer, certificate.pk, "姓名更正", "李晓梅")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED
    assert new.replaces == certificate and new.status == Certificate.Status.VALID
    assert new.code != certificate.code and new.serial != certificate.serial
    assert new.holder_name == "李晓梅"
    assert new.valid_until == certificate.valid_until
    assert AuditEvent.objects.filter(action="certificate.reissued", reason="姓名更正").exists()
    with pytest.raises(ValidationError):
        actions.check_reissue_certificate(world.officer, certificate.pk, "again")


def test_unknown_certificate_is_404(world):
    for bad in (999999, "x", None):
        with pytest.raises(Http404):
            actions.check_revoke_certificate(world.officer, bad, "x")


# --- Automatic issue and the signal ---------------------------------------------------------


def test_automatic_issue_when_the_exam_is_graded(world):
    from assessments.signals import attempt_graded

    actions.connect()
    CompletionRule.objects.create(training_class=world.training_class, issue_automatically=True)
    newcomer = make_enrolment(world.training_class, user=True)
    attend(world, newcomer, ["present"] * 4)
    attempt = pass_exam(world.assignment, newcomer.profile.user)
    attempt_graded.send(sender=Attempt, attempt=attempt)
    # Only the trainee whose attempt was graded; the others wait for an issuer or the daily run.
    assert list(Certificate.objects.values_list("profile", flat=True)) == [newcomer.profile.pk]
    attempt_graded.send(sender=Attempt, attempt=attempt)  # a regrade sends it again
    assert Certificate.objects.count() == 1
    assert Certificate.objects.get().issued_by is None


def test_no_automatic_issue_without_the_rule(world):
    from assessments.signals import attempt_graded

    actions.connect()
    attempt = Attempt.objects.filter(user=world.good.profile.user).get()
    attempt_graded.send(sender=Attempt, attempt=attempt)
    assert not Certificate.objects.exists()


def test_automatic_issue_after_a_real_submission(world):
    """The trainee's own submission, graded automatically, issues the certificate."""
    from assessments.actions import attempts as attempt_actions

    actions.connect()
    CompletionRule.objects.create(training_class=world.training_class, issue_automatically=True)
    newcomer = make_enrolment(world.training_class, user=True)
    attend(world, newcomer, ["present"] * 4)
    user = newcomer.profile.user
    resit = make_assignment(
        make_exam(world.course, [make_question(world.course)], title="补考"),
        world.training_class,
        opens_at=at(THURSDAY, 9),
    )
    Attempt.objects.filter(assignment=world.assignment).delete()  # only the resit counts now
    world.assignment.delete()
    attempt, _created = attempt_actions.check_start_attempt(user, resit.pk)
    item = attempt.paper.select_related("answer").get()
    attempt_actions.check_save_answer(user, attempt.pk, item.pk, "A", item.answer.version)
    attempt_actions.check_submit_attempt(user, attempt.pk)
    assert Certificate.objects.filter(profile=newcomer.profile).exists()
