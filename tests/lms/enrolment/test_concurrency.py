"""Two registrars at once cannot overfill a class: every enrolment change locks the class row
(then the person's) before counting places."""

import threading
import time
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.query import QuerySet

from lms.enrolment import actions, importing
from lms.enrolment.models import ClassEnrolment
from lms.training.models import TrainingClass
from tests.factories import TraineeProfileFactory
from tests.factories.training import make_class, make_institution, make_plan


def _spy_locks():
    """Record the model of every ``select_for_update`` and every enrolment saved, in order."""
    events = []
    original_lock = QuerySet.select_for_update
    original_save = ClassEnrolment.save

    def lock(self, *args, **kwargs):
        events.append(("lock", self.model.__name__))
        return original_lock(self, *args, **kwargs)

    def save(self, *args, **kwargs):
        events.append(("save", "ClassEnrolment"))
        return original_save(self, *args, **kwargs)

    return (
        events,
        mock.patch.object(QuerySet, "select_for_update", lock),
        mock.patch.object(ClassEnrolment, "save", save),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["register", "apply", "confirm", "withdraw", "committee"])
def test_every_change_locks_the_class_first(training_class, person, admin, trainee, path):
    setup = {
        "confirm": lambda: actions.check_apply(training_class, trainee),
        "withdraw": lambda: actions.check_register_candidate(
            training_class, person, acting_user=admin
        ),
        "committee": lambda: actions.check_register_candidate(
            training_class, person, acting_user=admin
        ),
    }
    before = setup.get(path, lambda: None)()
    run = {
        "register": lambda: actions.check_register_candidate(
            training_class, person, acting_user=admin
        ),
        "apply": lambda: actions.check_apply(training_class, trainee),
        "confirm": lambda: actions.check_confirm_application(before, acting_user=admin),
        "withdraw": lambda: actions.check_withdraw_enrolment(
            before, reason="退出", acting_user=admin
        ),
        "committee": lambda: actions.check_set_committee_role(before, "monitor", acting_user=admin),
    }[path]
    events, patch_lock, patch_save = _spy_locks()
    with patch_lock, patch_save:
        run()
    assert events[0] == ("lock", "TrainingClass")
    assert ("save", "ClassEnrolment") in events
    assert events.index(("save", "ClassEnrolment")) > 0


@pytest.mark.django_db
def test_the_import_locks_the_class_before_counting(training_class, admin, village):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.lms.enrolment.files import csv_file, row

    upload = SimpleUploadedFile("a.csv", csv_file([row(village, 1)]))
    events, patch_lock, patch_save = _spy_locks()
    with patch_lock, patch_save:
        report = importing.import_candidates(training_class, upload, acting_user=admin)
    assert report.saved
    assert events[0] == ("lock", "TrainingClass")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_registrar_waits_and_then_finds_the_class_full(make_user):
    """Thread A holds the class lock while it fills the last place; thread B, registering at
    the same moment, waits for A to commit and is then told the class is full."""
    from tests.factories import ensure_site

    ensure_site()
    admin = make_user("administrator")
    plan = make_plan(make_institution())
    training_class = make_class(plan, status=TrainingClass.Status.ENROLLING, capacity=1)
    first, second = TraineeProfileFactory(), TraineeProfileFactory()
    locked = threading.Event()
    outcome = {}

    def holder():
        try:
            with transaction.atomic():
                TrainingClass.objects.select_for_update().get(pk=training_class.pk)
                locked.set()
                time.sleep(0.5)
                actions.check_register_candidate(training_class, first, acting_user=admin)
        finally:
            connection.close()

    def racer():
        locked.wait(5)
        try:
            actions.check_register_candidate(training_class, second, acting_user=admin)
            outcome["second"] = "enrolled"
        except ValidationError as error:
            outcome["second"] = error.error_list[0].code
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=racer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcome["second"] == "class_full"
    assert ClassEnrolment.objects.filter(training_class=training_class).count() == 1
