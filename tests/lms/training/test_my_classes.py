"""``/training/classes/`` "My classes", and its card on the dashboard."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.enrolment.models import ClassEnrolment
from lms.training.models import TrainingClass
from tests.factories import TraineeProfileFactory
from tests.factories.training import (
    make_class,
    make_enrolment,
    make_lecturer,
    make_plan,
    make_session,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.date(2026, 3, 9)
URL = "/training/classes/"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(
        datetime.datetime.combine(MONDAY, datetime.time(10, 0), tzinfo=SHANGHAI), tick=False
    )
    return time_machine


@pytest.fixture
def plan(clock):
    return make_plan(start_date=MONDAY - datetime.timedelta(days=30))


def test_a_trainee_sees_their_classes_with_role_status_dates_and_today(client, plan, make_user):
    running = make_class(plan, start_date=MONDAY, name="第一期")
    now = make_session(running, date=MONDAY, title="电商政策")
    make_session(running, date=MONDAY + datetime.timedelta(days=1), title="明天的课")
    past = make_class(
        plan,
        start_date=MONDAY - datetime.timedelta(days=20),
        status=TrainingClass.Status.FINISHED,
        name="第零期",
    )
    upcoming = make_class(
        plan,
        start_date=MONDAY + datetime.timedelta(days=10),
        status=TrainingClass.Status.ENROLLING,
        name="第二期",
    )
    other = make_class(plan, start_date=MONDAY, name="别人的班")
    me = make_enrolment(running, user=True, committee_role="monitor")
    trainee = me.profile.user
    make_enrolment(past, profile=me.profile)
    make_enrolment(upcoming, profile=me.profile)
    make_enrolment(other, user=True)
    withdrawn_class = make_class(plan, start_date=MONDAY, name="退出的班")
    make_enrolment(withdrawn_class, profile=me.profile, status=ClassEnrolment.Status.WITHDRAWN)
    client.force_login(trainee)
    response = client.get(URL)
    assert response.status_code == 200
    rows = response.context["rows"]
    # Running first, then upcoming, then past; other people's and withdrawn classes absent.
    assert [row.training_class.pk for row in rows] == [running.pk, upcoming.pk, past.pk]
    assert [code for code, _label in rows[0].role_list] == ["trainee"]
    assert rows[0].committee_role == "monitor"
    assert [(s.pk, s.state) for s in rows[0].today_sessions] == [(now.pk, "now")]
    assert rows[1].today_sessions == []
    html = response.content.decode()
    assert "电商政策" in html
    assert "明天的课" not in html
    assert "别人的班" not in html and "退出的班" not in html
    assert f'href="/training/classes/{running.pk}/"' in html


def test_head_teachers_and_lecturers_see_the_classes_they_run(client, plan, make_user):
    head = make_user("head_teacher", "lecturer", username="ht")
    lecturer = make_lecturer("王讲师", user=head)
    led = make_class(plan, start_date=MONDAY, head_teacher=head)
    taught = make_class(plan, start_date=MONDAY, lecturers=[lecturer])
    make_class(plan, start_date=MONDAY)
    client.force_login(head)
    rows = client.get(URL).context["rows"]
    roles = {row.training_class.pk: [code for code, _ in row.role_list] for row in rows}
    assert roles == {led.pk: ["head_teacher"], taught.pk: ["lecturer"]}


def test_someone_in_no_class_gets_an_empty_page(client, plan, make_user):
    client.cookies["lms_language"] = "en"
    client.force_login(make_user("trainee", username="lonely"))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "You are not in a training class yet." in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _count(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_one_or_many_classes(client, plan, make_user):
    head = make_user("head_teacher", "lecturer", username="ht")
    lecturer = make_lecturer("王讲师", user=head)
    me = make_enrolment(make_class(plan, start_date=MONDAY, head_teacher=head), user=True)
    make_session(me.training_class, date=MONDAY)
    for user in [head, me.profile.user]:
        client.force_login(user)
        few = _count(client)
        for _ in range(4):
            cls = make_class(plan, start_date=MONDAY, head_teacher=head, lecturers=[lecturer])
            make_session(cls, date=MONDAY)
            make_session(cls, date=MONDAY, starts_at=datetime.time(14), ends_at=datetime.time(16))
            make_enrolment(cls, profile=me.profile)
        assert _count(client) == few


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("trainee", True),
        ("alumnus", True),
        ("head_teacher", True),
        ("lecturer", True),
        ("registrar", False),
        ("finance_officer", False),
    ],
)
def test_the_dashboard_card(client, make_user, role, shown):
    client.force_login(make_user(role, username=f"u_{role}"))
    html = client.get("/dashboard/").content.decode()
    assert ('href="/training/classes/"' in html) is shown


def test_each_class_shows_its_unread_chat_messages(client, plan, make_user):
    from django.utils import timezone

    from live.models import ChatMessage, ChatReadState, ChatRoom

    trainee = make_user("trainee", username="unread")
    training_class = make_class(plan, start_date=MONDAY)
    make_enrolment(training_class, profile=TraineeProfileFactory(user=trainee))
    room, _ = ChatRoom.objects.get_or_create(training_class=training_class)
    head = make_user("head_teacher")
    sent = [
        ChatMessage.objects.create(
            room=room, sender=head, text="x", body="x", sent_at=timezone.now()
        )
        for _ in range(3)
    ]
    ChatMessage.objects.create(
        room=room, sender=trainee, text="mine", body="mine", sent_at=timezone.now()
    )
    ChatReadState.objects.create(room=room, user=trainee, last_read_id=sent[0].pk)
    client.force_login(trainee)
    rows = client.get(URL).context["rows"]
    assert [row.chat_unread for row in rows] == [2]  # others' messages after the last read one
    response = client.get(URL)
    assert f'href="/training/classes/{training_class.pk}/#chat"' in response.text
