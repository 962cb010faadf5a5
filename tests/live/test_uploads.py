"""Chat uploads: who may upload what, how pictures are cleaned, what files are accepted, and
that nothing is left behind when an upload is refused."""

import io
import struct
import zipfile
import zlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from live import uploads
from live.models import ChatAttachment, ChatMute, ChatRoom
from lms.accounts.actions import do_issue_api_token
from lms.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.factories.training import make_class, make_enrolment, make_lecturer

pytestmark = pytest.mark.django_db


# --- Builders ---------------------------------------------------------------------------------


def bearer(user):
    _token, raw = do_issue_api_token(user, "phone", acting_user=user)
    return {"authorization": f"Bearer {raw}", "accept-language": "en"}


def jpeg_with_exif(size=(2400, 1200), orientation=None):
    picture = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12 Pro"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (28.0, 12.0, 30.0)
    gps[3] = "E"
    gps[4] = (112.0, 58.0, 10.0)
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif, quality=85)
    return out.getvalue()


def png_bytes(size=(300, 200), mode="RGBA"):
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, format="PNG")
    return out.getvalue()


def gif_bytes():
    frames = [Image.new("P", (64, 48), colour) for colour in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def png_header_only(width, height):
    """A PNG that claims enormous dimensions: a decompression bomb as far as a reader knows."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def ooxml(main_part, extra=()):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/main.xml" ContentType="{main_part}"/></Types>',
        )
        package.writestr("main.xml", "<x/>")
        for name in extra:
            package.writestr(name, b"macro")
    return out.getvalue()


DOCX = ooxml(uploads.OOXML_MAIN_PART["docx"])
XLSX = ooxml(uploads.OOXML_MAIN_PART["xlsx"])


def upload_file(name, content):
    return SimpleUploadedFile(name, content)


def stored_files():
    root = settings.MEDIA_ROOT
    if not root.exists():
        return []
    return [path for path in root.rglob("*") if path.is_file()]


# --- Fixtures ---------------------------------------------------------------------------------


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
def outsider():
    other_class = make_class()
    return make_enrolment(other_class, user=True).profile.user


def post(client, room, user, name, content):
    return client.post(
        f"/api/v1/classes/{room.training_class_id}/chat/uploads",
        {"file": upload_file(name, content)},
        headers=bearer(user),
    )


# --- Pictures ---------------------------------------------------------------------------------


def test_a_phone_photo_is_stored_without_exif_and_with_a_phone_rendition(client, room, trainee):
    raw = jpeg_with_exif()
    with Image.open(io.BytesIO(raw)) as source:
        assert source.getexif().get_ifd(0x8825)[1] == "N", "the test photo carries a position"
    response = post(client, room, trainee, "IMG_0001.jpg", raw)
    assert response.status_code == 201, response.json()
    body = response.json()
    attachment = ChatAttachment.objects.get()
    assert body == uploads.attachment_payload(attachment)
    assert body["kind"] == "image" and body["name"] == "IMG_0001.jpg"
    assert (body["width"], body["height"]) == (2400, 1200)
    assert body["url"] == f"/training/chat/attachments/{attachment.pk}/"
    assert body["phone_url"] == f"/training/chat/attachments/{attachment.pk}/phone/"
    assert attachment.uploaded_by == trainee and attachment.room == room
    assert attachment.content_type == "image/jpeg"

    with attachment.file.open("rb") as stored:
        data = stored.read()
    assert data != raw, "the upload itself is never stored"
    assert b"Exif" not in data and b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "JPEG"
        assert len(picture.getexif()) == 0
        assert picture.size == (2400, 1200)
    assert attachment.size == len(data)

    with attachment.phone_rendition.open("rb") as phone_file, Image.open(phone_file) as phone:
        assert phone.format == "WEBP"
        assert max(phone.size) <= 1080
        assert phone.size == (1080, 540)
        assert len(phone.getexif()) == 0
    # Random stored names, nothing from the uploader's name.
    assert "IMG_0001" not in attachment.file.name
    assert attachment.file.name.endswith(".jpg")

    event = AuditEvent.objects.get(action="chat.uploaded")
    assert event.actor == trainee and event.object_id == str(attachment.pk)
    assert event.changes["kind"] == "image" and event.changes["room"] == room.pk


def test_a_sideways_photo_is_turned_upright(room, trainee):
    # Orientation 6: the camera was turned; the picture must be shown rotated 90°.
    attachment = uploads.check_upload(
        room, trainee, upload_file("side.jpg", jpeg_with_exif((400, 200), orientation=6))
    )
    assert (attachment.width, attachment.height) == (200, 400)
    with attachment.file.open("rb") as stored, Image.open(stored) as picture:
        assert picture.size == (200, 400)
        assert 0x0112 not in picture.getexif()


def test_a_png_keeps_its_format_and_transparency(room, trainee):
    attachment = uploads.check_upload(room, trainee, upload_file("screen.png", png_bytes()))
    assert attachment.content_type == "image/png" and attachment.original_name == "screen.png"
    with attachment.file.open("rb") as stored, Image.open(stored) as picture:
        assert picture.format == "PNG" and picture.mode == "RGBA"
    with attachment.phone_rendition.open("rb") as phone_file, Image.open(phone_file) as phone:
        assert phone.format == "WEBP" and phone.size == (300, 200)


def test_a_gif_keeps_its_first_frame_as_png(room, trainee):
    attachment = uploads.check_upload(room, trainee, upload_file("moving.gif", gif_bytes()))
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "moving.png"
    with attachment.file.open("rb") as stored, Image.open(stored) as picture:
        assert picture.format == "PNG" and picture.size == (64, 48)
        assert getattr(picture, "n_frames", 1) == 1


def test_webp_is_accepted(room, trainee):
    out = io.BytesIO()
    Image.new("RGB", (50, 40), (1, 2, 3)).save(out, format="WEBP")
    attachment = uploads.check_upload(room, trainee, upload_file("a.webp", out.getvalue()))
    assert attachment.content_type == "image/webp" and (attachment.width, attachment.height) == (
        50,
        40,
    )


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 2000),  # a program renamed .jpg
        ("photo.jpg", b"<html><script>alert(1)</script></html>"),
        ("photo.png", png_bytes()[:60]),  # cut off in the middle
        ("photo.jpg", PDF),
    ],
)
def test_what_is_not_a_readable_picture_is_refused(client, room, trainee, name, content):
    response = post(client, room, trainee, name, content)
    assert response.status_code == 400
    assert "not a picture" in response.json()["detail"]
    assert not ChatAttachment.objects.exists()
    assert stored_files() == []


def test_a_decompression_bomb_is_refused(client, room, trainee):
    response = post(client, room, trainee, "bomb.png", png_header_only(100_000, 100_000))
    assert response.status_code == 400
    assert "million pixels" in response.json()["detail"]
    assert not ChatAttachment.objects.exists() and stored_files() == []


def test_too_many_pixels_are_refused_before_decoding(client, room, trainee):
    # 8000 x 6000 = 48 Mpx in a few kilobytes: over the 40 Mpx limit.
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")
    response = post(client, room, trainee, "big.png", out.getvalue())
    assert response.status_code == 400
    assert "40 million pixels" in response.json()["detail"]
    assert stored_files() == []


def test_a_picture_over_the_byte_limit_is_refused(client, room, trainee):
    too_big = b"\xff\xd8\xff\xe0" + b"\x00" * (10 * 1024 * 1024)
    response = post(client, room, trainee, "huge.jpg", too_big)
    assert response.status_code == 400
    assert "10 MB" in response.json()["detail"]
    assert stored_files() == []


def test_the_limits_follow_settings(settings, room, trainee):
    settings.CHAT_IMAGE_MAX_PIXELS = 10_000
    with pytest.raises(uploads.ValidationError):
        uploads.check_upload(room, trainee, upload_file("a.png", png_bytes((200, 100))))
    settings.CHAT_IMAGE_MAX_PIXELS = 40_000_000
    settings.CHAT_IMAGE_MAX_BYTES = 100
    with pytest.raises(uploads.ValidationError):
        uploads.check_upload(room, trainee, upload_file("a.png", png_bytes((200, 100))))


def test_an_unknown_kind_of_file_is_refused(client, room, head_teacher):
    response = post(client, room, head_teacher, "setup.exe", b"MZ" + b"\x00" * 100)
    assert response.status_code == 400
    assert "cannot be shared" in response.json()["detail"]


def test_an_empty_or_missing_file_is_refused(client, room, trainee):
    assert post(client, room, trainee, "a.jpg", b"").status_code == 400
    response = client.post(
        f"/api/v1/classes/{room.training_class_id}/chat/uploads", {}, headers=bearer(trainee)
    )
    assert response.status_code == 400
    assert response.json()["detail"]


# --- Files ------------------------------------------------------------------------------------


def test_a_lecturer_shares_a_pdf(client, room, lecturer_user):
    response = post(client, room, lecturer_user, "../../课程/第一课 讲义.pdf", PDF)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "file" and body["phone_url"] is None
    assert body["name"] == "第一课 讲义.pdf"
    assert body["size"] == len(PDF) and body["width"] is None
    attachment = ChatAttachment.objects.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.file.name.endswith(".pdf") and "讲义" not in attachment.file.name
    with attachment.file.open("rb") as stored:
        assert stored.read() == PDF


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("名单.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("note.docx", DOCX, uploads.FILE_CONTENT_TYPES["docx"]),
        (
            "slides.pptx",
            ooxml(uploads.OOXML_MAIN_PART["pptx"]),
            uploads.FILE_CONTENT_TYPES["pptx"],
        ),
    ],
)
def test_the_head_teacher_shares_office_files(room, head_teacher, name, content, content_type):
    attachment = uploads.check_upload(room, head_teacher, upload_file(name, content))
    assert attachment.kind == "file" and attachment.content_type == content_type
    assert attachment.original_name == name


def test_a_trainee_may_not_share_files(client, room, trainee):
    response = post(client, room, trainee, "notes.pdf", PDF)
    assert response.status_code == 400
    assert "head teacher and lecturers" in response.json()["detail"]
    assert not ChatAttachment.objects.exists() and stored_files() == []


@pytest.mark.parametrize(
    "name, content",
    [
        ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 500),  # a program renamed .pdf
        ("list.xlsx", DOCX),  # a Word document called a spreadsheet
        ("list.xlsx", ooxml(uploads.OOXML_MAIN_PART["xlsx"], extra=["xl/vbaProject.bin"])),
        ("list.xlsx", b"PK\x03\x04 not really a zip"),
        ("list.docx", PDF),
        ("old.doc", PDF),
        (
            "macro.docx",
            ooxml("application/vnd.ms-word.document.macroEnabled.main+xml"),
        ),
    ],
)
def test_content_must_match_the_extension(client, room, lecturer_user, name, content):
    response = post(client, room, lecturer_user, name, content)
    assert response.status_code == 400
    assert "does not match" in response.json()["detail"]
    assert not ChatAttachment.objects.exists() and stored_files() == []


def test_a_file_over_the_limit_is_refused(settings, client, room, lecturer_user):
    settings.CHAT_FILE_MAX_BYTES = 1024 * 1024
    response = post(client, room, lecturer_user, "big.pdf", PDF + b"0" * (1024 * 1024))
    assert response.status_code == 400
    assert "1 MB" in response.json()["detail"]


# --- Who may upload ---------------------------------------------------------------------------


def test_outsiders_and_unknown_classes_get_the_same_404(client, room, outsider):
    response = post(client, room, outsider, "a.png", png_bytes())
    assert response.status_code == 404
    unknown = client.post(
        "/api/v1/classes/999999/chat/uploads",
        {"file": upload_file("a.png", png_bytes())},
        headers=bearer(outsider),
    )
    assert unknown.status_code == 404
    assert unknown.json() == response.json()
    assert stored_files() == []


def test_anonymous_uploads_need_a_user(client, room):
    response = client.post(
        f"/api/v1/classes/{room.training_class_id}/chat/uploads",
        {"file": upload_file("a.png", png_bytes())},
    )
    assert response.status_code == 401


def test_an_officer_reads_but_does_not_upload(client, room):
    officer = UserFactory(roles=["commerce_officer"])
    response = post(client, room, officer, "a.png", png_bytes())
    assert response.status_code == 403
    assert not ChatAttachment.objects.exists()


def test_a_muted_trainee_cannot_upload(client, room, trainee, head_teacher):
    ChatMute.objects.create(
        room=room, user=trainee, until=timezone.now() + timezone.timedelta(hours=1)
    )
    assert post(client, room, trainee, "a.png", png_bytes()).status_code == 403


def test_a_locked_room_refuses_trainees_but_not_teachers(client, room, trainee, head_teacher):
    room.is_locked = True
    room.save()
    assert post(client, room, trainee, "a.png", png_bytes()).status_code == 403
    assert post(client, room, head_teacher, "a.png", png_bytes()).status_code == 201


def test_a_withdrawn_trainee_is_an_outsider(client, room, training_class):
    enrolment = make_enrolment(training_class, user=True, status="withdrawn")
    response = post(client, room, enrolment.profile.user, "a.png", png_bytes())
    assert response.status_code == 404


def test_the_session_works_with_the_csrf_token(room, trainee):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(trainee)
    url = f"/api/v1/classes/{room.training_class_id}/chat/uploads"
    refused = browser.post(url, {"file": upload_file("a.png", png_bytes())})
    assert refused.status_code == 403
    browser.get("/accounts/profile/")
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    response = browser.post(
        url, {"file": upload_file("a.png", png_bytes())}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201


def test_uploads_per_hour_are_limited(settings, room, trainee):
    settings.CHAT_UPLOADS_PER_HOUR = 2
    for _n in range(2):
        uploads.check_upload(room, trainee, upload_file("a.png", png_bytes()))
    with pytest.raises(uploads.ValidationError):
        uploads.check_upload(room, trainee, upload_file("a.png", png_bytes()))
    assert ChatAttachment.objects.count() == 2


# --- Nothing left behind ----------------------------------------------------------------------


def test_when_the_row_cannot_be_written_the_files_go(monkeypatch, room, trainee):
    def broken(*args, **kwargs):
        raise RuntimeError("audit table gone")

    monkeypatch.setattr(uploads, "record", broken)
    with pytest.raises(RuntimeError):
        uploads.check_upload(room, trainee, upload_file("a.jpg", jpeg_with_exif((300, 200))))
    assert not ChatAttachment.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("报告  1.pdf", "报告 1.pdf"),
        ("C:\\Users\\me\\Desktop\\报告.PDF", "报告.pdf"),
        ('a<b>c:"d"|e?.pdf', "a_b_c_d_e_.pdf"),
        ("\u202egnp.exe", "gnp.pdf"),
        ("..", "file.pdf"),
        ("x" * 500 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_names_are_cleaned(raw, expected):
    from django.utils.translation import override

    with override("en"):
        assert uploads.clean_name(raw, "pdf") == expected
