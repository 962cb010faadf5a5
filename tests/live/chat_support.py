"""Builders and socket helpers shared by the chat tests."""

import json
import uuid
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory
from tests.factories.training import make_class, make_enrolment, make_lecturer

ORIGIN = (b"origin", b"http://testserver")


def build_class(trainees=2):
    """A class with a head teacher, a lecturer, ``trainees`` enrolled trainees, an applicant,
    an outsider and a commerce officer."""
    from live.models import ChatRoom

    head = UserFactory(roles=["head_teacher"], first_name="班主任", last_name="李")
    lecturer_user = UserFactory(roles=["lecturer"], first_name="老师", last_name="王")
    lecturer = make_lecturer(user=lecturer_user)
    training_class = make_class(head_teacher=head, lecturers=[lecturer])
    enrolled = [make_enrolment(training_class, user=True) for _ in range(trainees)]
    applicant = make_enrolment(training_class, user=True, status="applied")
    return SimpleNamespace(
        training_class=training_class,
        room=ChatRoom.objects.get(training_class=training_class),
        head=head,
        lecturer=lecturer_user,
        enrolments=enrolled,
        trainees=[e.profile.user for e in enrolled],
        applicant=applicant.profile.user,
        outsider=UserFactory(roles=["trainee"]),
        officer=UserFactory(roles=["commerce_officer"]),
        admin=UserFactory(roles=["administrator"]),
    )


def cookie_for(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def open_socket(user, class_id, *, after=None, origin=ORIGIN, language="en"):
    """``(communicator, connected, close code or None)`` for ``user`` (None: anonymous)."""
    from lms.asgi import application

    headers = [origin]
    if user is not None:
        cookie = await sync_to_async(cookie_for)(user)
        if language:
            cookie += f"; lms_language={language}"
        headers.append((b"cookie", cookie.encode()))
    path = f"/ws/classes/{class_id}/chat/"
    if after is not None:
        path += f"?after={after}"
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def join(user, class_id, **kwargs):
    """Connect and read the hello frame: ``(communicator, hello)``."""
    communicator, connected, code = await open_socket(user, class_id, **kwargs)
    assert connected, code
    hello = await receive(communicator)
    assert hello["type"] == "hello", hello
    return communicator, hello


async def receive(communicator, timeout=3):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def receive_type(communicator, frame_type, timeout=3):
    """Frames up to and including the first of ``frame_type``; skips presence frames."""
    seen = []
    while True:
        frame = await receive(communicator, timeout)
        seen.append(frame)
        if frame["type"] == frame_type:
            return frame, seen


async def skip_presence(communicator, timeout=0.3):
    """Drain presence frames; returns the first other frame or None when none comes.

    (``receive_nothing`` waits without cancelling the application, as a timed-out
    ``receive_from`` would.)
    """
    while True:
        if await communicator.receive_nothing(timeout):
            return None
        frame = await receive(communicator)
        if frame["type"] != "presence":
            return frame


async def send(communicator, frame):
    await communicator.send_to(text_data=json.dumps(frame))


async def send_message(communicator, body, **fields):
    client_id = fields.pop("client_id", None) or str(uuid.uuid4())
    await send(
        communicator, {"type": "message.send", "client_id": client_id, "body": body, **fields}
    )
    return client_id


async def quiet(communicator, timeout=0.3):
    """True when nothing but presence frames arrive within ``timeout``."""
    return await skip_presence(communicator, timeout) is None
