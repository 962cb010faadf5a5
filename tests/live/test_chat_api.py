"""The chat's JSON API: my rooms, history and search, announcement reads."""

import uuid

import pytest

from live.actions import check_mark_read, check_send_message
from tests.live.chat_support import build_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(db):
    return build_class()


def send(room, user, body, kind="text"):
    message, _ = check_send_message(
        room, user, client_id=str(uuid.uuid4()), body=body, kind=kind, attachment_id=None
    )
    return message


def test_my_rooms_with_unread_counts_and_the_last_message(chat, client):
    send(chat.room, chat.head, "欢迎大家", kind="announcement")
    last = send(chat.room, chat.trainees[1], "老师好")
    client.force_login(chat.trainees[0])
    rooms = client.get("/api/v1/chat/rooms").json()
    assert rooms == [
        {
            "class_id": chat.training_class.pk,
            "room_id": chat.room.pk,
            "name": chat.training_class.name,
            "unread": 2,
            "last_message": rooms[0]["last_message"],
            "locked": False,
        }
    ]
    assert rooms[0]["last_message"]["id"] == last.pk
    assert rooms[0]["last_message"]["body"] == "老师好"
    check_mark_read(chat.room, chat.trainees[0], last.pk)
    assert client.get("/api/v1/chat/rooms").json()[0]["unread"] == 0
    # Your own messages are never unread.
    client.force_login(chat.trainees[1])
    assert client.get("/api/v1/chat/rooms").json()[0]["unread"] == 1
    client.force_login(chat.outsider)
    assert client.get("/api/v1/chat/rooms").json() == []


def test_my_rooms_cost_the_same_queries_for_many_rooms(chat, client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    trainee = chat.trainees[0]
    send(chat.room, chat.head, "公告", kind="announcement")
    client.force_login(trainee)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/chat/rooms").status_code == 200
    from tests.factories.training import make_enrolment

    for _ in range(3):
        other = build_class(trainees=1)
        make_enrolment(other.training_class, profile=trainee.trainee_profile)
        send(other.room, other.head, "公告", kind="announcement")
        send(other.room, other.trainees[0], "你好")
    with django_assert_num_queries(len(one)):
        rooms = client.get("/api/v1/chat/rooms").json()
    assert len(rooms) == 4


def test_history_paging_and_search(chat, client):
    messages = [send(chat.room, chat.trainees[n % 2], f"第{n}条消息") for n in range(6)]
    send(chat.room, chat.head, "直播带货 技巧")
    client.force_login(chat.trainees[0])
    url = f"/api/v1/classes/{chat.training_class.pk}/chat/messages"
    page = client.get(url, {"limit": 3}).json()
    assert [m["body"] for m in page["messages"]] == ["第4条消息", "第5条消息", "直播带货 技巧"]
    assert page["has_more"] is True
    older = client.get(url, {"limit": 10, "before": page["messages"][0]["id"]}).json()
    assert [m["id"] for m in older["messages"]] == [m.pk for m in messages[:4]]
    assert older["has_more"] is False
    newer = client.get(url, {"after": messages[3].pk, "limit": 2}).json()
    assert [m["id"] for m in newer["messages"]] == [messages[4].pk, messages[5].pk]
    assert newer["has_more"] is True
    found = client.get(url, {"q": "带货"}).json()
    assert [m["body"] for m in found["messages"]] == ["直播带货 技巧"]
    assert client.get(url, {"limit": 0}).status_code == 400
    assert client.get(url, {"limit": 101}).status_code == 400


def test_history_is_404_for_outsiders_like_unknown_classes(chat, client):
    client.force_login(chat.outsider)
    forbidden = client.get(f"/api/v1/classes/{chat.training_class.pk}/chat/messages")
    unknown = client.get("/api/v1/classes/999999/chat/messages")
    assert forbidden.status_code == unknown.status_code == 404
    assert forbidden.json() == unknown.json()
    client.force_login(chat.officer)
    assert client.get(f"/api/v1/classes/{chat.training_class.pk}/chat/messages").status_code == (
        200
    )
    client.logout()
    assert client.get("/api/v1/chat/rooms").status_code == 401


def test_who_has_read_an_announcement(chat, client):
    notice = send(chat.room, chat.head, "交作业", kind="announcement")
    plain = send(chat.room, chat.head, "普通消息")
    check_mark_read(chat.room, chat.trainees[0], notice.pk)
    client.force_login(chat.lecturer)
    body = client.get(f"/api/v1/chat/messages/{notice.pk}/reads").json()
    assert body["read"] == 1 and body["members"] == 2
    assert [r["id"] for r in body["readers"]] == [chat.trainees[0].pk]
    assert body["readers"][0]["read_at"]
    assert [r["id"] for r in body["not_read"]] == [chat.trainees[1].pk]
    assert client.get(f"/api/v1/chat/messages/{plain.pk}/reads").status_code == 404
    for user in (chat.trainees[0], chat.officer, chat.outsider):
        client.force_login(user)
        assert client.get(f"/api/v1/chat/messages/{notice.pk}/reads").status_code == 404


def test_history_costs_the_same_queries_for_many_senders(chat, client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/api/v1/classes/{chat.training_class.pk}/chat/messages"
    send(chat.room, chat.head, "公告", kind="announcement")
    send(chat.room, chat.trainees[0], "一")
    client.force_login(chat.trainees[1])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    send(chat.room, chat.lecturer, "公告二", kind="announcement")
    send(chat.room, chat.lecturer, "二")
    send(chat.room, chat.trainees[1], "三")
    with django_assert_num_queries(len(few)):
        assert len(client.get(url).json()["messages"]) == 5
