"""Learning through classes: enrolment in a class opens its plan's courses, "my learning" shows
them with the class's name, and progress reports per class for the people who run it."""

import re

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from lms.enrolment.models import ClassEnrolment
from lms.learning import actions, policy
from lms.training.models import TrainingClass
from tests.factories import TraineeProfileFactory
from tests.factories.learning import enrol, make_course_with_lessons
from tests.factories.training import (
    make_class,
    make_enrolment,
    make_institution,
    make_lecturer,
    make_plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(course):
    return make_plan(courses=[course])


@pytest.fixture
def training_class(plan, make_user):
    head = make_user("head_teacher", username="banzhuren")
    return make_class(plan, head_teacher=head, name="第一期初级班")


@pytest.fixture
def class_trainee(training_class):
    enrolment = make_enrolment(training_class, user=True)
    return enrolment.profile.user


# --- Reading courses ------------------------------------------------------------------------


def test_an_enrolled_trainee_reads_the_plans_courses(course, lessons, class_trainee):
    assert policy.can_read_course(class_trainee, course)
    assert policy.access_lesson(class_trainee, lessons[0].pk) == lessons[0]


@pytest.mark.parametrize(
    "status",
    [
        ClassEnrolment.Status.APPLIED,
        ClassEnrolment.Status.DECLINED,
        ClassEnrolment.Status.WITHDRAWN,
    ],
)
def test_a_trainee_not_enrolled_in_the_class_does_not(course, lessons, training_class, status):
    user = make_enrolment(training_class, user=True, status=status).profile.user
    assert not policy.can_read_course(user, course)
    with pytest.raises(Http404):
        policy.access_lesson(user, lessons[0].pk)


def test_a_class_whose_plan_lacks_the_course_grants_nothing(course, make_user):
    other_course, _lessons = make_course_with_lessons(1, title="别的课")
    cls = make_class(make_plan(courses=[other_course]))
    user = make_enrolment(cls, user=True).profile.user
    assert policy.can_read_course(user, other_course)
    assert not policy.can_read_course(user, course)


def test_a_finished_class_still_opens_its_courses_to_alumni(course, training_class, class_trainee):
    TrainingClass.objects.filter(pk=training_class.pk).update(status=TrainingClass.Status.FINISHED)
    assert policy.can_read_course(class_trainee, course)


def test_the_head_teacher_and_lecturers_of_the_class_read_its_courses(
    course, training_class, make_user
):
    lecturer_user = make_user("lecturer", username="jiangshi")
    training_class.lecturers.set([make_lecturer("王讲师", user=lecturer_user)])
    training_class.save()
    assert policy.can_read_course(training_class.head_teacher, course)
    assert policy.can_read_course(lecturer_user, course)
    assert not policy.can_read_course(make_user("head_teacher", username="other"), course)


def test_an_assigned_course_enrolment_still_works(course, enrolled):
    assert policy.can_read_course(enrolled, course)


def test_the_lesson_page_serves_a_class_trainee(client, lessons, class_trainee, make_user):
    client.force_login(class_trainee)
    assert client.get(lessons[0].url).status_code == 200
    client.force_login(make_user("trainee", username="stranger"))
    assert client.get(lessons[0].url).status_code == 404


def test_can_read_course_costs_one_query_for_enrolment(course, class_trainee):
    class_trainee.role_codes()  # cached for the request, as on a real page
    with CaptureQueriesContext(connection) as queries:
        assert policy.can_read_course(class_trainee, course)
    assert len(queries) == 1


# --- My learning ----------------------------------------------------------------------------


def test_my_learning_shows_class_courses_with_the_class_name(
    client, course, lessons, training_class, class_trainee
):
    assigned, _assigned_lessons = make_course_with_lessons(1, title="管理员分配的课")
    enrol(class_trainee, assigned)
    client.force_login(class_trainee)
    response = client.get("/learning/")
    rows = {row["course"].pk: row for row in response.context["rows"]}
    assert rows[course.pk]["classes"] == ["第一期初级班"]
    assert rows[course.pk]["enrolled"] is True
    assert rows[assigned.pk]["classes"] == []
    assert rows[assigned.pk]["enrolled"] is True
    assert "第一期初级班" in response.content.decode()


def test_the_progress_api_lists_class_courses(client, course, class_trainee):
    client.force_login(class_trainee)
    body = client.get("/api/v1/progress").json()
    assert [(row["course"]["id"], row["enrolled"]) for row in body] == [(course.pk, True)]


def test_my_learning_costs_the_same_queries_for_one_or_many_classes(
    client, course, training_class, class_trainee
):
    client.force_login(class_trainee)
    client.get("/learning/")
    with CaptureQueriesContext(connection) as few:
        client.get("/learning/")
    profile = class_trainee.trainee_profile
    for i in range(3):
        extra, _lessons = make_course_with_lessons(2, title=f"加课{i}")
        make_enrolment(make_class(make_plan(courses=[extra, course])), profile=profile)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/learning/")
    assert len(response.context["rows"]) == 4
    assert len(many) == len(few)


# --- Course reports include trainees from classes ---------------------------------------------


def test_the_course_report_lists_class_trainees_and_assigned_ones(
    client, course, lessons, class_trainee, enrolled, make_user
):
    actions.do_complete_lesson(class_trainee, lessons[0])
    client.force_login(make_user("administrator", username="boss"))
    response = client.get(f"/learning/courses/{course.pk}/progress/")
    rows = {row["user"].pk: row for row in response.context["rows"]}
    assert set(rows) == {class_trainee.pk, enrolled.pk}
    assert rows[class_trainee.pk]["completed"] == 1
    detail = client.get(f"/learning/courses/{course.pk}/progress/{class_trainee.pk}/")
    assert detail.status_code == 200
    assert detail.context["state"].completed == 1


def test_a_head_teacher_no_longer_sees_course_reports(client, course, training_class):
    client.force_login(training_class.head_teacher)
    assert client.get(f"/learning/courses/{course.pk}/progress/").status_code == 404


# --- Class reports --------------------------------------------------------------------------


def class_report_url(cls):
    return f"/learning/reports/classes/{cls.pk}/"


def _without_tokens(response):
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'name="next" value="[^"]*"', "", html)


def test_the_class_report_shows_each_trainee_in_each_course(
    client, course, lessons, training_class, class_trainee
):
    second, second_lessons = make_course_with_lessons(1, title="第二门课")
    plan = training_class.plan
    plan.courses.add(second)
    plan.save()
    class_trainee.trainee_profile.real_name = "黄小丽"
    class_trainee.trainee_profile.save()
    actions.do_complete_lesson(class_trainee, lessons[0])
    actions.do_record_lesson_visit(class_trainee, lessons[1], seconds=600)
    actions.do_complete_lesson(class_trainee, second_lessons[0])
    idle = make_enrolment(training_class, user=True, committee_role="monitor").profile
    idle.real_name = "陈班长"
    idle.save()
    offline = make_enrolment(training_class, profile=TraineeProfileFactory(real_name="王无号"))
    make_enrolment(training_class, user=True, status=ClassEnrolment.Status.WITHDRAWN)
    client.cookies["lms_language"] = "en"
    client.force_login(training_class.head_teacher)
    response = client.get(class_report_url(training_class))
    assert response.status_code == 200
    report = response.context["report"]
    assert [c.pk for c in report.courses] == [course.pk, second.pk]
    assert report.lesson_totals == {course.pk: 3, second.pk: 1}
    rows = {row.profile.real_name: row for row in report.rows}
    assert set(rows) == {"黄小丽", "陈班长", "王无号"}
    mine = rows["黄小丽"]
    assert [(c.completed, c.total) for c in mine.cells] == [(1, 3), (1, 1)]
    assert (mine.completed, mine.total, mine.percent, mine.seconds) == (2, 4, 50, 600)
    assert rows["陈班长"].percent == 0 and rows["陈班长"].last_seen is None
    assert not rows["王无号"].has_account
    html = response.content.decode()
    assert "No account yet" in html
    assert "Not started" in html
    assert offline.profile.phone not in html


@pytest.mark.parametrize(
    "who",
    ["head_teacher", "lecturer", "staff", "commerce_officer", "finance_officer", "administrator"],
)
def test_who_sees_a_class_report(client, training_class, make_user, who):
    if who == "head_teacher":
        user = training_class.head_teacher
    elif who == "lecturer":
        user = make_user("lecturer", username="jiangshi")
        training_class.lecturers.set([make_lecturer("王讲师", user=user)])
        training_class.save()
    elif who == "staff":
        user = make_user("institution_staff", username="jigou")
        institution = training_class.institution
        institution.staff.add(user)
        institution.save()
    else:
        user = make_user(who, username=who)
    client.force_login(user)
    assert client.get(class_report_url(training_class)).status_code == 200


def test_trainees_outsiders_and_unknown_ids_get_the_same_404(
    client, training_class, class_trainee, make_user
):
    other_staff = make_user("institution_staff", username="other_staff")
    make_institution(staff=[other_staff]).save()
    bodies = set()
    for user in [
        class_trainee,
        make_user("head_teacher", username="other_head"),
        make_user("lecturer", username="other_lecturer"),
        make_user("registrar", username="dengji"),
        other_staff,
    ]:
        client.force_login(user)
        response = client.get(class_report_url(training_class))
        assert response.status_code == 404
        bodies.add(_without_tokens(response))
    client.force_login(training_class.head_teacher)
    response = client.get("/learning/reports/classes/999999/")
    assert response.status_code == 404
    bodies.add(_without_tokens(response))
    assert len(bodies) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, training_class):
    response = client.get(class_report_url(training_class))
    assert response.status_code == 302


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_class_report_costs_the_same_queries_for_3_or_10_trainees_and_more_courses(
    client, course, lessons, training_class
):
    for _ in range(3):
        user = make_enrolment(training_class, user=True).profile.user
        actions.do_complete_lesson(user, lessons[0])
    client.force_login(training_class.head_teacher)
    few = _count(client, class_report_url(training_class))
    plan = training_class.plan
    for i in range(2):
        extra, _extra_lessons = make_course_with_lessons(2, title=f"加课{i}")
        plan.courses.add(extra)
    plan.save()
    for i in range(7):
        user = make_enrolment(training_class, user=True).profile.user
        actions.do_record_lesson_visit(user, lessons[i % 3], seconds=60)
    assert _count(client, class_report_url(training_class)) == few


def test_the_report_index_lists_a_head_teachers_classes(client, course, training_class, make_user):
    make_class(training_class.plan, name="别人的班")
    client.force_login(training_class.head_teacher)
    response = client.get("/learning/courses/")
    assert response.status_code == 200
    assert [c.pk for c in response.context["classes"]] == [training_class.pk]
    assert response.context["courses"] == []
    client.force_login(make_user("head_teacher", username="new_head"))
    response = client.get("/learning/courses/")
    assert response.status_code == 200
    assert list(response.context["classes"]) == []


def test_officers_see_every_class_in_the_index(client, training_class, make_user):
    other = make_class(training_class.plan)
    client.force_login(make_user("finance_officer", username="caizheng"))
    classes = client.get("/learning/courses/").context["classes"]
    assert {c.pk for c in classes} == {training_class.pk, other.pk}


def test_the_class_page_links_to_the_report(client, training_class):
    client.force_login(training_class.head_teacher)
    html = client.get(f"/training/classes/{training_class.pk}/").content.decode()
    assert class_report_url(training_class) in html


def test_institution_staff_see_their_institutions_classes_in_the_index(
    client, training_class, make_user
):
    staff = make_user("institution_staff", username="jigou")
    institution = training_class.institution
    institution.staff.add(staff)
    institution.save()
    make_class(make_plan(), name="别的机构的班")
    client.force_login(staff)
    classes = client.get("/learning/courses/").context["classes"]
    assert [c.pk for c in classes] == [training_class.pk]
