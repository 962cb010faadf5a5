"""seed_demo's training programme: what a demo user finds when they sign in."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from lms.attendance.models import AttendanceRecord, LeaveRequest
from lms.enrolment.models import ClassEnrolment, RegistrarArea
from lms.training.models import Institution, TrainingClass, TrainingPlan

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", "--without-curricula", verbosity=0)


def test_a_qualified_institution_an_approved_plan_and_a_class_in_progress_today():
    seed()
    today = timezone.localdate()
    institution = Institution.objects.get(legal_name="邵东县电子商务职业培训学校")
    assert institution.status == Institution.Status.QUALIFIED
    assert institution.status_changes.filter(to_status="qualified").exists()
    assert list(institution.staff.values_list("username", flat=True)) == ["institution"]
    plan = TrainingPlan.objects.get(institution=institution)
    assert plan.status == TrainingPlan.Status.APPROVED
    assert [e.action for e in plan.events.all()] == ["submitted", "approved"]

    running = TrainingClass.objects.get(status=TrainingClass.Status.IN_PROGRESS)
    assert running.plan == plan
    assert running.start_date <= today <= running.end_date
    assert plan.start_date <= running.start_date and running.end_date <= plan.end_date
    assert running.days == plan.days_per_class
    assert running.head_teacher.username == "headteacher"
    assert running.sessions.filter(date=today).count() == 2
    kinds = {(s.kind, s.venue.kind) for s in running.sessions.all()}
    assert kinds == {("theory", "classroom"), ("practice", "computer_room")}
    assert TrainingClass.objects.filter(status=TrainingClass.Status.ENROLLING).count() == 1


def test_the_demo_trainees_are_enrolled_with_a_committee_and_some_attendance():
    seed()
    running = TrainingClass.objects.get(status=TrainingClass.Status.IN_PROGRESS)
    enrolled = ClassEnrolment.objects.filter(
        training_class=running, status=ClassEnrolment.Status.ENROLLED
    )
    usernames = set(
        enrolled.exclude(profile__user=None).values_list("profile__user__username", flat=True)
    )
    assert usernames == {"trainee", "trainee2"}
    assert 10 <= enrolled.count() <= running.capacity
    roles = set(enrolled.exclude(committee_role="").values_list("committee_role", flat=True))
    assert roles == {"monitor", "study", "life", "discipline"}
    marked = AttendanceRecord.objects.filter(session__training_class=running)
    assert marked.filter(status="present").exists()
    assert marked.filter(status="on_leave").exists()
    assert marked.filter(session__date__gte=timezone.localdate()).count() == 0
    assert LeaveRequest.objects.filter(status="pending").count() == 1
    assert RegistrarArea.objects.filter(registrar__username="registrar").exists()


def test_seeding_again_on_a_later_day_moves_the_class_and_duplicates_nothing():
    seed()
    counts = [
        model.objects.count()
        for model in (TrainingPlan, TrainingClass, ClassEnrolment, AttendanceRecord, LeaveRequest)
    ]
    later = timezone.now() + datetime.timedelta(days=20)
    with time_machine.travel(later, tick=False):
        seed()
        today = timezone.localdate()
        running = TrainingClass.objects.get(status=TrainingClass.Status.IN_PROGRESS)
        assert running.start_date <= today <= running.end_date
        assert running.sessions.filter(date=today).count() == 2
        plan = running.plan
        assert plan.start_date <= running.start_date and running.end_date <= plan.end_date
    again = [
        model.objects.count()
        for model in (TrainingPlan, TrainingClass, ClassEnrolment, AttendanceRecord, LeaveRequest)
    ]
    assert again == counts


def test_with_the_curricula_the_plan_has_primary_courses_and_each_session_a_lesson():
    call_command("seed_demo", verbosity=0)
    running = TrainingClass.objects.get(status=TrainingClass.Status.IN_PROGRESS)
    courses = list(running.plan.courses.all())
    assert courses
    assert {course.get_parent().specific.tier for course in courses} == {"primary"}
    for session in running.sessions.all():
        assert session.lessons.count() == 1


def test_the_demo_class_chat_has_a_conversation_a_picture_and_a_pinned_announcement():
    from live.models import ChatMessage

    seed()
    running = TrainingClass.objects.get(status=TrainingClass.Status.IN_PROGRESS)
    messages = ChatMessage.objects.filter(room__training_class=running)
    assert messages.count() >= 8
    assert len({m.sender_id for m in messages}) >= 4
    pinned = messages.get(pinned_at__isnull=False)
    assert pinned.kind == "announcement" and pinned.sender.username == "headteacher"
    assert pinned.reads.count() >= 2
    linked = messages.get(text__contains="https://example.com/cases/navel-orange")
    assert 'href="https://example.com/cases/navel-orange"' in linked.body
    assert "noopener" in linked.body
    picture = messages.get(kind="image")
    assert picture.attachment.phone_rendition and picture.attachment.width == 1600
    ids = list(messages.order_by("id").values_list("sent_at", flat=True))
    assert ids == sorted(ids)  # ids follow the conversation's order
    seed()
    assert ChatMessage.objects.filter(room__training_class=running).count() == messages.count()
