"""Every training listing in the admin costs the same number of queries for 2 rows as for 6."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.evaluation.models import EvaluationResponse, LecturerRating
from lms.training.models import TrainingClass, TrainingPlan, VenueKind
from tests.factories import training as build


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def add_rows(world, n, serial):
    """``n`` more rows of every kind, in institution A."""
    for i in range(n):
        tag = f"{serial}-{i}"
        institution = build.make_institution(legal_name=f"机构{tag}")
        institution.staff.set([world.staff_a])
        institution.save()
        venue = build.make_venue(world.a, VenueKind.CLASSROOM, name=f"教室{tag}")
        lecturer = build.make_lecturer(f"讲师{tag}")
        lecturer.institutions.set([world.a, institution])
        plan = build.make_plan(
            world.a,
            code=f"P-{tag}",
            status=TrainingPlan.Status.SUBMITTED if i % 2 else TrainingPlan.Status.APPROVED,
            lecturers=[lecturer],
            venues=[venue],
        )
        training_class = build.make_class(
            world.plan if i % 2 else plan,
            code=f"C-{tag}",
            status=TrainingClass.Status.PLANNED,
            head_teacher=world.head_teacher,
            lecturers=[lecturer],
        )
        build.make_enrolment(training_class)
        session = build.make_session(training_class, venue=venue, lecturer=lecturer)
        session.lessons.set([world.curriculum.lessons[0]])
        session.save()
        response = EvaluationResponse.objects.create(
            training_class=training_class,
            content=4,
            organisation=4,
            venue=4,
            practicality=4,
            overall=4,
        )
        LecturerRating.objects.create(response=response, lecturer=lecturer, score=4)


URLS = [
    "/admin/snippets/training/institution/",
    "/admin/snippets/training/lecturer/",
    "/admin/training/venues/",
    "/admin/training/plans/",
    "/admin/training/classes/",
]


@pytest.mark.parametrize("who", ["staff", "administrator", "commerce_officer"])
def test_listings_are_constant_in_the_number_of_rows(client, world, make_user, who):
    user = world.staff_a if who == "staff" else make_user(who)
    client.force_login(user)
    add_rows(world, 2, "a")
    for url in URLS:
        queries(client, url)  # warm up (content types, site, etc.)
    few = {url: queries(client, url) for url in URLS}
    add_rows(world, 4, "b")
    many = {url: queries(client, url) for url in URLS}
    assert many == few
