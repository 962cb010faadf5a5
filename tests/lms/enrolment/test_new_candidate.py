"""Registering a new person and enrolling them in one step; an ID number is never registered
twice."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.accounts.demo import demo_id_number
from lms.accounts.models import TraineeProfile
from lms.enrolment import actions
from lms.enrolment.models import ClassEnrolment
from tests.factories import VillageFactory

pytestmark = pytest.mark.django_db


def details(village, **fields):
    values = {
        "real_name": "李春生",
        "gender": "male",
        "id_number": demo_id_number("430599", datetime.date(1992, 7, 9), 12, "male"),
        "phone": "13912345678",
        "education": "junior_high",
        "computer_skill": "basic",
        "category": "rural_youth",
        "employer": "春生家庭农场",
        "village": village,
    }
    values.update(fields)
    return values


def register_new(training_class, user, **fields):
    return actions.check_register_new_candidate(training_class, acting_user=user, **fields)


def test_a_registrar_registers_and_enrols_a_new_person(training_class, registrar, village):
    enrolment, created = register_new(training_class, registrar, **details(village))
    assert created
    profile = enrolment.profile
    assert profile.registered_by == registrar
    assert profile.date_of_birth == datetime.date(1992, 7, 9)  # read from the ID number
    assert enrolment.status == ClassEnrolment.Status.ENROLLED


def test_the_id_number_is_checked(training_class, registrar, village):
    bad = details(village)
    bad["id_number"] = bad["id_number"][:17] + ("0" if bad["id_number"][17] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        register_new(training_class, registrar, **bad)
    assert "id_number" in error.value.message_dict
    assert "date_of_birth" not in error.value.message_dict
    assert not TraineeProfile.objects.exists()


def test_gender_and_phone_are_checked(training_class, registrar, village):
    with pytest.raises(ValidationError) as error:
        register_new(training_class, registrar, **details(village, gender="female", phone="12"))
    assert set(error.value.message_dict) == {"gender", "phone"}
    assert not TraineeProfile.objects.exists()


def test_a_registrar_registers_only_people_of_their_villages(training_class, registrar):
    with pytest.raises(ValidationError) as error:
        register_new(training_class, registrar, **details(VillageFactory()))
    assert "village" in error.value.message_dict
    assert not TraineeProfile.objects.exists()


def test_staff_register_people_from_anywhere(training_class, staff):
    enrolment, created = register_new(training_class, staff, **details(VillageFactory()))
    assert created and enrolment.source == ClassEnrolment.Source.ADMIN


def test_an_ineligible_new_person_is_not_saved_at_all(training_class, registrar, village):
    with pytest.raises(ValidationError):
        register_new(training_class, registrar, **details(village, education="primary"))
    assert not TraineeProfile.objects.exists()
    assert not ClassEnrolment.objects.exists()


def test_an_existing_id_number_reuses_the_person(training_class, registrar, person):
    enrolment, created = register_new(
        training_class,
        registrar,
        **details(person.village, real_name=person.real_name, id_number=person.id_number.lower()),
    )
    assert not created
    assert enrolment.profile == person
    assert TraineeProfile.objects.count() == 1


def test_an_existing_id_number_under_another_name_is_questioned(training_class, registrar, person):
    with pytest.raises(ValidationError) as error:
        register_new(
            training_class, registrar, **details(person.village, id_number=person.id_number)
        )
    assert "real_name" in error.value.message_dict
    assert not ClassEnrolment.objects.exists()


def test_someone_registered_elsewhere_is_already_registered(training_class, registrar, make_person):
    outsider = make_person(village=VillageFactory())
    with pytest.raises(ValidationError) as error:
        register_new(
            training_class,
            registrar,
            **details(outsider.village, real_name=outsider.real_name, id_number=outsider.id_number),
        )
    assert error.value.message_dict == {
        "id_number": [str(TraineeProfile._meta.get_field("id_number").error_messages["unique"])]
    }
    assert TraineeProfile.objects.count() == 1
    assert not ClassEnrolment.objects.exists()


def test_people_who_may_not_register_in_the_class_are_refused(training_class, make_user, village):
    with pytest.raises(PermissionDenied):
        register_new(training_class, make_user("trainee"), **details(village))
    assert not TraineeProfile.objects.exists()
