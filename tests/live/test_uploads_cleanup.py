"""Uploads never sent in a message are deleted after a day (``clean_chat_uploads``), with their
files; anything a message uses, and anything younger than the limit, stays."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from live import uploads
from live.actions import ChatError, check_send_message
from live.models import ChatAttachment, ChatMessage
from tests.live.chat_support import build_class
from tests.live.test_uploads import PDF, png_bytes, stored_files, upload_file

pytestmark = pytest.mark.django_db

UPLOADED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def school(time_machine):
    time_machine.move_to(UPLOADED, tick=False)
    return build_class(trainees=1)


def upload(school, user, name="a.png", content=None):
    content = content if content is not None else png_bytes()
    return uploads.check_upload(school.room, user, upload_file(name, content))


def send(school, user, attachment, **fields):
    return ChatMessage.objects.create(
        room=school.room,
        sender=user,
        kind=attachment.kind,
        attachment=attachment,
        sent_at=timezone.now(),
        **fields,
    )


def files_of(attachment):
    return {field.path for field in (attachment.file, attachment.phone_rendition) if field}


def clean(capture):
    with capture(execute=True):
        return uploads.delete_unsent_attachments()


def test_an_unsent_upload_goes_after_a_day_with_its_files(
    school, time_machine, django_capture_on_commit_callbacks
):
    trainee = school.trainees[0]
    unsent = upload(school, trainee)
    sent = upload(school, trainee)
    send(school, trainee, sent)
    handout = upload(school, school.lecturer, "讲义.pdf", PDF)
    send(school, school.lecturer, handout)
    removed = upload(school, trainee)  # its message was deleted by a moderator: kept for review
    send(school, trainee, removed, deleted_at=timezone.now(), deleted_by=school.head)
    unsent_files = files_of(unsent)
    assert len(unsent_files) == 2  # the picture and its phone rendition
    time_machine.move_to(UPLOADED + dt.timedelta(hours=23))
    fresh = upload(school, trainee)

    time_machine.move_to(UPLOADED + dt.timedelta(hours=24, minutes=1))
    assert clean(django_capture_on_commit_callbacks) == 1

    assert set(ChatAttachment.objects.values_list("pk", flat=True)) == {
        sent.pk,
        handout.pk,
        removed.pk,
        fresh.pk,
    }
    on_disk = {str(path) for path in stored_files()}
    assert not unsent_files & on_disk
    assert on_disk == set().union(*(files_of(a) for a in (sent, handout, removed, fresh)))
    # The sender can no longer send it: the same answer as for an unknown id.
    with pytest.raises(ChatError) as error:
        check_send_message(school.room, trainee, client_id=None, body="", attachment_id=unsent.pk)
    assert error.value.code == "not_found"


def test_nothing_younger_than_the_limit_goes(
    school, time_machine, django_capture_on_commit_callbacks
):
    attachment = upload(school, school.trainees[0])
    time_machine.move_to(UPLOADED + dt.timedelta(hours=23, minutes=59))
    assert clean(django_capture_on_commit_callbacks) == 0
    assert ChatAttachment.objects.filter(pk=attachment.pk).exists()
    assert {str(path) for path in stored_files()} == files_of(attachment)


def test_the_limit_follows_settings(
    settings, school, time_machine, django_capture_on_commit_callbacks
):
    settings.CHAT_UNSENT_UPLOAD_HOURS = 2
    upload(school, school.trainees[0])
    time_machine.move_to(UPLOADED + dt.timedelta(hours=1))
    assert clean(django_capture_on_commit_callbacks) == 0
    time_machine.move_to(UPLOADED + dt.timedelta(hours=2, seconds=1))
    assert clean(django_capture_on_commit_callbacks) == 1
    assert stored_files() == []


def test_files_go_only_once_the_rows_are_committed(school, time_machine):
    attachment = upload(school, school.trainees[0])
    time_machine.move_to(UPLOADED + dt.timedelta(days=2))
    # The test's transaction never commits, so the files must still be there.
    assert uploads.delete_unsent_attachments() == 1
    assert {str(path) for path in stored_files()} == files_of(attachment)


def test_the_command_prints_how_many_went(school, time_machine, django_capture_on_commit_callbacks):
    for _n in range(2):
        upload(school, school.trainees[0])
    time_machine.move_to(UPLOADED + dt.timedelta(days=3))
    out = io.StringIO()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        call_command("clean_chat_uploads", stdout=out)
    assert out.getvalue().strip() == "Deleted 2 unsent chat pictures and files."
    assert not ChatAttachment.objects.exists() and stored_files() == []
    out = io.StringIO()
    with translation.override("en"):
        call_command("clean_chat_uploads", stdout=out)
    assert out.getvalue().strip() == "Deleted 0 unsent chat pictures and files."
