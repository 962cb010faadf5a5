"""Downloads of chat pictures and files: only the room's readers get them, with safe headers."""

import io

import pytest
from django.utils import timezone
from PIL import Image

from live import uploads
from live.models import ChatMessage, ChatRoom
from lms.accounts.actions import do_issue_api_token
from tests.factories import UserFactory
from tests.factories.training import make_class, make_enrolment, make_lecturer
from tests.live.test_uploads import PDF, jpeg_with_exif, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def head_teacher():
    return UserFactory(roles=["head_teacher"])


@pytest.fixture
def lecturer_user():
    return UserFactory(roles=["lecturer"])


@pytest.fixture
def training_class(head_teacher, lecturer_user):
    return make_class(head_teacher=head_teacher, lecturers=[make_lecturer(user=lecturer_user)])


@pytest.fixture
def room(training_class):
    room, _created = ChatRoom.objects.get_or_create(training_class=training_class)
    return room


@pytest.fixture
def trainee(training_class):
    return make_enrolment(training_class, user=True).profile.user


@pytest.fixture
def classmate(training_class):
    return make_enrolment(training_class, user=True).profile.user


@pytest.fixture
def outsider():
    return make_enrolment(make_class(), user=True).profile.user


def send(room, sender, attachment, **fields):
    return ChatMessage.objects.create(
        room=room,
        sender=sender,
        kind=attachment.kind,
        attachment=attachment,
        sent_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def photo(room, trainee):
    attachment = uploads.check_upload(room, trainee, upload_file("店铺.jpg", jpeg_with_exif()))
    send(room, trainee, attachment)
    return attachment


@pytest.fixture
def handout(room, lecturer_user):
    attachment = uploads.check_upload(room, lecturer_user, upload_file("第一课 讲义.pdf", PDF))
    send(room, lecturer_user, attachment)
    return attachment


def body_of(response):
    return b"".join(response.streaming_content)


def test_a_member_sees_the_picture_inline(client, classmate, photo):
    client.force_login(classmate)
    response = client.get(f"/training/chat/attachments/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert "private" in response["Cache-Control"]
    data = body_of(response)
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.size == (2400, 1200) and len(picture.getexif()) == 0


def test_the_phone_rendition(client, classmate, photo):
    client.force_login(classmate)
    response = client.get(f"/training/chat/attachments/{photo.pk}/phone/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(body_of(response))) as picture:
        assert max(picture.size) <= 1080


def test_a_file_is_a_download_with_its_name(client, classmate, handout):
    client.force_login(classmate)
    response = client.get(f"/training/chat/attachments/{handout.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E7%AC%AC%E4%B8%80%E8%AF%BE%20%E8%AE%B2%E4%B9%89.pdf" in disposition
    assert "sandbox" in response["Content-Security-Policy"]
    assert body_of(response) == PDF
    # A file has no phone rendition.
    assert client.get(f"/training/chat/attachments/{handout.pk}/phone/").status_code == 404


def test_outsiders_and_unknown_ids_get_the_same_404(client, outsider, photo, handout):
    client.force_login(outsider)
    answers = [
        client.get(f"/training/chat/attachments/{attachment_id}/{suffix}")
        for attachment_id in (photo.pk, handout.pk, 999999)
        for suffix in ("", "phone/")
    ]
    assert {response.status_code for response in answers} == {404}


def test_anonymous_visitors_are_sent_to_sign_in(client, photo):
    response = client.get(f"/training/chat/attachments/{photo.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_officers_may_read(client, photo):
    client.force_login(UserFactory(roles=["commerce_officer"]))
    assert client.get(f"/training/chat/attachments/{photo.pk}/").status_code == 200


def test_a_mobile_client_uses_its_token(client, classmate, photo):
    _token, raw = do_issue_api_token(classmate, "phone", acting_user=classmate)
    response = client.get(
        f"/training/chat/attachments/{photo.pk}/phone/", headers={"authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 200
    bad = client.get(
        f"/training/chat/attachments/{photo.pk}/phone/", headers={"authorization": "Bearer nope"}
    )
    assert bad.status_code == 302


def test_an_unsent_upload_is_seen_only_by_its_uploader(client, room, trainee, classmate):
    attachment = uploads.check_upload(room, trainee, upload_file("a.jpg", jpeg_with_exif()))
    url = f"/training/chat/attachments/{attachment.pk}/"
    client.force_login(classmate)
    assert client.get(url).status_code == 404
    client.force_login(trainee)
    assert client.get(url).status_code == 200


def test_a_deleted_message_hides_its_picture_from_all_but_moderators(
    client, room, photo, classmate, head_teacher
):
    photo.messages.update(deleted_at=timezone.now(), deleted_by=head_teacher)
    url = f"/training/chat/attachments/{photo.pk}/"
    client.force_login(classmate)
    assert client.get(url).status_code == 404
    client.force_login(photo.uploaded_by)
    assert client.get(url).status_code == 404
    client.force_login(head_teacher)
    assert client.get(url).status_code == 200


def test_a_trainee_who_left_the_class_loses_access(client, room, trainee, photo):
    from lms.enrolment.models import ClassEnrolment

    ClassEnrolment.objects.filter(profile__user=trainee).update(status="withdrawn")
    client.force_login(trainee)
    assert client.get(f"/training/chat/attachments/{photo.pk}/").status_code == 404


def test_only_get_and_head(client, classmate, photo):
    client.force_login(classmate)
    assert client.post(f"/training/chat/attachments/{photo.pk}/").status_code == 405
    assert client.head(f"/training/chat/attachments/{photo.pk}/").status_code == 200
