"""A small curriculum for learning tests: one closed course with three lessons."""

import pytest

from tests.factories.learning import enrol, make_course_with_lessons


@pytest.fixture
def course_and_lessons(db):
    return make_course_with_lessons(3, open_to_public=False)


@pytest.fixture
def course(course_and_lessons):
    return course_and_lessons[0]


@pytest.fixture
def lessons(course_and_lessons):
    return course_and_lessons[1]


@pytest.fixture
def trainee(make_user):
    return make_user("trainee", username="xiaoli")


@pytest.fixture
def enrolled(trainee, course, make_user):
    """``trainee`` enrolled in ``course`` by an administrator."""
    enrol(trainee, course, acting_user=make_user("administrator", username="admin1"))
    return trainee


@pytest.fixture
def open_course(db):
    from courses_content.models import TierPage

    tier = TierPage.objects.first()
    return make_course_with_lessons(2, open_to_public=True, tier=tier, title="开放课程")
