"""Trainee profiles: ID number rules, masking, and who sees whom."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from lms.accounts.actions import do_register_trainee
from lms.accounts.demo import demo_id_number
from lms.accounts.models import Region, TraineeProfile
from lms.accounts.validators import mask_id_number, mask_phone, validate_id_number
from lms.audit.models import AuditEvent
from tests.factories import TraineeProfileFactory, VillageFactory

VALID = "11010519491231002X"  # the standard's published example


def test_a_valid_id_number_passes():
    validate_id_number(VALID)
    validate_id_number(VALID.lower())


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_number_format"),
        ("1101051949123100", "id_number_format"),
        ("11010519491231002Y", "id_number_format"),
        ("110105194913310029", "id_number_date"),
        ("110105194912310021", "id_number_checksum"),
    ],
)
def test_bad_id_numbers_are_rejected_with_a_reason(value, code):
    with pytest.raises(ValidationError) as error:
        validate_id_number(value)
    assert error.value.code == code


def test_masking_keeps_only_the_ends():
    assert mask_id_number(VALID) == "1101**********002X"
    assert mask_phone("13800001234") == "138****1234"
    assert mask_id_number("") == ""


@pytest.mark.django_db
def test_birth_date_and_gender_must_match_the_id_number():
    village = VillageFactory()
    number = demo_id_number("430599", datetime.date(1990, 1, 2), 5, "female")
    profile = TraineeProfileFactory.build(
        village=village, id_number=number, date_of_birth=datetime.date(1991, 1, 2), gender="male"
    )
    with pytest.raises(ValidationError) as error:
        profile.full_clean()
    assert set(error.value.message_dict) == {"date_of_birth", "gender"}


@pytest.mark.django_db
def test_one_person_is_never_registered_twice(make_user):
    registrar = make_user("registrar")
    first = TraineeProfileFactory()
    duplicate = {
        field: getattr(first, field)
        for field in [
            "real_name",
            "gender",
            "date_of_birth",
            "phone",
            "education",
            "computer_skill",
            "category",
            "village",
        ]
    }
    with pytest.raises(ValidationError) as error:
        do_register_trainee(acting_user=registrar, id_number=first.id_number.lower(), **duplicate)
    assert "id_number" in error.value.message_dict
    assert TraineeProfile.objects.count() == 1


@pytest.mark.django_db
def test_a_trainee_must_come_from_a_village(make_user):
    township = VillageFactory().parent
    profile = TraineeProfileFactory.build(village=township)
    with pytest.raises(ValidationError) as error:
        profile.full_clean()
    assert "village" in error.value.message_dict


@pytest.mark.django_db
def test_regions_nest_county_township_village():
    village = VillageFactory()
    assert village.parent.level == Region.Level.TOWNSHIP
    assert village.parent.parent.level == Region.Level.COUNTY
    assert village.full_name.startswith(village.parent.parent.name)
    orphan = Region(name="孤村", code="999999999999", level=Region.Level.VILLAGE)
    with pytest.raises(ValidationError):
        orphan.full_clean()


@pytest.mark.django_db
def test_registration_is_audited_without_the_full_id_number(make_user):
    registrar = make_user("registrar")
    village = VillageFactory()
    number = demo_id_number("430599", datetime.date(1992, 2, 2), 7, "male")
    profile = do_register_trainee(
        acting_user=registrar,
        real_name="李四",
        gender="male",
        date_of_birth=datetime.date(1992, 2, 2),
        id_number=number,
        phone="13912345678",
        education="junior_high",
        computer_skill="basic",
        category="rural_youth",
        village=village,
    )
    event = AuditEvent.objects.get(action="trainee_profile.created", object_id=str(profile.pk))
    assert event.actor == registrar
    assert number not in str(event.changes)
    assert profile.registered_by == registrar


@pytest.mark.django_db
def test_age_on_a_day():
    profile = TraineeProfileFactory.build(date_of_birth=datetime.date(2000, 6, 15))
    assert profile.age_on(datetime.date(2016, 6, 14)) == 15
    assert profile.age_on(datetime.date(2016, 6, 15)) == 16
