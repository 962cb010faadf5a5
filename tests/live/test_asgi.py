"""The WebSocket stack in lms.asgi: origin check, session authentication, frames."""

import json

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from lms.asgi import application
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = (b"origin", b"http://localhost")


def session_cookie_for(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def connect(headers):
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_a_foreign_origin_is_refused():
    from asgiref.sync import sync_to_async

    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie_for)(user)
    communicator, connected, _code = await connect(
        [(b"origin", b"http://evil.example"), (b"cookie", cookie.encode())]
    )
    assert not connected
    await communicator.disconnect()


async def test_a_missing_origin_is_refused():
    communicator, connected, _code = await connect([])
    assert not connected
    await communicator.disconnect()


async def test_an_anonymous_socket_is_closed_with_4401():
    communicator, connected, code = await connect([ORIGIN])
    assert not connected
    assert code == 4401
    await communicator.disconnect()


async def test_a_signed_in_user_gets_pong_and_clear_errors():
    from asgiref.sync import sync_to_async

    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie_for)(user)
    communicator, connected, _code = await connect([ORIGIN, (b"cookie", cookie.encode())])
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await communicator.receive_from()) == {"type": "pong", "user": user.pk}

    await communicator.send_to(text_data="{oops")
    error = json.loads(await communicator.receive_from())
    assert error["type"] == "error" and error["code"] == "bad_json" and error["message"]

    await communicator.send_to(text_data=json.dumps({"type": "shout"}))
    assert json.loads(await communicator.receive_from())["code"] == "unknown_type"

    await communicator.send_to(text_data="x" * 10_000)
    assert json.loads(await communicator.receive_from())["code"] == "bad_frame"
    await communicator.disconnect()


async def test_a_deactivated_user_cannot_connect():
    from asgiref.sync import sync_to_async

    user = await sync_to_async(UserFactory)(is_active=False)
    cookie = await sync_to_async(session_cookie_for)(user)
    communicator, connected, _code = await connect([ORIGIN, (b"cookie", cookie.encode())])
    assert not connected
    await communicator.disconnect()


async def test_a_mobile_client_authenticates_with_a_bearer_token():
    from asgiref.sync import sync_to_async

    from lms.accounts.actions import do_issue_api_token

    user = await sync_to_async(UserFactory)()
    _token, raw = await sync_to_async(do_issue_api_token)(user, "phone", acting_user=user)
    headers = [ORIGIN, (b"authorization", f"Bearer {raw}".encode())]
    communicator, connected, _code = await connect(headers)
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await communicator.receive_from())["user"] == user.pk
    await communicator.disconnect()


async def test_a_bad_token_is_not_rescued_by_a_session_cookie():
    from asgiref.sync import sync_to_async

    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie_for)(user)
    headers = [ORIGIN, (b"cookie", cookie.encode()), (b"authorization", b"Bearer wagtail_nope")]
    communicator, connected, code = await connect(headers)
    assert not connected
    assert code == 4401
    await communicator.disconnect()


async def test_error_frames_follow_the_language_cookie():
    from asgiref.sync import sync_to_async

    user = await sync_to_async(UserFactory)()
    cookie = await sync_to_async(session_cookie_for)(user)
    for language, expected in [
        ("", "消息不是有效的 JSON。"),
        ("en", "The message is not valid JSON."),
    ]:
        cookies = cookie + (f"; lms_language={language}" if language else "")
        communicator, connected, _code = await connect([ORIGIN, (b"cookie", cookies.encode())])
        assert connected
        await communicator.send_to(text_data="{oops")
        assert json.loads(await communicator.receive_from())["message"] == expected
        await communicator.disconnect()
