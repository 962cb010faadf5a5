"""Progress reports for lecturers, head teachers and supervisors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.learning import actions
from tests.factories import TraineeProfileFactory
from tests.factories.learning import assign_lecturer, enrol

pytestmark = pytest.mark.django_db


def report_url(course, user=None):
    url = f"/learning/courses/{course.pk}/progress/"
    return f"{url}{user.pk}/" if user else url


def test_the_report_shows_each_enrolled_trainee(client, course, lessons, enrolled, make_user):
    TraineeProfileFactory(user=enrolled, real_name="黄小丽")
    idle = make_user("trainee", username="idle")
    enrol(idle, course)
    actions.do_complete_lesson(enrolled, lessons[0])
    actions.do_record_lesson_visit(enrolled, lessons[1], seconds=3600)
    actions.do_record_lesson_visit(enrolled, lessons[1], seconds=125)
    client.force_login(make_user("commerce_officer", username="shangwu"))
    client.cookies["lms_language"] = "en"
    response = client.get(report_url(course))
    assert response.status_code == 200
    rows = {row["user"].username: row for row in response.context["rows"]}
    assert (rows["xiaoli"]["percent"], rows["xiaoli"]["completed"]) == (33, 1)
    assert rows["xiaoli"]["seconds"] == 3725
    assert rows["idle"]["last_seen"] is None
    html = response.content.decode()
    assert "黄小丽" in html
    assert "1 h 2 min" in html
    assert "Not started" in html


def test_the_trainee_detail_lists_every_lesson(client, course, lessons, enrolled, make_user):
    actions.do_complete_lesson(enrolled, lessons[0])
    client.force_login(make_user("administrator", username="boss"))
    response = client.get(report_url(course, enrolled))
    assert response.status_code == 200
    state = response.context["state"]
    assert [lesson.title for lesson in state.lessons] == ["第1课", "第2课", "第3课"]
    assert state.percent == 33


def test_the_course_lecturer_sees_it_another_lecturer_and_trainees_get_404(
    client, course, enrolled, make_user
):
    own = make_user("lecturer", username="own")
    assign_lecturer(course, own)
    client.force_login(own)
    assert client.get(report_url(course)).status_code == 200
    assert client.get(report_url(course, enrolled)).status_code == 200
    for user in [make_user("lecturer", username="other"), enrolled]:
        client.force_login(user)
        assert client.get(report_url(course)).status_code == 404
        assert client.get(report_url(course, enrolled)).status_code == 404


def test_anonymous_readers_are_sent_to_sign_in(client, course):
    response = client.get(report_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_unknown_courses_and_unenrolled_people_are_404(client, course, make_user):
    client.force_login(make_user("administrator", username="boss"))
    assert client.get("/learning/courses/999999/progress/").status_code == 404
    stranger = make_user("trainee", username="stranger")
    assert client.get(report_url(course, stranger)).status_code == 404


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_report_costs_the_same_queries_for_2_or_12_trainees(client, course, lessons, make_user):
    client.force_login(make_user("commerce_officer", username="officer"))
    for i in range(2):
        trainee = make_user("trainee", username=f"t{i}")
        enrol(trainee, course)
        actions.do_complete_lesson(trainee, lessons[0])
    few = _count(client, report_url(course))
    for i in range(2, 12):
        trainee = make_user("trainee", username=f"t{i}")
        TraineeProfileFactory(user=trainee)
        enrol(trainee, course)
        actions.do_record_lesson_visit(trainee, lessons[i % 3], seconds=60)
    assert _count(client, report_url(course)) == few
    assert few <= 12


def test_the_detail_costs_the_same_queries_whatever_the_lessons(
    client, course, lessons, enrolled, make_user
):
    from tests.factories.curriculum import make_lesson

    client.force_login(make_user("administrator", username="boss"))
    few = _count(client, report_url(course, enrolled))
    for i in range(5):
        make_lesson(course, f"加课{i}")
    assert _count(client, report_url(course, enrolled)) == few


def test_the_report_index_lists_reportable_courses(client, course, open_course, make_user):
    own = make_user("lecturer", username="own")
    assign_lecturer(course, own)
    client.force_login(own)
    response = client.get("/learning/courses/")
    assert [c.pk for c in response.context["courses"]] == [course.pk]
    client.force_login(make_user("trainee", username="someone"))
    assert client.get("/learning/courses/").status_code == 404
