"""The class chat panel on the class page: who sees it, what it hands chat.js, and CSP."""

import json
import re
from html.parser import HTMLParser

import pytest

from live import panels
from live.models import ChatRoom
from live.uploads import FILE_EXTENSIONS, IMAGE_EXTENSIONS
from lms.training import panels as class_panels
from tests.factories.training import make_class, make_enrolment, make_institution, make_lecturer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chat_panel(monkeypatch):
    """Only the chat panel, registered the way ``LiveConfig.ready`` does."""
    monkeypatch.setattr(class_panels, "_PANELS", {})
    panels.register()


@pytest.fixture
def setting(make_user):
    staff = make_user("institution_staff", username="jigou")
    institution = make_institution(staff=[staff])
    institution.save()
    from tests.factories.training import make_plan

    head = make_user("head_teacher", username="banzhuren")
    lecturer_user = make_user("lecturer", username="laoshi")
    lecturer = make_lecturer(user=lecturer_user)
    cls = make_class(make_plan(institution), head_teacher=head, lecturers=[lecturer])
    room, _ = ChatRoom.objects.get_or_create(training_class=cls)
    trainee = make_user("trainee", username="xiaoli")
    make_enrolment(cls, user=trainee)
    withdrawn = make_user("trainee", username="tuichu")
    make_enrolment(cls, user=withdrawn, status="withdrawn")
    return {
        "cls": cls,
        "room": room,
        "head": head,
        "lecturer": lecturer_user,
        "trainee": trainee,
        "withdrawn": withdrawn,
        "staff": staff,
        "officer": make_user("commerce_officer", username="shangwu"),
        "finance": make_user("finance_officer", username="caiwu"),
    }


def class_page(client, user, cls):
    client.force_login(user)
    return client.get(f"/training/classes/{cls.pk}/")


def chat_section(html):
    match = re.search(r'<section class="card chat" id="chat".*?</section>\s*</div>', html, re.S)
    return match.group(0) if match else None


class Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chat = None
        self.scripts = []
        self.handlers = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-chat" in attrs:
            self.chat = attrs
        if tag == "script":
            self.scripts.append(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]


def parse(html):
    parser = Attributes()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("who", ["trainee", "head", "lecturer", "officer"])
def test_members_and_supervising_officers_see_the_chat(client, setting, who):
    response = class_page(client, setting[who], setting["cls"])
    assert response.status_code == 200
    assert [p.key for p, _html in response.context["panels"]] == ["chat"]
    assert 'id="panel-chat"' in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "finance"])
def test_institution_staff_and_finance_officers_see_the_class_but_not_its_chat(
    client, setting, who
):
    response = class_page(client, setting[who], setting["cls"])
    assert response.status_code == 200
    assert response.context["panels"] == []
    assert "data-chat" not in response.content.decode()


def test_outsiders_get_no_class_page_and_no_chat(client, setting, make_user):
    for user in (setting["withdrawn"], make_user("trainee", username="waiRen")):
        response = class_page(client, user, setting["cls"])
        assert response.status_code == 404
        assert b"data-chat" not in response.content


def test_a_class_without_a_room_shows_no_chat(client, setting):
    ChatRoom.objects.filter(pk=setting["room"].pk).delete()
    response = class_page(client, setting["trainee"], setting["cls"])
    assert response.context["panels"] == []


def test_the_panel_hands_chat_js_its_settings_in_data_attributes(client, setting):
    cls, room, trainee = setting["cls"], setting["room"], setting["trainee"]
    response = class_page(client, trainee, cls)
    chat = parse(response.content.decode()).chat
    assert chat["data-room-id"] == str(room.pk)
    assert chat["data-class-id"] == str(cls.pk)
    assert chat["data-user-id"] == str(trainee.pk)
    assert chat["data-ws-url"] == f"ws://testserver/ws/classes/{cls.pk}/chat/"
    assert chat["data-messages-url"] == f"/api/v1/classes/{cls.pk}/chat/messages"
    assert chat["data-uploads-url"] == f"/api/v1/classes/{cls.pk}/chat/uploads"
    assert chat["data-csrf-cookie"] == "csrftoken"
    assert chat["data-locked"] == "false"
    # Members who do not moderate may send pictures only; chat.js narrows the picker to these.
    image_accept = chat["data-image-accept"].split(",")
    assert set(image_accept) == {f".{extension}" for extension in IMAGE_EXTENSIONS}
    assert {".jpg", ".png"} <= set(image_accept) and ".pdf" not in image_accept


def test_the_websocket_url_follows_https(client, setting):
    client.force_login(setting["trainee"])
    response = client.get(f"/training/classes/{setting['cls'].pk}/", secure=True)
    chat = parse(response.content.decode()).chat
    assert chat["data-ws-url"] == f"wss://testserver/ws/classes/{setting['cls'].pk}/chat/"


def test_a_locked_room_says_so(client, setting):
    ChatRoom.objects.filter(pk=setting["room"].pk).update(is_locked=True)
    chat = parse(class_page(client, setting["trainee"], setting["cls"]).content.decode()).chat
    assert chat["data-locked"] == "true"


def locked_notice(html):
    return re.search(r'<p class="chat-notice" id="chat-locked" hidden>(.*?)</p>', html).group(1)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_locked_notice_says_what_the_server_says(client, setting, language):
    """One English source string, so the panel and the server's error share one translation."""
    from django.utils.html import escape
    from django.utils.translation import override

    from live.actions import ERROR_MESSAGES

    client.cookies["lms_language"] = language
    html = class_page(client, setting["trainee"], setting["cls"]).content.decode()
    strings = json.loads(re.search(r'id="chat-strings" type="application/json">(.*?)<', html)[1])
    with override(language):
        server_says = str(ERROR_MESSAGES["locked"])
    assert locked_notice(html) == escape(server_says)
    assert strings["locked"] == server_says
    assert "only the head teacher and lecturers can post" not in html
    with override("en"):
        assert str(ERROR_MESSAGES["locked"]) == (
            "The class chat is locked; only announcements may be posted."
        )


def file_input(html):
    return re.search(r'<input type="file" id="chat-file" accept="([^"]*)" hidden>', html).group(1)


def test_the_file_picker_offers_exactly_what_the_uploads_take(client, setting):
    html = class_page(client, setting["head"], setting["cls"]).content.decode()
    accept = file_input(html).split(",")
    assert len(accept) == len(set(accept))
    assert set(accept) == {f".{extension}" for extension in IMAGE_EXTENSIONS | FILE_EXTENSIONS}
    # PowerPoint: .pptx is taken; the old binary .ppt and CSV are not.
    assert ".pptx" in accept
    assert ".ppt" not in accept and ".csv" not in accept
    assert "image/*" not in accept


def test_the_panel_has_a_search_box_for_the_rooms_messages(client, setting):
    html = class_page(client, setting["trainee"], setting["cls"]).content.decode()
    chat = parse(html).chat
    assert chat["data-messages-url"] == f"/api/v1/classes/{setting['cls'].pk}/chat/messages"
    form = re.search(r'<form class="chat-search" id="chat-search" role="search"[^>]*>', html)
    assert form and "hidden" in form.group(0)  # opened by the toggle, which chat.js shows
    field = re.search(r'<input type="search" id="chat-search-input"[^>]*>', html).group(0)
    assert 'name="q"' in field and 'maxlength="100"' in field  # the API's limit
    assert 'id="chat-search-toggle"' in html and 'aria-controls="chat-search"' in html
    assert 'for="chat-search-input"' in html
    assert 'id="chat-search-results"' in html and 'id="chat-search-close"' in html


def test_supervising_officers_can_search_too(client, setting):
    html = class_page(client, setting["officer"], setting["cls"]).content.decode()
    assert 'id="chat-search"' in html


def test_no_inline_script_and_no_inline_handlers(client, setting):
    html = class_page(client, setting["trainee"], setting["cls"]).content.decode()
    page = parse(html)
    assert {"src": "/static/js/chat.js", "defer": None} in page.scripts
    for script in page.scripts:
        # Only files, or data blocks the browser never runs.
        assert script.get("src") or script.get("type") == "application/json", script
    assert page.handlers == []


def test_the_words_come_translated_in_a_json_data_block(client, setting):
    from django.utils.translation import gettext, override

    client.cookies["lms_language"] = "en"
    html = class_page(client, setting["trainee"], setting["cls"]).content.decode()
    block = re.search(r'<script id="chat-strings" type="application/json">(.*?)</script>', html)
    strings = json.loads(block.group(1))
    with override("en"):
        assert strings["sending"] == gettext("Sending…")
        assert strings["deleted"] == gettext("This message was deleted.")
    assert set(strings) >= {"offline", "read_by", "n_online", "report", "lock", "unlock"}
    assert set(strings) >= {"searching", "no_results", "n_results", "search_failed", "mute_reason"}
    with override("en"):
        assert strings["no_results"] == gettext("No messages match “%(q)s”.")
        assert strings["mute_reason"] == gettext("Why are you muting this member? (optional)")


def test_the_panel_costs_one_query(rf, setting, django_assert_max_num_queries):
    from lms.training.policy import access_class

    request = rf.get(f"/training/classes/{setting['cls'].pk}/")
    request.user = setting["trainee"]
    cls = access_class(setting["trainee"], setting["cls"].pk)
    with django_assert_max_num_queries(3):
        context = panels.chat_panel_context(request, cls, cls.viewer_enrolment)
    assert context["chat"]["room_id"] == setting["room"].pk


def test_unread_by_class_counts_others_undeleted_messages_after_the_last_read(
    setting, django_assert_num_queries, make_user
):
    from django.utils import timezone

    from live.models import ChatMessage, ChatReadState

    room, trainee, head = setting["room"], setting["trainee"], setting["head"]

    def post(sender, **fields):
        return ChatMessage.objects.create(
            room=room, sender=sender, text="x", body="x", sent_at=timezone.now(), **fields
        )

    first = post(head)
    post(head)
    post(trainee)  # one's own messages are never unread
    post(head, deleted_at=timezone.now())  # nor deleted ones
    other_class = make_class()
    other_room, _ = ChatRoom.objects.get_or_create(training_class=other_class)
    ChatMessage.objects.create(
        room=other_room, sender=head, text="y", body="y", sent_at=timezone.now()
    )

    with django_assert_num_queries(1):
        assert panels.unread_by_class(trainee) == {setting["cls"].pk: 2}
    ChatReadState.objects.create(room=room, user=trainee, last_read_id=first.pk)
    assert panels.unread_by_class(trainee) == {setting["cls"].pk: 1}
    assert panels.unread_by_class(setting["staff"]) == {}
    assert panels.unread_by_class(make_user("trainee")) == {}
