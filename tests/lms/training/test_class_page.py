"""The class page ``/training/classes/<id>/``: what each role sees, the same 404 for outsiders,
the registered panels, and a fixed number of queries whatever the size of the class."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from lms.enrolment.models import ClassEnrolment
from lms.training import panels
from lms.training.models import ClassSession, VenueKind
from tests.factories import TraineeProfileFactory
from tests.factories.curriculum import make_lesson
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


def staffed_institution(*staff):
    """``make_institution(staff=...)`` only sets the parental M2M in memory; save it."""
    institution = make_institution(staff=staff)
    institution.save()
    return institution


def without_csrf(response):
    """The page without its per-session CSRF token and the language switch's return path."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'name="next" value="[^"]*"', "", html)


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def clock(time_machine):
    """Monday 9 March 2026, 10:00 in the county: the class's first day, mid-morning."""
    time_machine.move_to(at(MONDAY, 10), tick=False)
    return time_machine


@pytest.fixture
def no_panels(monkeypatch):
    monkeypatch.setattr(panels, "_PANELS", {})


@pytest.fixture
def setting(clock, make_user):
    """A class running Monday to Wednesday with two sessions today and one tomorrow."""
    staff = make_user("institution_staff", username="jigou")
    institution = staffed_institution(staff)
    course, lessons = make_course_with_lessons(2, title="淘宝开店")
    plan = make_plan(institution, start_date=MONDAY - datetime.timedelta(days=10), courses=[course])
    head = make_user("head_teacher", username="banzhuren", first_name="老师", last_name="赵")
    lecturer_user = make_user("lecturer", username="jiangshi")
    lecturer = make_lecturer("王讲师", user=lecturer_user, title="高级电商师")
    cls = make_class(plan, start_date=MONDAY, head_teacher=head, lecturers=[lecturer])
    classroom = make_venue(
        institution, VenueKind.CLASSROOM, name="一号理论教室", address="人民路1号"
    )
    lab = make_venue(institution, VenueKind.COMPUTER_ROOM, name="二号机房", address="人民路2号")
    morning = make_session(
        cls, date=MONDAY, venue=classroom, lecturer=lecturer, title="电商政策与趋势"
    )
    set_lessons(morning, [lessons[0]])
    afternoon = make_session(
        cls,
        date=MONDAY,
        starts_at=datetime.time(14, 0),
        ends_at=datetime.time(16, 30),
        kind=ClassSession.Kind.PRACTICE,
        venue=lab,
        title="开网店实操",
    )
    tomorrow = make_session(
        cls, date=MONDAY + datetime.timedelta(days=1), venue=classroom, title="直播带货"
    )
    me = make_enrolment(cls, user=True, committee_role="study")
    me.profile.real_name = "黄小丽"
    me.profile.save()
    monitor = make_enrolment(
        cls,
        profile=TraineeProfileFactory(real_name="陈班长", phone="13912345678"),
        committee_role="monitor",
    )
    classmate = make_enrolment(cls, profile=TraineeProfileFactory(real_name="李同学"))
    withdrawn = make_enrolment(cls, user=True, status=ClassEnrolment.Status.WITHDRAWN)
    withdrawn.profile.real_name = "退出者"
    withdrawn.profile.save()
    return {
        "cls": cls,
        "course": course,
        "lessons": lessons,
        "head": head,
        "lecturer": lecturer_user,
        "staff": staff,
        "me": me,
        "trainee": me.profile.user,
        "monitor": monitor,
        "classmate": classmate,
        "withdrawn": withdrawn,
        "sessions": [morning, afternoon, tomorrow],
    }


def url(cls):
    return f"/training/classes/{cls.pk}/"


def get(client, user, cls):
    client.force_login(user)
    return client.get(url(cls))


def test_a_trainee_sees_today_the_schedule_the_courses_and_the_class(client, setting, no_panels):
    response = get(client, setting["trainee"], setting["cls"])
    assert response.status_code == 200
    page = response.context["page"]
    morning, afternoon, tomorrow = setting["sessions"]
    # Today's sessions at the top: the morning one is on now, the afternoon one is next.
    assert [(s.pk, s.state) for s in page.today_sessions] == [
        (morning.pk, "now"),
        (afternoon.pk, "next"),
    ]
    # The schedule, grouped by day, today marked.
    assert [(day, [s.pk for s in sessions], is_today) for day, sessions, is_today in page.days] == [
        (MONDAY, [morning.pk, afternoon.pk], True),
        (MONDAY + datetime.timedelta(days=1), [tomorrow.pk], False),
    ]
    html = response.content.decode()
    assert "一号理论教室" in html and "人民路1号" in html  # today's venue and where it is
    assert "王讲师" in html
    # The session's lesson links to the lesson page.
    assert page.today_sessions[0].lesson_links == [
        (setting["lessons"][0], setting["lessons"][0].url)
    ]
    assert f'href="{setting["lessons"][0].url}"' in html
    # The plan's courses, with the trainee's progress and their lessons.
    assert [c.pk for c in page.courses] == [setting["course"].pk]
    assert page.courses[0].my_progress.total == 2
    assert "淘宝开店" in html
    # Head teacher, committee and classmates by name; the withdrawn trainee is not there.
    assert page.head_teacher.name == "赵老师"
    assert [(e.profile.real_name, e.committee_role) for e in page.committee] == [
        ("陈班长", "monitor"),
        ("黄小丽", "study"),
    ]
    assert [e.profile.real_name for e in page.trainees] == ["陈班长", "黄小丽", "李同学"]
    assert "退出者" not in html
    assert page.is_trainee and not page.can_see_roster and not page.can_see_report


def test_a_trainee_sees_no_phone_or_id_number_of_a_classmate(client, setting, no_panels):
    html = get(client, setting["trainee"], setting["cls"]).content.decode()
    monitor = setting["monitor"].profile
    for secret in [
        monitor.phone,
        monitor.masked_phone,
        monitor.id_number,
        monitor.masked_id_number,
    ]:
        assert secret not in html
    assert "/roster/" not in html


def test_the_head_teacher_sees_masked_phones_and_the_roster_link(client, setting, no_panels):
    response = get(client, setting["head"], setting["cls"])
    assert response.status_code == 200
    html = response.content.decode()
    monitor = setting["monitor"].profile
    assert monitor.masked_phone in html
    assert monitor.phone not in html
    assert monitor.masked_id_number not in html
    assert f"/training/classes/{setting['cls'].pk}/roster/" in html
    assert f"/learning/reports/classes/{setting['cls'].pk}/" in html
    page = response.context["page"]
    assert not page.is_trainee
    assert [code for code, _label in page.role_list] == ["head_teacher"]
    assert all(course.my_progress is None for course in page.courses)


@pytest.mark.parametrize(
    ("who", "roster"),
    [("lecturer", False), ("staff", True), ("officer", True), ("finance", True)],
)
def test_people_who_run_or_supervise_the_class_see_it_without_trainee_parts(
    client, setting, no_panels, make_user, who, roster
):
    user = {
        "lecturer": setting["lecturer"],
        "staff": setting["staff"],
        "officer": make_user("commerce_officer", username="shangwu"),
        "finance": make_user("finance_officer", username="caizheng"),
    }[who]
    response = get(client, user, setting["cls"])
    assert response.status_code == 200
    page = response.context["page"]
    assert not page.is_trainee
    assert page.can_see_roster is roster
    assert page.can_see_report
    assert not page.shows_phones
    assert setting["monitor"].profile.masked_phone not in response.content.decode()


def test_outsiders_and_unknown_ids_get_the_same_404(client, setting, no_panels, make_user):
    cls = setting["cls"]
    other_institution_staff = make_user("institution_staff", username="other_staff")
    staffed_institution(other_institution_staff)
    outsiders = [
        make_user("trainee", username="stranger"),
        make_user("head_teacher", username="other_head"),
        make_user("lecturer", username="other_lecturer"),
        make_user("registrar", username="dengji"),
        other_institution_staff,
        setting["withdrawn"].profile.user,
    ]
    applied = make_enrolment(cls, user=True, status=ClassEnrolment.Status.APPLIED)
    outsiders.append(applied.profile.user)
    bodies = set()
    for user in outsiders:
        client.force_login(user)
        response = client.get(url(cls))
        assert response.status_code == 404, user
        bodies.add(without_csrf(response))
    client.force_login(setting["trainee"])
    for unknown in ["/training/classes/999999/", "/training/classes/999999/roster/"]:
        response = client.get(unknown)
        assert response.status_code == 404
        bodies.add(without_csrf(response))
    assert len(bodies) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, setting):
    response = client.get(url(setting["cls"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_day_without_sessions_shows_the_next_one(client, setting, no_panels, clock):
    clock.move_to(at(MONDAY, 18), tick=False)  # after the last session today
    page = get(client, setting["trainee"], setting["cls"]).context["page"]
    assert [s.state for s in page.today_sessions] == ["past", "past"]
    assert page.upcoming_session is None  # today had sessions; they are shown as finished
    assert page.sessions[2].state == "next"
    clock.move_to(at(MONDAY - datetime.timedelta(days=2), 9), tick=False)  # the Saturday before
    response = get(client, setting["trainee"], setting["cls"])
    page = response.context["page"]
    assert page.today_sessions == []
    assert page.upcoming_session.pk == setting["sessions"][0].pk
    with translation.override("en"):
        client.cookies["lms_language"] = "en"
        html = get(client, setting["trainee"], setting["cls"]).content.decode()
    assert "No session today." in html
    assert "Next session" in html


def test_an_empty_class_renders(client, clock, make_user, no_panels):
    head = make_user("head_teacher", username="alone")
    cls = make_class(make_plan(start_date=MONDAY), start_date=MONDAY, head_teacher=head)
    client.cookies["lms_language"] = "en"
    response = get(client, head, cls)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The schedule has not been published yet." in html
    assert "Nobody is enrolled yet." in html


# --- Panels ---------------------------------------------------------------------------------


@pytest.fixture
def panel_templates(settings, tmp_path):
    folder = tmp_path / "panel_templates"
    (folder / "testpanels").mkdir(parents=True)
    (folder / "testpanels/checkin.html").write_text(
        '<section class="card">CHECKIN {{ label }} {{ training_class.code }} '
        "{% if enrolment %}ENROLLED{% endif %} {% csrf_token %}</section>"
    )
    (folder / "testpanels/leave.html").write_text(
        '<section class="card">LEAVE {{ label }}</section>'
    )
    engines = [dict(engine) for engine in settings.TEMPLATES]
    engines[0]["DIRS"] = [*engines[0].get("DIRS", []), folder]
    settings.TEMPLATES = engines


def test_registered_panels_render_in_order_and_hidden_ones_are_left_out(
    client, setting, monkeypatch, panel_templates
):
    monkeypatch.setattr(panels, "_PANELS", {})
    seen = []

    def checkin(request, training_class, enrolment):
        seen.append((request.user.pk, training_class.pk, enrolment and enrolment.pk))
        return {"label": "今天"}

    panels.register_class_panel(
        "leave", order=30, template="testpanels/leave.html", context=lambda *a: {"label": "L"}
    )
    panels.register_class_panel(
        "checkin", order=10, template="testpanels/checkin.html", context=checkin
    )
    panels.register_class_panel(
        "hidden", order=20, template="testpanels/missing.html", context=lambda *a: None
    )
    response = get(client, setting["trainee"], setting["cls"])
    html = response.content.decode()
    assert seen == [(setting["trainee"].pk, setting["cls"].pk, setting["me"].pk)]
    assert [panel.key for panel, _html in response.context["panels"]] == ["checkin", "leave"]
    assert html.index("CHECKIN 今天") < html.index("LEAVE L")
    assert f"CHECKIN 今天 {setting['cls'].code} ENROLLED" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'id="panel-checkin"' in html
    # A head teacher's panels get no enrolment.
    response = get(client, setting["head"], setting["cls"])
    assert seen[-1] == (setting["head"].pk, setting["cls"].pk, None)
    assert "ENROLLED" not in response.content.decode()


# --- Query counts ---------------------------------------------------------------------------


def _grow(cls, institution, course, n_sessions, n_trainees):
    venue = make_venue(institution, VenueKind.CLASSROOM)
    lecturer = make_lecturer("赵讲师")
    lesson = make_lesson(course, f"加课{n_sessions}")
    for i in range(n_sessions):
        session = make_session(
            cls,
            date=MONDAY + datetime.timedelta(days=i % 3),
            starts_at=datetime.time(8 + i % 10, 0),
            ends_at=datetime.time(8 + i % 10, 50),
            venue=venue,
            lecturer=lecturer,
        )
        set_lessons(session, [lesson])
    for _ in range(n_trainees):
        make_enrolment(cls, user=True)


def _count(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["trainee", "head"])
def test_the_page_costs_the_same_queries_for_3_or_10_classmates_and_sessions(
    client, clock, make_user, no_panels, who
):
    institution = make_institution()
    course, _lessons = make_course_with_lessons(2)
    plan = make_plan(institution, start_date=MONDAY, courses=[course])
    head = make_user("head_teacher", username="ht")
    cls = make_class(plan, start_date=MONDAY, head_teacher=head)
    me = make_enrolment(cls, user=True)
    _grow(cls, institution, course, 3, 3)
    user = me.profile.user if who == "trainee" else head
    client.force_login(user)
    client.get(url(cls))  # warm the site-root cache
    few = _count(client, url(cls))
    _grow(cls, institution, course, 7, 7)
    assert _count(client, url(cls)) == few
