"""The class committee (班委会): one member per role, only enrolled trainees, set by the head
teacher, the institution's staff or an administrator."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.audit.models import AuditEvent
from lms.enrolment import actions
from lms.enrolment.models import ClassEnrolment
from lms.training.models import TrainingClass
from tests.factories.training import make_enrolment

pytestmark = pytest.mark.django_db
Role = ClassEnrolment.CommitteeRole


@pytest.fixture
def head_teacher(make_user, training_class):
    user = make_user("head_teacher", username="headteacher1")
    training_class.head_teacher = user
    training_class.save()
    return user


@pytest.fixture
def two(training_class, make_person):
    return make_enrolment(training_class, profile=make_person()), make_enrolment(
        training_class, profile=make_person()
    )


@pytest.mark.parametrize("who", ["head_teacher", "staff", "admin"])
def test_who_may_set_the_committee(two, head_teacher, staff, admin, who):
    user = {"head_teacher": head_teacher, "staff": staff, "admin": admin}[who]
    enrolment = actions.check_set_committee_role(two[0], Role.MONITOR, acting_user=user)
    assert enrolment.committee_role == Role.MONITOR
    event = AuditEvent.objects.get(action="class_enrolment.committee_role")
    assert event.actor == user and event.changes == {"committee_role": ["", "monitor"]}


@pytest.mark.parametrize("role", ["registrar", "trainee", "lecturer", "commerce_officer"])
def test_others_may_not(two, make_user, registrar, role):
    user = registrar if role == "registrar" else make_user(role)
    with pytest.raises(PermissionDenied):
        actions.check_set_committee_role(two[0], Role.MONITOR, acting_user=user)
    two[0].refresh_from_db()
    assert two[0].committee_role == ""


def test_a_head_teacher_of_another_class_may_not(two, make_user, plan):
    from tests.factories.training import make_class

    other_head = make_user("head_teacher")
    make_class(plan, head_teacher=other_head)
    with pytest.raises(PermissionDenied):
        actions.check_set_committee_role(two[0], Role.MONITOR, acting_user=other_head)


def test_a_role_moves_from_one_member_to_another_in_one_step(two, head_teacher):
    first, second = two
    actions.check_set_committee_role(first, Role.MONITOR, acting_user=head_teacher)
    actions.check_set_committee_role(second, Role.MONITOR, acting_user=head_teacher)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.committee_role, second.committee_role) == ("", Role.MONITOR)
    assert AuditEvent.objects.filter(action="class_enrolment.committee_role").count() == 3


def test_a_member_changes_role_and_roles_can_be_cleared(two, head_teacher):
    first, _second = two
    actions.check_set_committee_role(first, Role.MONITOR, acting_user=head_teacher)
    actions.check_set_committee_role(first, Role.STUDY, acting_user=head_teacher)
    first.refresh_from_db()
    assert first.committee_role == Role.STUDY
    actions.check_set_committee_role(first, "", acting_user=head_teacher)
    first.refresh_from_db()
    assert first.committee_role == ""


def test_all_four_roles(training_class, make_person, head_teacher):
    for role in Role.values:
        enrolment = make_enrolment(training_class, profile=make_person())
        actions.check_set_committee_role(enrolment, role, acting_user=head_teacher)
    assert set(
        ClassEnrolment.objects.exclude(committee_role="").values_list("committee_role", flat=True)
    ) == set(Role.values)


def test_an_unknown_role_is_refused(two, head_teacher):
    with pytest.raises(ValidationError) as error:
        actions.check_set_committee_role(two[0], "captain", acting_user=head_teacher)
    assert "role" in error.value.message_dict


@pytest.mark.parametrize("status", ["applied", "declined", "withdrawn"])
def test_only_enrolled_trainees_serve(training_class, make_person, head_teacher, status):
    enrolment = make_enrolment(training_class, profile=make_person(), status=status)
    with pytest.raises(ValidationError) as error:
        actions.check_set_committee_role(enrolment, Role.LIFE, acting_user=head_teacher)
    assert error.value.error_list[0].code == "not_enrolled"


def test_a_finished_class_committee_does_not_change(two, head_teacher, training_class):
    TrainingClass.objects.filter(pk=training_class.pk).update(status="finished")
    with pytest.raises(ValidationError) as error:
        actions.check_set_committee_role(two[0], Role.LIFE, acting_user=head_teacher)
    assert error.value.error_list[0].code == "roster_closed"


def test_withdrawal_clears_the_role(two, head_teacher, admin):
    actions.check_set_committee_role(two[0], Role.DISCIPLINE, acting_user=head_teacher)
    two[0].refresh_from_db()
    actions.check_withdraw_enrolment(two[0], reason="退出", acting_user=admin)
    two[0].refresh_from_db()
    assert two[0].committee_role == ""
