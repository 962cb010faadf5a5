"""The permission matrix: every enrolment change, tried by every kind of user.

"Allowed" means the change happened; "denied" means ``PermissionDenied`` and nothing changed.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lms.accounts.models import TraineeProfile
from lms.enrolment import actions, importing
from lms.enrolment.models import ClassEnrolment, RegistrarArea
from tests.factories import VillageFactory
from tests.factories.training import make_enrolment, make_institution

from .files import csv_file, row

pytestmark = pytest.mark.django_db
Status = ClassEnrolment.Status

USERS = [
    "administrator",
    "own_staff",
    "other_staff",
    "area_registrar",
    "other_registrar",
    "head_teacher",
    "commerce_officer",
    "finance_officer",
    "lecturer",
    "trainee",
]

# action -> the users allowed to do it
ALLOWED = {
    "register": {"administrator", "own_staff", "area_registrar"},
    "register_new": {"administrator", "own_staff", "area_registrar"},
    "confirm": {"administrator", "own_staff", "area_registrar"},
    "decline": {"administrator", "own_staff", "area_registrar"},
    "withdraw": {"administrator", "own_staff"},
    "committee": {"administrator", "own_staff", "head_teacher"},
    "import": {"administrator", "own_staff", "area_registrar"},
    "override": {"administrator"},
}


@pytest.fixture
def users(make_user, training_class, village):
    def staff_of(institution):
        user = make_user("institution_staff")
        institution.staff.add(user)
        institution.save()
        return user

    area_registrar = make_user("registrar")
    RegistrarArea.objects.create(registrar=area_registrar, region=village)
    other_registrar = make_user("registrar")
    RegistrarArea.objects.create(registrar=other_registrar, region=VillageFactory())
    head_teacher = make_user("head_teacher")
    training_class.head_teacher = head_teacher
    training_class.save()
    return {
        "administrator": make_user("administrator"),
        "own_staff": staff_of(training_class.institution),
        "other_staff": staff_of(make_institution()),
        "area_registrar": area_registrar,
        "other_registrar": other_registrar,
        "head_teacher": head_teacher,
        "commerce_officer": make_user("commerce_officer"),
        "finance_officer": make_user("finance_officer"),
        "lecturer": make_user("lecturer"),
        "trainee": make_user("trainee"),
    }


def attempt(action, training_class, user, person, make_person, village):
    """Try ``action``; return a function telling whether it took effect."""
    if action == "register":
        actions.check_register_candidate(training_class, person, acting_user=user)
    elif action == "register_new":
        good = row(village, 1)
        actions.check_register_new_candidate(
            training_class,
            acting_user=user,
            real_name=good[0],
            gender="female",
            id_number=good[2],
            phone=good[3],
            education="junior_high",
            computer_skill="basic",
            category="rural_youth",
            employer="",
            village=village,
        )
    elif action in ("confirm", "decline"):
        enrolment = make_enrolment(training_class, profile=person, status=Status.APPLIED)
        if action == "confirm":
            actions.check_confirm_application(enrolment, acting_user=user)
        else:
            actions.check_decline_application(enrolment, reason="名额已满", acting_user=user)
    elif action == "withdraw":
        enrolment = make_enrolment(training_class, profile=person)
        actions.check_withdraw_enrolment(enrolment, reason="外出", acting_user=user)
    elif action == "committee":
        enrolment = make_enrolment(training_class, profile=person)
        actions.check_set_committee_role(enrolment, "monitor", acting_user=user)
    elif action == "import":
        upload = SimpleUploadedFile("a.csv", csv_file([row(village, 1)]))
        assert importing.import_candidates(training_class, upload, acting_user=user).saved
    elif action == "override":
        ineligible = make_person(education="primary")
        actions.check_register_candidate(
            training_class, ineligible, acting_user=user, override_reason="特批"
        )


def changed(action):
    enrolments = ClassEnrolment.objects.all()
    if action == "committee":
        return enrolments.filter(committee_role="monitor").exists()
    if action == "decline":
        return enrolments.filter(status=Status.DECLINED).exists()
    if action == "withdraw":
        return enrolments.filter(status=Status.WITHDRAWN).exists()
    return enrolments.filter(status=Status.ENROLLED).exists()


# A registrar may register people in the class, but not from this village: the person (or the
# file's row) is refused for their village rather than the user for the class.
REFUSED_BY_AREA = {("register_new", "other_registrar"), ("import", "other_registrar")}


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_permission_matrix(action, who, users, training_class, person, make_person, village):
    user = users[who]
    if who in ALLOWED[action]:
        attempt(action, training_class, user, person, make_person, village)
        assert changed(action)
    elif (action, who) in REFUSED_BY_AREA:
        with pytest.raises((ValidationError, AssertionError)):
            attempt(action, training_class, user, person, make_person, village)
        assert not changed(action)
        assert not TraineeProfile.objects.filter(registered_by=user).exists()
    else:
        with pytest.raises(PermissionDenied):
            attempt(action, training_class, user, person, make_person, village)
        assert not changed(action)


def test_the_trainee_applies_and_withdraws_only_their_own(users, trainee, training_class):
    application = actions.check_apply(training_class, trainee)
    assert application.status == Status.APPLIED
    # Another user's withdrawal finds no application of theirs.
    with pytest.raises(ValidationError):
        actions.check_withdraw_application(training_class, users["trainee"])
    application.refresh_from_db()
    assert application.status == Status.APPLIED
