"""``/api/v1/classes``: my classes, one class, its schedule and its roster; the same rules and
the same 404s as the pages, and a fixed number of queries."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.accounts.actions import do_issue_api_token
from lms.enrolment.models import ClassEnrolment
from lms.training.models import ClassSession, VenueKind
from tests.factories import TraineeProfileFactory
from tests.factories.learning import make_course_with_lessons
from tests.factories.training import (
    make_class,
    make_enrolment,
    make_institution,
    make_lecturer,
    make_plan,
    make_session,
    make_venue,
)

pytestmark = pytest.mark.django_db


def set_lessons(session, lessons):
    """A session is not a cluster itself: commit its parental M2M explicitly."""
    session.lessons.set(lessons)
    session.lessons.commit()


SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 3, 9)


def bearer(user):
    _token, raw = do_issue_api_token(user, "phone", acting_user=user)
    return {"authorization": f"Bearer {raw}"}


@pytest.fixture
def setting(time_machine, make_user):
    time_machine.move_to(
        datetime.datetime.combine(MONDAY, datetime.time(10, 0), tzinfo=SHANGHAI), tick=False
    )
    staff = make_user("institution_staff", username="jigou")
    institution = make_institution(staff=[staff])
    institution.save()  # the factory sets the parental M2M in memory only
    course, lessons = make_course_with_lessons(2, title="淘宝开店")
    plan = make_plan(institution, start_date=MONDAY - datetime.timedelta(days=5), courses=[course])
    head = make_user("head_teacher", username="banzhuren", first_name="老师", last_name="赵")
    lecturer = make_lecturer("王讲师", user=make_user("lecturer", username="jiangshi"))
    cls = make_class(plan, start_date=MONDAY, head_teacher=head, lecturers=[lecturer])
    classroom = make_venue(institution, VenueKind.CLASSROOM, name="一号教室", address="人民路1号")
    morning = make_session(cls, date=MONDAY, venue=classroom, lecturer=lecturer, title="政策")
    set_lessons(morning, [lessons[0]])
    afternoon = make_session(
        cls,
        date=MONDAY,
        starts_at=datetime.time(14, 0),
        ends_at=datetime.time(16, 0),
        kind=ClassSession.Kind.PRACTICE,
        title="实操",
    )
    make_session(cls, date=MONDAY + datetime.timedelta(days=1), venue=classroom, title="直播")
    me = make_enrolment(cls, user=True, committee_role="study")
    monitor = make_enrolment(
        cls,
        profile=TraineeProfileFactory(real_name="陈班长", phone="13912345678"),
        committee_role="monitor",
    )
    return {
        "cls": cls,
        "course": course,
        "lessons": lessons,
        "head": head,
        "lecturer": lecturer.user,
        "staff": staff,
        "me": me,
        "trainee": me.profile.user,
        "monitor": monitor,
        "morning": morning,
        "afternoon": afternoon,
    }


def test_my_classes(client, setting):
    body = client.get("/api/v1/classes", headers=bearer(setting["trainee"])).json()
    assert len(body) == 1
    cls = body[0]
    assert cls["id"] == setting["cls"].pk
    assert [role["code"] for role in cls["my_roles"]] == ["trainee"]
    assert cls["committee_role"] == "study"
    assert cls["status"] == "in_progress"
    assert [(s["id"], s["state"]) for s in cls["today_sessions"]] == [
        (setting["morning"].pk, "now"),
        (setting["afternoon"].pk, "next"),
    ]
    session = cls["today_sessions"][0]
    assert session["venue"] == {
        "id": setting["morning"].venue_id,
        "name": "一号教室",
        "kind": "classroom",
        "kind_label": session["venue"]["kind_label"],
        "address": "人民路1号",
    }
    assert (session["date"], session["starts_at"], session["ends_at"]) == (
        "2026-03-09",
        "09:00:00",  # the county's wall clock, as in the attendance API
        "11:30:00",
    )
    assert session["starts_at_utc"] == "2026-03-09T01:00:00Z"
    assert session["lessons"][0]["id"] == setting["lessons"][0].pk
    assert session["lessons"][0]["url"] == setting["lessons"][0].url


def test_a_head_teachers_classes(client, setting):
    body = client.get("/api/v1/classes", headers=bearer(setting["head"])).json()
    assert [(c["id"], [r["code"] for r in c["my_roles"]]) for c in body] == [
        (setting["cls"].pk, ["head_teacher"])
    ]


def test_class_detail_for_a_trainee(client, setting):
    url = f"/api/v1/classes/{setting['cls'].pk}"
    body = client.get(url, headers=bearer(setting["trainee"])).json()
    assert body["head_teacher"] == {"name": "赵老师"}
    assert [(m["role"], m["name"]) for m in body["committee"]] == [
        ("monitor", "陈班长"),
        ("study", setting["me"].profile.real_name),
    ]
    assert [lecturer["name"] for lecturer in body["lecturers"]] == ["王讲师"]
    assert [course["id"] for course in body["courses"]] == [setting["course"].pk]
    assert len(body["today_sessions"]) == 2
    assert body["next_session"] is None
    assert [(t["name"], t["is_me"], t["phone_masked"]) for t in body["trainees"]] == [
        ("陈班长", False, None),
        (setting["me"].profile.real_name, True, None),
    ]
    assert body["can_see_roster"] is False
    text = str(body)
    monitor = setting["monitor"].profile
    for secret in [monitor.phone, monitor.masked_phone, monitor.masked_id_number]:
        assert secret not in text


def test_class_detail_for_the_head_teacher_masks_phones(client, setting):
    url = f"/api/v1/classes/{setting['cls'].pk}"
    body = client.get(url, headers=bearer(setting["head"])).json()
    assert [role["code"] for role in body["my_roles"]] == ["head_teacher"]
    assert body["trainees"][0]["phone_masked"] == "139****5678"
    assert body["can_see_roster"] is True
    assert body["can_see_progress_report"] is True


def test_the_schedule(client, setting):
    url = f"/api/v1/classes/{setting['cls'].pk}/sessions"
    body = client.get(url, headers=bearer(setting["lecturer"])).json()
    assert [(s["title"], s["state"], s["kind"]) for s in body] == [
        ("政策", "now", "theory"),
        ("实操", "next", "practice"),
        ("直播", "later", "theory"),
    ]
    assert body[0]["lecturer"]["name"] == "王讲师"
    assert body[1]["lecturer"] is None


def test_the_roster_for_the_head_teacher_shows_whole_phones_and_masked_ids(client, setting):
    url = f"/api/v1/classes/{setting['cls'].pk}/roster"
    body = client.get(url, headers=bearer(setting["head"])).json()
    assert body["phones_masked"] is False
    monitor = setting["monitor"].profile
    entry = body["trainees"][0]
    assert entry["name"] == "陈班长"
    assert entry["committee_role"] == "monitor"
    assert entry["phone"] == "13912345678"
    assert entry["id_number_masked"] == monitor.masked_id_number
    assert monitor.id_number not in str(body)
    assert entry["age_on_first_day"] == monitor.age_on(MONDAY)
    assert entry["village"] == monitor.village.name
    assert entry["township"] == monitor.village.parent.name
    assert entry["has_account"] is False


@pytest.mark.parametrize(
    ("role", "masked"), [("commerce_officer", False), ("finance_officer", True)]
)
def test_the_roster_for_officers(client, setting, make_user, role, masked):
    url = f"/api/v1/classes/{setting['cls'].pk}/roster"
    body = client.get(url, headers=bearer(make_user(role, username=role))).json()
    assert body["phones_masked"] is masked
    assert body["trainees"][0]["phone"] == ("139****5678" if masked else "13912345678")


def test_institution_staff_see_the_roster_with_masked_phones(client, setting):
    url = f"/api/v1/classes/{setting['cls'].pk}/roster"
    body = client.get(url, headers=bearer(setting["staff"])).json()
    assert body["phones_masked"] is True


def test_outsiders_and_unknown_ids_read_the_same_404(client, setting, make_user):
    cls = setting["cls"]
    applied = make_enrolment(cls, user=True, status=ClassEnrolment.Status.APPLIED)
    answers = set()
    for user in [
        make_user("trainee", username="stranger"),
        make_user("head_teacher", username="other_head"),
        make_user("institution_staff", username="other_staff"),
        applied.profile.user,
    ]:
        for path in ["", "/sessions", "/roster"]:
            response = client.get(f"/api/v1/classes/{cls.pk}{path}", headers=bearer(user))
            assert response.status_code == 404
            answers.add(response.content)
    # Trainees and lecturers of the class may not see the roster: the same 404.
    for user in [setting["trainee"], setting["lecturer"]]:
        response = client.get(f"/api/v1/classes/{cls.pk}/roster", headers=bearer(user))
        assert response.status_code == 404
        answers.add(response.content)
    for path in ["/api/v1/classes/999999", "/api/v1/classes/999999/sessions"]:
        response = client.get(path, headers=bearer(setting["trainee"]))
        answers.add(response.content)
    assert len(answers) == 1


def test_the_api_needs_credentials(client, setting):
    assert client.get("/api/v1/classes").status_code == 401
    assert client.get(f"/api/v1/classes/{setting['cls'].pk}").status_code == 401


def test_a_browser_session_works_too(client, setting):
    client.force_login(setting["trainee"])
    assert client.get("/api/v1/classes").status_code == 200


def _count(client, url, headers):
    client.get(url, headers=headers)  # the token's first use writes last_used_at
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return len(queries)


def test_every_endpoint_costs_the_same_queries_for_a_small_or_large_class(client, setting):
    cls = setting["cls"]
    urls = [
        "/api/v1/classes",
        f"/api/v1/classes/{cls.pk}",
        f"/api/v1/classes/{cls.pk}/sessions",
        f"/api/v1/classes/{cls.pk}/roster",
    ]
    trainee, head = bearer(setting["trainee"]), bearer(setting["head"])
    few = {url: _count(client, url, head) for url in urls}
    few_trainee = _count(client, urls[1], trainee)
    lecturer = make_lecturer("李讲师")
    for i in range(7):
        session = make_session(
            cls,
            date=MONDAY + datetime.timedelta(days=i % 3),
            starts_at=datetime.time(7 + i, 0),
            ends_at=datetime.time(7 + i, 50),
            lecturer=lecturer,
        )
        set_lessons(session, setting["lessons"])
        make_enrolment(cls, user=True)
    assert {url: _count(client, url, head) for url in urls} == few
    assert _count(client, urls[1], trainee) == few_trainee
