"""Registering candidates: who may, every place rule, eligibility and its override, audit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from lms.audit.models import AuditEvent
from lms.enrolment import actions
from lms.enrolment.models import ClassEnrolment, RegistrarArea
from lms.training.models import TrainingClass
from tests.factories import TownshipFactory, TraineeProfileFactory, VillageFactory
from tests.factories.training import make_class, make_enrolment, make_institution, make_plan

pytestmark = pytest.mark.django_db
Status = ClassEnrolment.Status


def codes(error):
    return [e.code for e in error.value.error_list]


def register(training_class, profile, user, **kwargs):
    return actions.check_register_candidate(training_class, profile, acting_user=user, **kwargs)


def test_a_registrar_enrols_someone_from_their_village(training_class, person, registrar):
    enrolment = register(training_class, person, registrar)
    assert enrolment.status == Status.ENROLLED
    assert enrolment.source == ClassEnrolment.Source.REGISTRAR
    assert enrolment.registered_by == registrar
    assert enrolment.decided_by == registrar
    event = AuditEvent.objects.get(action="class_enrolment.enrolled")
    assert event.actor == registrar
    assert event.object_id == str(enrolment.pk)
    assert event.changes["status"] == [None, "enrolled"]


def test_staff_and_administrators_enrol_anyone(training_class, staff, admin, make_person):
    far = VillageFactory()
    one = register(training_class, make_person(village=far), staff)
    two = register(training_class, make_person(village=far), admin)
    assert one.source == two.source == ClassEnrolment.Source.ADMIN


def test_a_township_area_covers_its_villages(make_user, training_class):
    township = TownshipFactory()
    village = VillageFactory(parent=township)
    user = make_user("registrar")
    RegistrarArea.objects.create(registrar=user, region=township)
    profile = TraineeProfileFactory(village=village)
    assert register(training_class, profile, user).status == Status.ENROLLED


def test_a_registrar_outside_their_area_is_refused(training_class, registrar, make_person):
    outsider = make_person(village=VillageFactory())
    with pytest.raises(PermissionDenied) as refused:
        register(training_class, outsider, registrar)
    assert not ClassEnrolment.objects.exists()
    # The same answer as for any other person the registrar may not register.
    other_class = make_class(make_plan(), status=TrainingClass.Status.ENROLLING)
    other_class.status = TrainingClass.Status.PLANNED
    with pytest.raises(PermissionDenied) as also_refused:
        register(other_class, TraineeProfileFactory(village=outsider.village), registrar)
    assert str(refused.value) == str(also_refused.value)


def test_staff_of_another_institution_are_refused(training_class, make_user, person):
    user = make_user("institution_staff")
    elsewhere = make_institution()
    elsewhere.staff.add(user)
    elsewhere.save()
    with pytest.raises(PermissionDenied):
        register(training_class, person, user)
    assert not ClassEnrolment.objects.exists()


@pytest.mark.parametrize(
    "role", ["trainee", "head_teacher", "lecturer", "commerce_officer", "finance_officer"]
)
def test_other_roles_cannot_register(training_class, person, make_user, role):
    with pytest.raises(PermissionDenied):
        register(training_class, person, make_user(role))
    assert not ClassEnrolment.objects.exists()


@pytest.mark.parametrize(
    "status",
    [
        TrainingClass.Status.PLANNED,
        TrainingClass.Status.IN_PROGRESS,
        TrainingClass.Status.FINISHED,
        TrainingClass.Status.ARCHIVED,
    ],
)
def test_only_enrolling_classes_take_people(training_class, person, admin, registrar, status):
    TrainingClass.objects.filter(pk=training_class.pk).update(status=status)
    training_class.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        register(training_class, person, admin)
    assert codes(error) == ["not_enrolling"]
    with pytest.raises(PermissionDenied):  # registrars do not even see such classes
        register(training_class, person, registrar)
    assert not ClassEnrolment.objects.exists()


def test_the_class_is_never_overfilled(plan, start_day, admin, make_person):
    training_class = make_class(plan, status="enrolling", start_date=start_day, capacity=2)
    make_enrolment(training_class, profile=make_person(village=VillageFactory()))
    make_enrolment(
        training_class, profile=make_person(village=VillageFactory()), status=Status.APPLIED
    )
    with pytest.raises(ValidationError) as error, override("en"):
        register(training_class, make_person(), admin)
    assert codes(error) == ["class_full"]
    assert error.value.messages == ["The class is full: all 2 places are taken."]
    assert ClassEnrolment.objects.count() == 2


def test_declined_and_withdrawn_people_hold_no_place(plan, start_day, admin, make_person):
    training_class = make_class(plan, status="enrolling", start_date=start_day, capacity=1)
    make_enrolment(training_class, profile=make_person(), status=Status.WITHDRAWN)
    make_enrolment(training_class, profile=make_person(), status=Status.DECLINED)
    assert register(training_class, make_person(), admin).status == Status.ENROLLED


def test_the_village_quota(institution, start_day, admin, make_person, village):
    plan = make_plan(institution, village_quota=2)
    training_class = make_class(plan, status="enrolling", start_date=start_day)
    make_enrolment(training_class, profile=make_person())
    make_enrolment(training_class, profile=make_person(), status=Status.APPLIED)
    with pytest.raises(ValidationError) as error, override("en"):
        register(training_class, make_person(), admin)
    assert codes(error) == ["village_quota"]
    assert error.value.messages == ["梅子村 has used all its 2 places in this class."]
    # Another village still has room.
    assert register(training_class, make_person(village=VillageFactory()), admin)


def test_nobody_is_in_a_class_twice(training_class, person, admin):
    register(training_class, person, admin)
    with pytest.raises(ValidationError) as error:
        register(training_class, person, admin)
    assert codes(error) == ["already_in_class"]
    assert ClassEnrolment.objects.count() == 1


def test_a_pending_application_counts_as_being_in_the_class(training_class, person, admin):
    make_enrolment(training_class, profile=person, status=Status.APPLIED)
    with pytest.raises(ValidationError) as error:
        register(training_class, person, admin)
    assert codes(error) == ["already_in_class"]


@pytest.mark.parametrize("other_status", [Status.ENROLLED, Status.APPLIED])
def test_nobody_is_in_two_overlapping_classes(training_class, person, admin, other_status):
    other = make_class(
        training_class.plan,
        status="enrolling",
        start_date=training_class.end_date,  # shares the last day
    )
    make_enrolment(other, profile=person, status=other_status)
    with pytest.raises(ValidationError) as error:
        register(training_class, person, admin)
    assert codes(error) == ["overlap"]
    assert other.name in error.value.messages[0]
    assert not ClassEnrolment.objects.filter(training_class=training_class).exists()


def test_classes_that_do_not_overlap_or_withdrawn_places_do_not_count(
    training_class, person, admin
):
    later = make_class(
        training_class.plan,
        status="enrolling",
        start_date=training_class.end_date + datetime.timedelta(days=1),
    )
    make_enrolment(later, profile=person)
    same_days = make_class(
        training_class.plan, status="enrolling", start_date=training_class.start_date
    )
    make_enrolment(same_days, profile=person, status=Status.WITHDRAWN)
    assert register(training_class, person, admin).status == Status.ENROLLED


def test_an_ineligible_person_is_refused_with_every_reason(training_class, admin, make_person):
    day = training_class.start_date
    old = make_person(
        date_of_birth=day.replace(year=day.year - 50), education="primary", computer_skill="none"
    )
    with pytest.raises(ValidationError) as error, override("en"):
        register(training_class, old, admin)
    assert codes(error) == ["ineligible", "ineligible", "ineligible"]
    assert error.value.messages[0] == (f"Aged 50 on {day.isoformat()}; this class admits 16 to 45.")
    assert not ClassEnrolment.objects.exists()


def test_an_administrator_admits_despite_the_rules_with_a_reason(
    training_class, admin, make_person
):
    profile = make_person(education="primary")
    enrolment = register(training_class, profile, admin, override_reason="  县里特批  ")
    assert enrolment.status == Status.ENROLLED
    assert enrolment.eligibility_override == "县里特批"
    assert enrolment.overridden_by == admin
    event = AuditEvent.objects.get(action="class_enrolment.enrolled")
    assert event.reason == "县里特批"
    assert len(event.changes["eligibility_problems"]) == 1


def test_an_override_needs_a_reason(training_class, admin, make_person):
    with pytest.raises(ValidationError) as error:
        register(training_class, make_person(education="primary"), admin, override_reason="  ")
    assert codes(error) == ["ineligible"]
    assert not ClassEnrolment.objects.exists()


@pytest.mark.parametrize("who", ["registrar", "staff"])
def test_only_administrators_override(training_class, make_person, registrar, staff, who):
    user = {"registrar": registrar, "staff": staff}[who]
    with pytest.raises(PermissionDenied):
        register(training_class, make_person(education="primary"), user, override_reason="特批")
    assert not ClassEnrolment.objects.exists()


def test_an_override_of_an_eligible_person_records_nothing(training_class, person, admin):
    enrolment = register(training_class, person, admin, override_reason="不需要")
    assert enrolment.eligibility_override == ""
    assert enrolment.overridden_by is None


def test_an_override_never_lifts_the_place_rules(plan, start_day, admin, make_person):
    training_class = make_class(plan, status="enrolling", start_date=start_day, capacity=1)
    make_enrolment(training_class, profile=make_person(village=VillageFactory()))
    with pytest.raises(ValidationError) as error:
        register(training_class, make_person(education="primary"), admin, override_reason="特批")
    assert "class_full" in codes(error)


def test_a_withdrawn_person_can_be_registered_again(training_class, person, admin):
    old = make_enrolment(
        training_class,
        profile=person,
        status=Status.WITHDRAWN,
        status_reason="生病",
        committee_role="",
    )
    enrolment = register(training_class, person, admin)
    assert enrolment.pk == old.pk
    assert enrolment.status == Status.ENROLLED
    assert enrolment.status_reason == ""
    event = AuditEvent.objects.get(action="class_enrolment.enrolled")
    assert event.changes["status"] == ["withdrawn", "enrolled"]
