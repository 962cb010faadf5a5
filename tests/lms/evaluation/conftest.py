"""A class in progress with a head teacher, two lecturers, institution staff and trainees."""

from types import SimpleNamespace

import pytest

# The browser tests' fixtures (Chromium, a 360 px phone, the live server).
from tests.browser.conftest import browser, live_server, phone  # noqa: F401
from tests.factories.training import (
    make_class,
    make_enrolment,
    make_institution,
    make_lecturer,
    make_plan,
)


@pytest.fixture
def world(db, make_user):
    head_teacher = make_user("head_teacher", username="head")
    staff = make_user("institution_staff", username="staff")
    institution = make_institution(staff=[staff])
    # make_institution sets the ParentalManyToManyField without saving it.
    institution.save()
    lecturer_user = make_user("lecturer", username="lecturer_wang")
    lecturer_a = make_lecturer("王老师", user=lecturer_user, title="高级讲师")
    lecturer_b = make_lecturer("李老师")
    plan = make_plan(institution)
    training_class = make_class(plan, head_teacher=head_teacher, lecturers=[lecturer_a, lecturer_b])
    enrolments = [make_enrolment(training_class, user=True) for _ in range(4)]
    return SimpleNamespace(
        head_teacher=head_teacher,
        staff=staff,
        institution=institution,
        plan=plan,
        lecturer_user=lecturer_user,
        lecturer_a=lecturer_a,
        lecturer_b=lecturer_b,
        training_class=training_class,
        enrolments=enrolments,
        trainee=enrolments[0].profile.user,
        enrolment=enrolments[0],
    )
