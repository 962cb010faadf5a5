"""The class editor in the admin: a class under an approved plan, with its sessions inline."""

import datetime

import pytest
from django.utils import timezone

from lms.audit.models import AuditEvent
from lms.training.actions import check_revise_plan
from lms.training.models import ClassSession, TrainingClass, TrainingPlan
from tests.factories import training as build

from .conftest import class_form_data, session_data

ADD_URL = "/admin/training/classes/new/"


def edit_url(training_class):
    return f"/admin/training/classes/edit/{training_class.pk}/"


@pytest.fixture
def today():
    return timezone.localdate()


def good_data(world, today, **values):
    lessons = world.curriculum.lessons
    data = {
        "plan": world.plan.pk,
        "start_date": today.isoformat(),
        "end_date": (today + datetime.timedelta(days=2)).isoformat(),
        "head_teacher": world.head_teacher.pk,
        "lecturers": [world.lecturer.pk],
        "sessions": [
            session_data(
                0,
                date=today.isoformat(),
                venue=world.classroom.pk,
                lecturer=world.lecturer.pk,
                lessons=[lessons[0].pk],
            ),
            session_data(
                1,
                date=today.isoformat(),
                starts_at="14:00",
                ends_at="17:00",
                kind="practice",
                venue=world.computer_room.pk,
                lecturer=world.lecturer.pk,
                lessons=[lessons[1].pk],
            ),
        ],
    }
    data.update(values)
    return class_form_data(**data)


def errors_of(response):
    form = response.context["form"]
    return form.errors


def session_errors_of(response, index):
    return response.context["form"].formsets["sessions"].forms[index].errors


def test_staff_open_a_class_with_sessions(client, world, today):
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, good_data(world, today))
    assert response.status_code == 302, errors_of(response)
    training_class = TrainingClass.objects.get(code="CLS-NEW")
    assert training_class.institution == world.a
    assert training_class.tier == "primary"
    assert training_class.status == TrainingClass.Status.PLANNED
    assert list(training_class.lecturers.all()) == [world.lecturer]
    sessions = list(training_class.sessions.order_by("starts_at"))
    assert [s.kind for s in sessions] == ["theory", "practice"]
    assert list(sessions[1].lessons.all()) == [world.curriculum.lessons[1].specific]
    assert AuditEvent.objects.filter(
        action="training_class.created", object_id=str(training_class.pk)
    ).exists()


def test_the_plan_choices_are_the_approved_plans_of_ones_own_institutions(client, world):
    build.make_plan(world.b, code="B-1")
    build.make_plan(world.a, code="A-DRAFT", status=TrainingPlan.Status.DRAFT)
    client.force_login(world.staff_a)
    response = client.get(ADD_URL)
    choices = list(response.context["form"].fields["plan"].queryset)
    assert choices == [world.plan]


def test_another_institutions_plan_is_refused(client, world, today):
    b_plan = build.make_plan(world.b, code="B-1")
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, good_data(world, today, plan=b_plan.pk))
    assert response.status_code == 200
    assert "plan" in errors_of(response)
    assert not TrainingClass.objects.exists()


def test_a_superseded_revision_is_not_offered(client, world, today, make_user):
    from lms.training.actions import check_approve_plan, check_submit_plan

    revision = check_revise_plan(world.plan, acting_user=world.staff_a)
    check_submit_plan(revision, acting_user=world.staff_a)
    check_approve_plan(revision, acting_user=make_user("commerce_officer"))
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, good_data(world, today))
    assert "plan" in errors_of(response)
    response = client.post(ADD_URL, good_data(world, today, plan=revision.pk))
    assert response.status_code == 302
    assert TrainingClass.objects.get().plan == revision


@pytest.mark.parametrize(
    ("capacity", "ok"), [("40", True), ("41", False), ("51", False), ("0", False)]
)
def test_capacity_is_at_most_50_and_the_plans_trainees_per_class(
    client, world, today, capacity, ok
):
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, good_data(world, today, capacity=capacity))
    if ok:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert "capacity" in errors_of(response)
        assert not TrainingClass.objects.exists()


@pytest.mark.parametrize(
    ("start_offset", "days", "field"),
    [
        (0, 2, "end_date"),  # two days, the plan says three
        (0, 4, "end_date"),  # four days
        (0, 6, "end_date"),  # more than five
        (-20, 3, "start_date"),  # before the plan's first day
        (59, 3, "start_date"),  # after the plan's last day
    ],
)
def test_dates_keep_to_the_plan(client, world, today, start_offset, days, field):
    start = today + datetime.timedelta(days=start_offset)
    end = start + datetime.timedelta(days=days - 1)
    client.force_login(world.staff_a)
    response = client.post(
        ADD_URL,
        good_data(
            world, today, start_date=start.isoformat(), end_date=end.isoformat(), sessions=[]
        ),
    )
    assert response.status_code == 200
    assert field in errors_of(response)
    assert not TrainingClass.objects.exists()


def test_the_plans_number_of_classes_counts_every_revision(client, world, today, make_user):
    from lms.training.actions import check_approve_plan, check_submit_plan

    build.make_class(world.plan, status=TrainingClass.Status.FINISHED)
    revision = check_revise_plan(world.plan, acting_user=world.staff_a)
    check_submit_plan(revision, acting_user=world.staff_a)
    check_approve_plan(revision, acting_user=make_user("commerce_officer"))
    build.make_class(revision, status=TrainingClass.Status.PLANNED)
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, good_data(world, today, plan=revision.pk, sessions=[]))
    assert response.status_code == 200
    assert "plan" in errors_of(response)
    assert TrainingClass.objects.count() == 2


def test_a_suspended_institution_opens_no_class(client, world, today):
    world.a.status = "suspended"
    world.a.save()
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, good_data(world, today, sessions=[]))
    assert response.status_code == 200
    assert "plan" in errors_of(response)


def test_lecturers_come_from_the_plan(client, world, today):
    client.force_login(world.staff_a)
    response = client.post(
        ADD_URL,
        good_data(world, today, lecturers=[world.lecturer.pk, world.other_lecturer.pk]),
    )
    assert response.status_code == 200
    assert "lecturers" in errors_of(response)
    assert not TrainingClass.objects.exists()


def test_the_head_teacher_holds_the_role(client, world, today, make_user):
    client.force_login(world.staff_a)
    registrar = make_user("registrar")
    response = client.post(ADD_URL, good_data(world, today, head_teacher=registrar.pk))
    assert response.status_code == 200
    assert "head_teacher" in errors_of(response)


def _one_session(world, today, **values):
    defaults = {
        "date": today.isoformat(),
        "venue": world.classroom.pk,
        "lecturer": world.lecturer.pk,
        "lessons": [world.curriculum.lessons[0].pk],
    }
    defaults.update(values)
    return session_data(0, **defaults)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"date": "OUTSIDE"}, "date"),
        ({"starts_at": "11:00", "ends_at": "10:00"}, "ends_at"),
        ({"starts_at": "11:00", "ends_at": "11:00"}, "ends_at"),
        ({"venue": "B_VENUE"}, "venue"),
        ({"venue": "COMPUTER_ROOM"}, "venue"),  # theory in a computer room
        ({"kind": "practice"}, "venue"),  # practice in a classroom
        ({"lecturer": "OTHER_LECTURER"}, "lecturer"),
        ({"lessons": ["CADRE_LESSON"]}, "lessons"),
    ],
)
def test_each_session_rule(client, world, today, values, field):
    replacements = {
        "OUTSIDE": (today + datetime.timedelta(days=5)).isoformat(),
        "B_VENUE": world.b_classroom.pk,
        "COMPUTER_ROOM": world.computer_room.pk,
        "OTHER_LECTURER": world.other_lecturer.pk,
        "CADRE_LESSON": world.curriculum.cadre_lesson.pk,
    }
    values = {
        key: (
            [replacements.get(v, v) for v in value]
            if isinstance(value, list)
            else replacements.get(value, value)
        )
        for key, value in values.items()
    }
    client.force_login(world.staff_a)
    response = client.post(
        ADD_URL, good_data(world, today, sessions=[_one_session(world, today, **values)])
    )
    assert response.status_code == 200
    assert field in session_errors_of(response, 0), session_errors_of(response, 0)
    assert not TrainingClass.objects.exists()
    assert not ClassSession.objects.exists()


def test_overlapping_sessions_are_refused(client, world, today):
    first = _one_session(world, today)
    second = session_data(
        1,
        date=today.isoformat(),
        starts_at="10:00",
        ends_at="12:00",
        venue=world.classroom.pk,
        lecturer=world.lecturer.pk,
    )
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, good_data(world, today, sessions=[first, second]))
    assert response.status_code == 200
    assert "starts_at" in session_errors_of(response, 1)
    assert not TrainingClass.objects.exists()


def test_back_to_back_sessions_are_fine(client, world, today):
    first = _one_session(world, today, starts_at="09:00", ends_at="10:00")
    second = session_data(
        1,
        date=today.isoformat(),
        starts_at="10:00",
        ends_at="11:00",
        venue=world.classroom.pk,
        lecturer=world.lecturer.pk,
    )
    client.force_login(world.staff_a)
    response = client.post(ADD_URL, good_data(world, today, sessions=[first, second]))
    assert response.status_code == 302


def test_editing_keeps_the_plan_and_checks_sessions_again(client, world, today):
    training_class = build.make_class(
        world.plan,
        status=TrainingClass.Status.PLANNED,
        lecturers=[world.lecturer],
        head_teacher=world.head_teacher,
    )
    session = build.make_session(training_class, venue=world.classroom, lecturer=world.lecturer)
    other_plan = build.make_plan(world.a, code="A-OTHER")
    client.force_login(world.staff_a)
    data = good_data(
        world,
        today,
        code=training_class.code,
        plan=other_plan.pk,
        name="改名后的班级",
        sessions=[
            session_data(
                0,
                session,
                date=today.isoformat(),
                venue=world.classroom.pk,
                lecturer=world.lecturer.pk,
            )
        ],
        initial_sessions=1,
    )
    response = client.post(edit_url(training_class), data)
    assert response.status_code == 302, errors_of(response)
    training_class.refresh_from_db()
    assert training_class.plan == world.plan
    assert training_class.name == "改名后的班级"
    # A change of dates that leaves the session outside the class is refused.
    later = today + datetime.timedelta(days=3)
    data.update(
        start_date=later.isoformat(), end_date=(later + datetime.timedelta(days=2)).isoformat()
    )
    response = client.post(edit_url(training_class), data)
    assert response.status_code == 200
    assert "date" in session_errors_of(response, 0)
    training_class.refresh_from_db()
    assert training_class.start_date == today


def test_capacity_never_below_the_places_taken(client, world, today):
    from lms.enrolment.models import ClassEnrolment

    training_class = build.make_class(
        world.plan, status=TrainingClass.Status.ENROLLING, lecturers=[world.lecturer]
    )
    for _ in range(3):
        build.make_enrolment(training_class)
    build.make_enrolment(training_class, status=ClassEnrolment.Status.WITHDRAWN)
    client.force_login(world.staff_a)
    data = good_data(world, today, code=training_class.code, sessions=[])
    response = client.post(edit_url(training_class), {**data, "capacity": "2"})
    assert response.status_code == 200
    assert "capacity" in errors_of(response)
    response = client.post(edit_url(training_class), {**data, "capacity": "3"})
    assert response.status_code == 302
    training_class.refresh_from_db()
    assert training_class.capacity == 3


def test_an_archived_class_cannot_be_edited(client, world, today, make_user):
    training_class = build.make_class(world.plan, status=TrainingClass.Status.ARCHIVED)
    for user in (world.staff_a, make_user("administrator")):
        client.force_login(user)
        response = client.get(edit_url(training_class))
        assert response.status_code == 302
        assert response["Location"].endswith(f"/inspect/{training_class.pk}/")
        data = good_data(world, today, code=training_class.code, name="篡改", sessions=[])
        response = client.post(edit_url(training_class), data)
        assert response.status_code == 302
    training_class.refresh_from_db()
    assert training_class.name != "篡改"


def test_the_form_itself_refuses_an_archived_class(world):
    from lms.training.forms import TrainingClassForm
    from lms.training.wagtail_hooks import TrainingClassViewSet

    training_class = build.make_class(world.plan, status=TrainingClass.Status.ARCHIVED)
    form_class = TrainingClassViewSet("x").get_form_class(for_update=True)
    assert issubclass(form_class, TrainingClassForm)
    form = form_class(
        class_form_data(
            code=training_class.code,
            capacity="40",
            start_date=training_class.start_date.isoformat(),
            end_date=training_class.end_date.isoformat(),
        ),
        instance=training_class,
        for_user=world.staff_a,
    )
    assert not form.is_valid()
    assert form.non_field_errors()
