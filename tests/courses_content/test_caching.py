import pytest

from courses_content.caching import case_library_version
from tests.factories.curriculum import make_case, make_image

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("make", [make_case, make_image])
def test_saving_what_a_lesson_body_shows_invalidates_cached_bodies(make):
    before = case_library_version()
    assert case_library_version() == before  # stable while nothing changes
    thing = make()
    after_create = case_library_version()
    assert after_create != before
    thing.title = "改过"
    thing.save()
    assert case_library_version() != after_create
