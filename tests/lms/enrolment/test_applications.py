"""Trainees apply themselves; a registrar of their village (or staff, or an administrator)
confirms or declines; the applicant may withdraw; staff withdraw enrolments with a reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.audit.models import AuditEvent
from lms.enrolment import actions
from lms.enrolment.models import ClassEnrolment
from lms.training.models import TrainingClass
from tests.factories import TraineeProfileFactory, VillageFactory
from tests.factories.training import make_class, make_enrolment

pytestmark = pytest.mark.django_db
Status = ClassEnrolment.Status


def codes(error):
    return [e.code for e in error.value.error_list]


def test_a_trainee_applies(training_class, trainee):
    enrolment = actions.check_apply(training_class, trainee)
    assert (enrolment.status, enrolment.source) == (Status.APPLIED, ClassEnrolment.Source.SELF)
    assert enrolment.decided_by is None
    assert AuditEvent.objects.filter(action="class_enrolment.applied", actor=trainee).exists()


def test_someone_without_a_profile_is_sent_to_their_registrar(training_class, make_user):
    with pytest.raises(ValidationError) as error:
        actions.check_apply(training_class, make_user("trainee"))
    assert codes(error) == ["no_profile"]


def test_applying_follows_the_same_rules(plan, start_day, trainee, make_person):
    full = make_class(plan, status="enrolling", start_date=start_day, capacity=1)
    make_enrolment(full, profile=make_person(village=VillageFactory()))
    with pytest.raises(ValidationError) as error:
        actions.check_apply(full, trainee)
    assert codes(error) == ["class_full"]
    planned = make_class(plan, status="planned", start_date=start_day)
    with pytest.raises(ValidationError) as error:
        actions.check_apply(planned, trainee)
    assert codes(error) == ["not_enrolling"]


def test_an_ineligible_trainee_cannot_apply(training_class, trainee):
    trainee.trainee_profile.education = "primary"
    trainee.trainee_profile.save()
    with pytest.raises(ValidationError) as error:
        actions.check_apply(training_class, trainee)
    assert codes(error) == ["ineligible"]
    assert not ClassEnrolment.objects.exists()


def test_an_application_holds_a_place_and_blocks_overlaps(training_class, trainee):
    actions.check_apply(training_class, trainee)
    same_days = make_class(
        training_class.plan, status="enrolling", start_date=training_class.start_date
    )
    with pytest.raises(ValidationError) as error:
        actions.check_apply(same_days, trainee)
    assert codes(error) == ["overlap"]
    with pytest.raises(ValidationError) as error:
        actions.check_apply(training_class, trainee)
    assert codes(error) == ["already_in_class"]


@pytest.fixture
def application(training_class, trainee):
    return actions.check_apply(training_class, trainee)


@pytest.mark.parametrize("who", ["registrar", "staff", "admin"])
def test_confirming_an_application(application, registrar, staff, admin, who):
    user = {"registrar": registrar, "staff": staff, "admin": admin}[who]
    enrolment = actions.check_confirm_application(application, acting_user=user)
    assert enrolment.status == Status.ENROLLED
    assert enrolment.decided_by == user
    assert AuditEvent.objects.filter(action="class_enrolment.confirmed", actor=user).exists()


def test_a_registrar_of_another_village_cannot_decide(application, make_user):
    from lms.enrolment.models import RegistrarArea

    other = make_user("registrar")
    RegistrarArea.objects.create(registrar=other, region=VillageFactory())
    with pytest.raises(PermissionDenied):
        actions.check_confirm_application(application, acting_user=other)
    with pytest.raises(PermissionDenied):
        actions.check_decline_application(application, reason="名额已满", acting_user=other)
    application.refresh_from_db()
    assert application.status == Status.APPLIED


def test_confirming_checks_eligibility_again(application, registrar, admin):
    profile = application.profile
    profile.computer_skill = "none"
    profile.save()
    with pytest.raises(ValidationError) as error:
        actions.check_confirm_application(application, acting_user=registrar)
    assert codes(error) == ["ineligible"]
    with pytest.raises(PermissionDenied):
        actions.check_confirm_application(application, acting_user=registrar, override_reason="x")
    enrolment = actions.check_confirm_application(
        application, acting_user=admin, override_reason="已学过电脑"
    )
    assert enrolment.status == Status.ENROLLED
    assert enrolment.eligibility_override == "已学过电脑"
    assert enrolment.overridden_by == admin


def test_an_application_is_decided_once(application, registrar, admin):
    actions.check_confirm_application(application, acting_user=registrar)
    with pytest.raises(ValidationError) as error:
        actions.check_confirm_application(application, acting_user=admin)
    assert codes(error) == ["decided"]
    with pytest.raises(ValidationError):
        actions.check_decline_application(application, reason="x", acting_user=admin)


def test_declining_needs_a_reason(application, registrar):
    with pytest.raises(ValidationError) as error:
        actions.check_decline_application(application, reason=" ", acting_user=registrar)
    assert error.value.message_dict.keys() == {"reason"}
    with pytest.raises(ValidationError):
        actions.check_decline_application(application, reason="x" * 1001, acting_user=registrar)
    enrolment = actions.check_decline_application(
        application, reason="本期名额留给村干部", acting_user=registrar
    )
    assert enrolment.status == Status.DECLINED
    assert enrolment.status_reason == "本期名额留给村干部"
    event = AuditEvent.objects.get(action="class_enrolment.declined")
    assert event.reason == "本期名额留给村干部"


def test_a_declined_applicant_cannot_simply_apply_again(application, registrar, trainee):
    actions.check_decline_application(application, reason="名额已满", acting_user=registrar)
    with pytest.raises(ValidationError) as error:
        actions.check_apply(application.training_class, trainee)
    assert codes(error) == ["declined_before"]
    assert "名额已满" in error.value.messages[0]


def test_the_applicant_withdraws_and_may_apply_again(application, trainee):
    training_class = application.training_class
    withdrawn = actions.check_withdraw_application(training_class, trainee)
    assert withdrawn.status == Status.WITHDRAWN
    assert actions.held_places(training_class).count() == 0
    with pytest.raises(ValidationError) as error:
        actions.check_withdraw_application(training_class, trainee)
    assert codes(error) == ["no_application"]
    again = actions.check_apply(training_class, trainee)
    assert again.pk == application.pk and again.status == Status.APPLIED


def test_a_trainee_cannot_withdraw_a_confirmed_place(application, registrar, trainee):
    actions.check_confirm_application(application, acting_user=registrar)
    with pytest.raises(ValidationError) as error:
        actions.check_withdraw_application(application.training_class, trainee)
    assert codes(error) == ["no_application"]


@pytest.fixture
def enrolled(training_class, person, admin):
    return actions.check_register_candidate(training_class, person, acting_user=admin)


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_staff_withdraw_an_enrolment_with_a_reason(enrolled, staff, admin, who):
    user = {"staff": staff, "admin": admin}[who]
    with pytest.raises(ValidationError):
        actions.check_withdraw_enrolment(enrolled, reason="", acting_user=user)
    enrolment = actions.check_withdraw_enrolment(enrolled, reason="外出务工", acting_user=user)
    assert enrolment.status == Status.WITHDRAWN
    assert enrolment.status_reason == "外出务工"
    assert AuditEvent.objects.get(action="class_enrolment.withdrawn").reason == "外出务工"


@pytest.mark.parametrize("role", ["registrar", "trainee", "head_teacher", "commerce_officer"])
def test_others_cannot_withdraw_an_enrolment(enrolled, make_user, registrar, role):
    user = registrar if role == "registrar" else make_user(role)
    with pytest.raises(PermissionDenied):
        actions.check_withdraw_enrolment(enrolled, reason="x", acting_user=user)
    enrolled.refresh_from_db()
    assert enrolled.status == Status.ENROLLED


def test_withdrawal_rules(enrolled, admin, training_class, trainee):
    application = actions.check_apply(training_class, trainee)
    with pytest.raises(ValidationError) as error:
        actions.check_withdraw_enrolment(application, reason="x", acting_user=admin)
    assert codes(error) == ["is_application"]
    TrainingClass.objects.filter(pk=training_class.pk).update(status="finished")
    enrolled.training_class.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        actions.check_withdraw_enrolment(enrolled, reason="x", acting_user=admin)
    assert codes(error) == ["roster_closed"]


def test_withdrawal_frees_the_place(plan, start_day, admin, make_person):
    training_class = make_class(plan, status="enrolling", start_date=start_day, capacity=1)
    first = actions.check_register_candidate(training_class, make_person(), acting_user=admin)
    actions.check_withdraw_enrolment(first, reason="退出", acting_user=admin)
    second = actions.check_register_candidate(
        training_class, TraineeProfileFactory(), acting_user=admin
    )
    assert second.status == Status.ENROLLED
