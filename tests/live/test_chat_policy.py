"""``live.policy.send_facts``: the send path's one statement agrees with the ORM's rules."""

import datetime
import uuid

import pytest
from django.utils import timezone

from live import actions
from live.models import ChatMute
from live.policy import membership_in, send_facts
from tests.live.chat_support import build_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(db):
    return build_class()


def test_send_facts_agree_with_membership_for_everyone(chat):
    people = [
        chat.head,
        chat.lecturer,
        *chat.trainees,
        chat.applicant,
        chat.outsider,
        chat.officer,
        chat.admin,
    ]
    for user in people:
        assert send_facts(user, chat.room).membership == membership_in(user, chat.room), user
    # Someone who leaves the class leaves the room at once, in both.
    enrolment = chat.enrolments[0]
    enrolment.status = "withdrawn"
    enrolment.save()
    assert send_facts(chat.trainees[0], chat.room).membership is None
    assert membership_in(chat.trainees[0], chat.room) is None
    # A deactivated account has no membership.
    chat.trainees[1].is_active = False
    chat.trainees[1].save()
    assert send_facts(chat.trainees[1], chat.room).membership is None


def test_send_facts_see_the_lock_the_mute_and_a_resend(chat):
    trainee = chat.trainees[0]
    facts = send_facts(trainee, chat.room, uuid.uuid4())
    assert not facts.locked and not facts.muted and facts.existing_id is None

    client_id = uuid.uuid4()
    message, _ = actions.check_send_message(
        chat.room, trainee, client_id=str(client_id), body="第一条"
    )
    assert send_facts(trainee, chat.room, client_id).existing_id == message.pk
    # The same client_id from someone else is a different message.
    assert send_facts(chat.trainees[1], chat.room, client_id).existing_id is None

    actions.check_lock_room(chat.room, chat.head, True)
    assert send_facts(trainee, chat.room).locked

    actions.check_mute_member(chat.room, chat.head, trainee.pk, 10)
    assert send_facts(trainee, chat.room).muted
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert not send_facts(trainee, chat.room, now=later).muted
    assert ChatMute.objects.filter(user=trainee).count() == 1


def test_a_send_is_four_statements(chat, django_assert_num_queries):
    trainee = chat.trainees[0]
    trainee.role_codes()  # cached on a socket's user after the first check
    # The transaction's start, the facts, the INSERT, its end (SAVEPOINT and RELEASE here,
    # inside the test's transaction; BEGIN and COMMIT on a socket).
    with django_assert_num_queries(4):
        actions.check_send_message(chat.room, trainee, client_id=str(uuid.uuid4()), body="快")
