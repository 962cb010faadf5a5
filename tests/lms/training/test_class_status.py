"""A class's life: planned -> enrolling -> in progress -> finished -> archived, and who moves it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from lms.audit.models import AuditEvent
from lms.training.actions import (
    CLASS_TRANSITIONS,
    allowed_class_statuses,
    check_change_class_status,
    do_change_class_status,
)
from lms.training.models import Institution, TrainingClass
from tests.factories import training as build

Status = TrainingClass.Status
ALLOWED = {
    (Status.PLANNED, Status.ENROLLING),
    (Status.ENROLLING, Status.PLANNED),
    (Status.ENROLLING, Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Status.FINISHED),
    (Status.FINISHED, Status.ARCHIVED),
}


def ready_class(world, status):
    training_class = build.make_class(
        world.plan, status=status, head_teacher=world.head_teacher, lecturers=[world.lecturer]
    )
    build.make_session(training_class, venue=world.classroom, lecturer=world.lecturer)
    return training_class


def status_audits(training_class):
    return AuditEvent.objects.filter(
        action="training_class.status_changed", object_id=str(training_class.pk)
    )


def test_the_transition_table_is_exactly_the_allowed_set():
    assert {(a, b) for a, targets in CLASS_TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("from_status", "to_status"), [(a, b) for a in Status for b in Status])
def test_each_transition_is_allowed_or_refused(world, make_user, from_status, to_status):
    admin = make_user("administrator")
    training_class = ready_class(world, from_status)
    if (from_status, to_status) in ALLOWED:
        check_change_class_status(training_class, to_status, acting_user=admin, reason="按计划")
        training_class.refresh_from_db()
        assert training_class.status == to_status
        event = status_audits(training_class).get()
        assert event.changes == {"status": [from_status.value, to_status.value]}
        assert (event.actor, event.reason) == (admin, "按计划")
    else:
        with pytest.raises(ValidationError) as error:
            check_change_class_status(training_class, to_status, acting_user=admin)
        assert "new_status" in error.value.message_dict
        training_class.refresh_from_db()
        assert training_class.status == from_status
        assert not status_audits(training_class).exists()


def test_an_unknown_status_is_refused(world, make_user):
    training_class = ready_class(world, Status.PLANNED)
    with pytest.raises(ValidationError):
        check_change_class_status(training_class, "closed", acting_user=make_user("administrator"))


@pytest.mark.parametrize("missing", ["head_teacher", "sessions", "both"])
def test_starting_needs_a_head_teacher_and_a_session(world, missing):
    training_class = build.make_class(
        world.plan,
        status=Status.ENROLLING,
        head_teacher=None if missing in ("head_teacher", "both") else world.head_teacher,
    )
    if missing == "head_teacher":
        build.make_session(training_class, venue=world.classroom)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        check_change_class_status(training_class, Status.IN_PROGRESS, acting_user=world.staff_a)
    message = " ".join(error.value.message_dict["new_status"])
    if missing in ("head_teacher", "both"):
        assert "head teacher" in message
    if missing in ("sessions", "both"):
        assert "session" in message
    training_class.refresh_from_db()
    assert training_class.status == Status.ENROLLING


@pytest.mark.parametrize("to_status", [Status.ENROLLING, Status.IN_PROGRESS])
def test_a_suspended_institutions_class_does_not_go_ahead(world, to_status):
    from_status = Status.PLANNED if to_status == Status.ENROLLING else Status.ENROLLING
    training_class = ready_class(world, from_status)
    Institution.objects.filter(pk=world.a.pk).update(status=Institution.Status.SUSPENDED)
    training_class.institution.refresh_from_db()
    with pytest.raises(ValidationError):
        check_change_class_status(training_class, to_status, acting_user=world.staff_a)
    training_class.refresh_from_db()
    assert training_class.status == from_status


def test_a_suspended_institution_may_still_finish_a_running_class(world):
    training_class = ready_class(world, Status.IN_PROGRESS)
    Institution.objects.filter(pk=world.a.pk).update(status=Institution.Status.SUSPENDED)
    training_class.institution.refresh_from_db()
    check_change_class_status(training_class, Status.FINISHED, acting_user=world.staff_a)
    assert training_class.status == Status.FINISHED


def test_a_stale_status_is_refused(world):
    training_class = ready_class(world, Status.PLANNED)
    stale = TrainingClass.objects.get(pk=training_class.pk)
    check_change_class_status(training_class, Status.ENROLLING, acting_user=world.staff_a)
    with pytest.raises(ValidationError):
        do_change_class_status(stale, Status.ENROLLING, acting_user=world.staff_a)
    assert status_audits(training_class).count() == 1


def test_an_overlong_reason_is_refused(world):
    training_class = ready_class(world, Status.PLANNED)
    with pytest.raises(ValidationError) as error:
        check_change_class_status(
            training_class, Status.ENROLLING, acting_user=world.staff_a, reason="长" * 1001
        )
    assert "reason" in error.value.message_dict


# --- Who may move a class ------------------------------------------------------------------

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
SCHEDULERS = {"administrator", "staff_own"}
ACCEPTORS = {"administrator", "commerce_officer"}


def user_for(role, world, make_user):
    if role == "staff_own":
        return world.staff_a
    if role == "staff_other":
        return world.staff_b
    if role == "head_teacher":
        return world.head_teacher  # the class's own head teacher
    return make_user(role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("from_status", "to_status"), sorted(ALLOWED))
def test_permission_matrix(world, make_user, role, from_status, to_status):
    training_class = ready_class(world, from_status)
    user = user_for(role, world, make_user)
    may = role in (ACCEPTORS if to_status == Status.ARCHIVED else SCHEDULERS)
    assert (to_status in allowed_class_statuses(training_class, user)) == may
    if may:
        check_change_class_status(training_class, to_status, acting_user=user)
        training_class.refresh_from_db()
        assert training_class.status == to_status
    else:
        with pytest.raises(PermissionDenied):
            check_change_class_status(training_class, to_status, acting_user=user)
        training_class.refresh_from_db()
        assert training_class.status == from_status
        assert not status_audits(training_class).exists()


# --- The admin view ------------------------------------------------------------------------


def status_url(training_class):
    return f"/admin/training/classes/{training_class.pk}/status/"


def test_staff_move_their_class_through_the_admin(client, world):
    training_class = ready_class(world, Status.PLANNED)
    client.force_login(world.staff_a)
    response = client.get(status_url(training_class))
    assert response.status_code == 200
    assert [v for v, _l in response.context["form"].fields["new_status"].choices] == ["enrolling"]
    response = client.post(
        status_url(training_class), {"new_status": "enrolling", "reason": "开始报名"}
    )
    assert response.status_code == 302
    training_class.refresh_from_db()
    assert training_class.status == Status.ENROLLING
    page = client.get(status_url(training_class))
    assert "开始报名" in page.text
    inspect = client.get(f"/admin/training/classes/inspect/{training_class.pk}/")
    assert "开始报名" in inspect.text


def test_a_refused_change_is_shown_and_changes_nothing(client, world):
    training_class = build.make_class(world.plan, status=Status.ENROLLING)
    client.force_login(world.staff_a)
    response = client.post(status_url(training_class), {"new_status": "in_progress"})
    assert response.status_code == 400
    assert response.context["form"].errors
    training_class.refresh_from_db()
    assert training_class.status == Status.ENROLLING


def test_other_institutions_and_unknown_classes_are_404(client, world):
    training_class = ready_class(world, Status.PLANNED)
    client.force_login(world.staff_b)
    assert client.get(status_url(training_class)).status_code == 404
    assert client.post(status_url(training_class), {"new_status": "enrolling"}).status_code == 404
    assert client.get("/admin/training/classes/999999/status/").status_code == 404
    training_class.refresh_from_db()
    assert training_class.status == Status.PLANNED


def test_officers_archive_but_do_not_schedule(client, world, make_user):
    finished = ready_class(world, Status.FINISHED)
    planned = ready_class(world, Status.PLANNED)
    client.force_login(make_user("commerce_officer"))
    response = client.post(status_url(planned), {"new_status": "enrolling"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    planned.refresh_from_db()
    assert planned.status == Status.PLANNED
    response = client.post(status_url(finished), {"new_status": "archived", "reason": "验收合格"})
    assert response.status_code == 302
    finished.refresh_from_db()
    assert finished.status == Status.ARCHIVED
