"""The lecturer library in the admin: profile, institutions, courses taught and trainees'
ratings (average and count, never who rated)."""

import pytest

from lms.evaluation.models import EvaluationResponse, LecturerRating
from lms.training.actions import attach_courses_taught, with_rating_summary
from lms.training.models import Lecturer
from tests.factories import training as build

LIST_URL = "/admin/snippets/training/lecturer/"


def rate(training_class, lecturer, *scores, comment=""):
    for score in scores:
        response = EvaluationResponse.objects.create(
            training_class=training_class,
            content=5,
            organisation=5,
            venue=5,
            practicality=5,
            overall=5,
            comments="整体满意",
        )
        LecturerRating.objects.create(
            response=response, lecturer=lecturer, score=score, comment=comment
        )


@pytest.fixture
def library(world):
    course = world.curriculum.course
    course.lecturers.set([world.lecturer])
    course.save()
    world.lecturer.institutions.set([world.a, world.b])
    training_class = build.make_class(world.plan, lecturers=[world.lecturer])
    session = build.make_session(
        training_class, venue=world.classroom, lecturer=world.other_lecturer
    )
    session.lessons.set([world.curriculum.cadre_lesson])
    session.save()
    rate(training_class, world.lecturer, 5, 4, 4, comment="讲得好，我是张三")
    return training_class


def test_ratings_are_averaged_in_one_query(world, library, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = {row.name: row for row in with_rating_summary(Lecturer.objects.all())}
    assert rows["王老师"].rating_count == 3
    assert round(rows["王老师"].rating_average, 2) == 4.33
    assert rows["赵老师"].rating_count == 0 and rows["赵老师"].rating_average is None


def test_courses_taught_come_from_courses_and_sessions(world, library, django_assert_num_queries):
    lecturers = list(Lecturer.objects.order_by("name"))
    with django_assert_num_queries(3):
        attach_courses_taught(lecturers)
    taught = {lecturer.name: lecturer.courses_taught for lecturer in lecturers}
    assert taught == {"王老师": ["淘宝天猫基础实操"], "赵老师": ["电商政策与趋势"]}


def test_the_listing_shows_the_library(client, world, library, make_user):
    client.force_login(make_user("commerce_officer"))
    response = client.get(LIST_URL)
    assert response.status_code == 200
    text = response.text
    for expected in ("王老师", "淘宝天猫基础实操", "电商政策与趋势", "甲培训学校", "乙培训学校"):
        assert expected in text
    assert "4.3" in text
    assert "讲得好" not in text and "张三" not in text  # nothing about who rated or said what


def test_staff_see_only_their_own_institutions_names(client, world, library):
    client.force_login(world.staff_a)
    text = client.get(LIST_URL).text
    assert "甲培训学校" in text and "乙培训学校" not in text


def test_the_inspect_view(client, world, library, make_user):
    client.force_login(make_user("administrator"))
    response = client.get(f"/admin/snippets/training/lecturer/inspect/{world.lecturer.pk}/")
    assert response.status_code == 200
    text = response.text
    assert "淘宝天猫基础实操" in text and "4.3" in text and "甲培训学校" in text
    assert "讲得好" not in text
    assert client.get("/admin/snippets/training/lecturer/inspect/999999/").status_code == 404


def test_administrators_edit_profiles_and_institutions(client, world, make_user):
    client.force_login(make_user("administrator"))
    response = client.post(
        f"/admin/snippets/training/lecturer/edit/{world.other_lecturer.pk}/",
        {
            "name": "赵老师",
            "title": "高级讲师",
            "expertise": "直播带货",
            "platforms": "抖音",
            "biography": "十年电商经验",
            "institutions": [world.b.pk],
        },
    )
    assert response.status_code == 302
    world.other_lecturer.refresh_from_db()
    assert world.other_lecturer.expertise == "直播带货"
    assert list(world.other_lecturer.institutions.all()) == [world.b]


def test_staff_may_look_but_not_edit(client, world):
    client.force_login(world.staff_a)
    assert client.get(LIST_URL).status_code == 200
    response = client.get(f"/admin/snippets/training/lecturer/edit/{world.lecturer.pk}/")
    assert response.status_code == 302
