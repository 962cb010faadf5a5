"""People and places for enrolment tests: one enrolling class a month from now, a registrar
of one village, the institution's staff and an administrator."""

import datetime

import pytest
from django.utils import timezone

from lms.enrolment.models import RegistrarArea
from lms.training.models import TrainingClass
from tests.factories import TraineeProfileFactory, VillageFactory
from tests.factories.training import make_class, make_institution, make_plan

ENROLLING = TrainingClass.Status.ENROLLING


@pytest.fixture
def village(db):
    return VillageFactory(name="梅子村")


@pytest.fixture
def other_village(db):
    return VillageFactory(name="荷塘村")


@pytest.fixture
def institution(db):
    return make_institution()


@pytest.fixture
def plan(institution):
    return make_plan(institution, end_date=timezone.localdate() + datetime.timedelta(days=200))


@pytest.fixture
def start_day():
    return timezone.localdate() + datetime.timedelta(days=30)


@pytest.fixture
def training_class(plan, start_day):
    return make_class(plan, status=ENROLLING, start_date=start_day)


@pytest.fixture
def registrar(make_user, village):
    user = make_user("registrar", username="registrar1")
    RegistrarArea.objects.create(registrar=user, region=village)
    return user


@pytest.fixture
def staff(make_user, institution):
    user = make_user("institution_staff", username="staff1")
    institution.staff.add(user)
    institution.save()  # a ParentalManyToManyField is written on save
    return user


@pytest.fixture
def admin(make_user):
    return make_user("administrator", username="admin1")


@pytest.fixture
def person(village):
    """An eligible candidate from the registrar's village, without an account."""
    return TraineeProfileFactory(village=village, real_name="黄小丽")


@pytest.fixture
def make_person(village):
    def make(**fields):
        fields.setdefault("village", village)
        return TraineeProfileFactory(**fields)

    return make


@pytest.fixture
def trainee(make_user, village):
    """A signed-in trainee with a profile in the registrar's village."""
    user = make_user("trainee", username="trainee1")
    TraineeProfileFactory(user=user, village=village, real_name="周大勇")
    return user
