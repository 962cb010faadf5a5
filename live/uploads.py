"""Pictures and files shared in a class chat: checked, cleaned and stored before they are sent.

A member uploads over HTTP (``POST /api/v1/classes/{id}/chat/uploads``) and then sends the
returned attachment id in a ``message.send`` frame. ``check_upload`` decides who may upload what
and refuses anything it cannot vouch for:

- Pictures (JPEG, PNG, WebP, HEIC/HEIF from phones, the first frame of a GIF) from any member
  who may send. Pillow must
  read the whole picture; it must fit the byte and pixel limits (a small file that decodes to an
  enormous picture is a decompression bomb). The picture is turned upright by its EXIF
  orientation and re-encoded, so what is stored carries no EXIF (GPS position, phone model) or
  other metadata and never the uploaded bytes themselves. A phone-sized WebP rendition (at most
  1080 px on the long side) is stored beside it for weak networks.
- Files (PDF, Word, Excel, PowerPoint) only from moderators: the head teacher and the class's
  lecturers. The extension and the content must agree (``%PDF-``, an Office Open XML package
  whose ``[Content_Types].xml`` declares the right main part and no macros, or an OLE compound
  file with a Word 97+ or Excel 97+ stream and no macros).

Stored names are random; the uploader's file name is kept, cleaned, only for display. On any
error nothing is saved and no file is left on disk. Uploads never sent in a message are deleted
after ``CHAT_UNSENT_UPLOAD_HOURS`` by ``delete_unsent_attachments`` (the ``clean_chat_uploads``
command, run daily).
"""

import io
import logging
import re
import secrets
import struct
import unicodedata
import warnings
import zipfile
from datetime import timedelta

import olefile
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from lms.audit.actions import record

from . import policy
from .models import ChatAttachment, ChatMute, ChatRoom

logger = logging.getLogger(__name__)

# Pillow reads HEIC/HEIF photos (iPhones, many Android phones) once pillow-heif registers its
# opener; they are then verified, cleaned and re-encoded like any other picture.
register_heif_opener()

# --- Limits (each may be overridden in settings) ----------------------------------------------

IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
FILE_MAX_BYTES = 20 * 1024 * 1024
UPLOADS_PER_HOUR = 60
PHONE_LONG_SIDE = 1080
PHONE_QUALITY = 80
ORIGINAL_QUALITY = 90
# An Office package that unpacks to more than this is refused (a zip bomb aimed at readers).
OOXML_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
NAME_MAX_LENGTH = 200
# An upload not sent in a message within this many hours is deleted by the daily clean-up.
UNSENT_UPLOAD_HOURS = 24


def _limit(name, default):
    return getattr(settings, f"CHAT_{name}", default)


# --- What may be uploaded ---------------------------------------------------------------------

IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "webp", "gif", "heic", "heif"}

# Pillow format -> (stored format, extension, content type). A GIF keeps its first frame as PNG;
# a HEIC/HEIF photo is stored as JPEG, which every browser shows.
IMAGE_OUTPUT = {
    "HEIF": ("JPEG", "jpg", "image/jpeg"),
    "JPEG": ("JPEG", "jpg", "image/jpeg"),
    "PNG": ("PNG", "png", "image/png"),
    "WEBP": ("WEBP", "webp", "image/webp"),
    "GIF": ("PNG", "png", "image/png"),
}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream an old binary Office file must hold: Word 97+ and Excel 97+ (BIFF8).
OLE_MAIN_STREAM = {"doc": "WordDocument", "xls": "Workbook"}
# Storages and streams that hold VBA macros: "Macros" (Word), "_VBA_PROJECT_CUR" (Excel), and the
# "VBA" storage and "_VBA_PROJECT" stream inside them (also in embedded objects).
OLE_MACRO_NAMES = {"macros", "_vba_project_cur", "vba", "_vba_project"}
OOXML_MAIN_PART = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
FILE_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
FILE_EXTENSIONS = set(FILE_CONTENT_TYPES)


# --- Who may upload ---------------------------------------------------------------------------
#
# ``live.policy`` says who is in a room: members (enrolled trainees, the head teacher, the class's
# lecturers) send; commerce officers and administrators only read; the head teacher, lecturers
# and administrators moderate. Uploading is sending, so a muted member, and a trainee while the
# room is locked, may not upload either.


def may_read(user, room):
    """Members, commerce officers and administrators may read (and download in) a room."""
    return policy.can_read(user, room)


def may_moderate(user, room):
    """The head teacher, the class's lecturers and administrators."""
    return policy.can_moderate(user, room)


def _may_upload(user, room):
    """Members who may send now: not muted, and the room not locked unless they moderate it."""
    if not policy.is_member(user, room):
        return False
    if room.is_locked and not policy.can_moderate(user, room):
        return False
    return not ChatMute.objects.filter(room=room, user=user, until__gt=timezone.now()).exists()


def _may_share_files(user, room):
    """PDFs and Office files come only from the room's moderators (who teach the class)."""
    return policy.can_moderate(user, room)


def access_room_for_upload(user, class_id):
    """The chat room of class ``class_id`` if ``user`` may read it; the same 404 for an unknown
    class and someone outside it."""
    room, _membership = policy.access_room(user, class_id)
    return room


# --- Names ------------------------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def clean_name(name, extension):
    """The uploader's file name, fit to show and to offer as a download name.

    Only the last path component is kept; control characters and characters Windows refuses
    are replaced; the name ends in ``extension`` (the type actually stored) and fits the column.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_NAME.sub("_", name)
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .") or _("file")
    suffix = f".{extension}"
    return stem[: NAME_MAX_LENGTH - len(suffix)] + suffix


def _extension(name):
    name = str(name or "")
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _stored_name(extension):
    return f"{secrets.token_urlsafe(18)}.{extension}"


# --- Pictures ---------------------------------------------------------------------------------


def _bad_picture():
    return ValidationError(
        _("This is not a picture we can read. Send a JPEG, PNG, WebP, GIF or HEIC picture."),
        code="bad_image",
    )


def _encode(upright, source_format, output_format):
    """The cleaned picture re-encoded, its phone rendition, and the cleaned image."""
    has_alpha = upright.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        "transparency" in upright.info
    )
    if output_format == "JPEG":
        clean = upright.convert("L" if upright.mode in ("L", "1") else "RGB")
    elif (
        upright.mode in ("RGB", "RGBA", "L", "LA")
        and source_format != "GIF"
        and "transparency" not in upright.info  # kept by converting, since info is cleared
    ):
        clean = upright.copy()
    else:
        clean = upright.convert("RGBA" if has_alpha else "RGB")
    # Nothing the phone wrote (EXIF, XMP, ICC profile, comments, text chunks) goes back out.
    clean.info = {}

    original = io.BytesIO()
    save_options = {
        "JPEG": {"quality": ORIGINAL_QUALITY, "optimize": True},
        "PNG": {"optimize": True},
        "WEBP": {"quality": ORIGINAL_QUALITY, "method": 4},
    }[output_format]
    clean.save(original, format=output_format, **save_options)

    phone = clean.copy()
    phone.thumbnail((PHONE_LONG_SIDE, PHONE_LONG_SIDE), Image.Resampling.LANCZOS)
    if phone.mode not in ("RGB", "RGBA"):
        phone = phone.convert("RGBA" if has_alpha else "RGB")
    phone_bytes = io.BytesIO()
    phone.save(phone_bytes, format="WEBP", quality=PHONE_QUALITY, method=4)

    return original.getvalue(), phone_bytes.getvalue(), clean


def _process_image(uploaded_file):
    """Verify, clean and re-encode a picture; return (original bytes, phone bytes, info)."""
    max_pixels = _limit("IMAGE_MAX_PIXELS", IMAGE_MAX_PIXELS)
    too_many_pixels = ValidationError(
        _("This picture is too large: at most %(megapixels)s million pixels.")
        % {"megapixels": max_pixels // 1_000_000},
        code="too_many_pixels",
    )
    with warnings.catch_warnings():
        # We apply our own, lower pixel limit; Pillow's warning would only be noise.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            uploaded_file.seek(0)
            with Image.open(uploaded_file) as probe:
                if probe.format not in IMAGE_OUTPUT:
                    raise _bad_picture()
                width, height = probe.size
                if width * height > max_pixels:
                    raise too_many_pixels
                probe.verify()
            uploaded_file.seek(0)
            with Image.open(uploaded_file) as picture:
                source_format = picture.format
                if picture.format not in IMAGE_OUTPUT or picture.size != (width, height):
                    raise _bad_picture()
                if source_format != "HEIF":  # a HEIF opens at its primary picture
                    picture.seek(0)  # a GIF's first frame
                picture.load()
                upright = ImageOps.exif_transpose(picture)
        except Image.DecompressionBombError:
            raise too_many_pixels from None
        except ValidationError:
            raise
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _bad_picture() from None

    output_format, extension, content_type = IMAGE_OUTPUT[source_format]
    try:
        original, phone, clean = _encode(upright, source_format, output_format)
    except (OSError, ValueError) as error:  # an unusual mode Pillow cannot convert or write
        raise _bad_picture() from error

    return (
        original,
        phone,
        {
            "extension": extension,
            "content_type": content_type,
            "width": clean.width,
            "height": clean.height,
        },
    )


# --- Files ------------------------------------------------------------------------------------


def _head(uploaded_file, length):
    uploaded_file.seek(0)
    head = uploaded_file.read(length)
    uploaded_file.seek(0)
    return head


def _ooxml_is(uploaded_file, extension):
    """Whether the upload is an Office Open XML package of the kind its extension claims."""
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as package:
            members = package.infolist()
            names = {member.filename for member in members}
            if sum(member.file_size for member in members) > OOXML_MAX_UNPACKED_BYTES:
                return False
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return False
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > 1024 * 1024:
                return False
            with package.open(info) as part:
                content_types = part.read(1024 * 1024 + 1).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError):
        return False
    finally:
        uploaded_file.seek(0)
    # A VBA project under another part name is still declared by its content type.
    if "application/vnd.ms-office.vbaproject" in content_types.lower():
        return False
    return OOXML_MAIN_PART[extension] in content_types


def _xls_globals_problem(workbook):
    """``"macros"``, ``"encrypted"``, ``"content"`` (not BIFF8) or ``None`` from the globals of an
    Excel 97+ workbook stream.

    Each sheet is declared by a BOUNDSHEET record (0x0085) whose sixth byte is its type; Excel 4.0
    macro sheets (1) and VBA modules (6) run code. Once FILEPASS (0x002F) appears the rest is
    encrypted, so macro sheets could hide there.
    """
    record, length = struct.unpack_from("<HH", workbook, 0)
    if record != 0x0809:  # BIFF8 BOF
        return "content"
    offset = 4 + length
    while offset + 4 <= len(workbook):
        record, length = struct.unpack_from("<HH", workbook, offset)
        data = workbook[offset + 4 : offset + 4 + length]
        offset += 4 + length
        if record == 0x000A:  # EOF of the globals
            return None
        if record == 0x002F:
            return "encrypted"
        if record == 0x0085 and len(data) >= 6 and data[5] in (0x01, 0x06):
            return "macros"
    return "content"


def _old_office_problem(uploaded_file, extension):
    """What is wrong with an old binary Word or Excel file, or ``None``.

    ``"content"``: not an OLE compound file holding the format's main stream (Word and Excel 97 or
    later). ``"macros"``: it carries VBA macros or Excel 4.0 macro sheets. ``"encrypted"``: a
    password-protected workbook, whose sheets cannot be checked.
    """
    uploaded_file.seek(0)
    try:
        with olefile.OleFileIO(uploaded_file) as ole:
            entries = ole.listdir(streams=True, storages=True)
            main = OLE_MAIN_STREAM[extension]
            if ole.get_type(main) != olefile.STGTY_STREAM:
                return "content"
            if any(part.lower() in OLE_MACRO_NAMES for path in entries for part in path):
                return "macros"
            with ole.openstream(main) as stream:
                data = stream.read()
    except Exception:  # olefile raises many kinds of errors on a damaged file
        return "content"
    finally:
        uploaded_file.seek(0)
    if len(data) < 4:
        return "content"
    if extension == "doc":
        identifier, version = struct.unpack_from("<HH", data, 0)
        return None if identifier == 0xA5EC and version >= 0x00C0 else "content"
    return _xls_globals_problem(data)


def _check_content(uploaded_file, extension):
    """Refuse a file whose content is not what its extension says, or that carries macros."""
    head = _head(uploaded_file, 8)
    problem = None
    if extension == "pdf":
        matches = head.startswith(b"%PDF-")
    elif extension in OLE_MAIN_STREAM:
        matches = head == OLE_MAGIC
        if matches:
            problem = _old_office_problem(uploaded_file, extension)
    else:
        matches = head.startswith(b"PK\x03\x04") and _ooxml_is(uploaded_file, extension)
    if problem == "macros":
        raise ValidationError(
            _(
                "Files with macros cannot be shared in the chat. Save it without macros (for "
                "example as .docx or .xlsx) and upload it again."
            ),
            code="macros",
        )
    if problem == "encrypted":
        raise ValidationError(
            _(
                "Password-protected files cannot be shared in the chat. Remove the password and "
                "upload it again."
            ),
            code="encrypted",
        )
    if not matches or problem is not None:
        raise ValidationError(
            _("The file's content does not match its type (.%(extension)s).")
            % {"extension": extension},
            code="bad_content",
        )


# --- The action -------------------------------------------------------------------------------


def _kind_of(uploaded_file):
    """``image`` or ``file`` by the extension; a picture's real type is decided by Pillow."""
    extension = _extension(getattr(uploaded_file, "name", ""))
    if extension in FILE_EXTENSIONS:
        return ChatAttachment.Kind.FILE, extension
    if extension in IMAGE_EXTENSIONS:
        return ChatAttachment.Kind.IMAGE, extension
    # A picture from a phone may come without an extension ("image", "blob"): let Pillow decide.
    if extension in ("", "blob", "jfif"):
        return ChatAttachment.Kind.IMAGE, extension
    raise ValidationError(
        _(
            "This kind of file cannot be shared in the chat. Send a picture (JPEG, PNG, WebP, GIF, "
            "HEIC) or a PDF, Word, Excel or PowerPoint file."
        ),
        code="bad_type",
    )


def _check_upload_rate(room, user):
    per_hour = _limit("UPLOADS_PER_HOUR", UPLOADS_PER_HOUR)
    since = timezone.now() - timedelta(hours=1)
    recent = ChatAttachment.objects.filter(room=room, uploaded_by=user, uploaded_at__gte=since)
    if recent.count() >= per_hour:
        raise ValidationError(
            _("You have uploaded %(count)s pictures and files in the last hour; wait a while.")
            % {"count": per_hour},
            code="rate_limited",
        )


def check_upload(room, user, uploaded_file):
    """Authorise and validate an upload to ``room``, then store it: the ``ChatAttachment``.

    Raises ``Http404`` if ``user`` may not even read the room (the API's "no such class"),
    ``PermissionDenied`` if they may read but not send (officers; muted members; trainees in a
    locked room), and ``ValidationError`` with a translated message for anything wrong with the
    upload. Nothing is stored unless everything is right.
    """
    if not may_read(user, room):
        raise Http404(_("No such class."))
    if not _may_upload(user, room):
        raise PermissionDenied(_("You cannot send pictures or files in this chat now."))
    if uploaded_file is None:
        raise ValidationError(_("Choose a picture or file to upload."), code="required")
    kind, extension = _kind_of(uploaded_file)
    size = uploaded_file.size or 0
    if size <= 0:
        raise ValidationError(_("The file is empty."), code="empty")

    if kind == ChatAttachment.Kind.FILE:
        if not _may_share_files(user, room):
            raise ValidationError(
                _("Only the head teacher and lecturers share files; you may send pictures."),
                code="files_not_allowed",
            )
        max_bytes = _limit("FILE_MAX_BYTES", FILE_MAX_BYTES)
        if size > max_bytes:
            raise ValidationError(
                _("This file is too large: at most %(megabytes)s MB.")
                % {"megabytes": max_bytes // (1024 * 1024)},
                code="too_large",
            )
        _check_content(uploaded_file, extension)
        _check_upload_rate(room, user)
        return do_store_file(room, user, uploaded_file, extension=extension, size=size)

    max_bytes = _limit("IMAGE_MAX_BYTES", IMAGE_MAX_BYTES)
    if size > max_bytes:
        raise ValidationError(
            _("This picture is too large: at most %(megabytes)s MB.")
            % {"megabytes": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    _check_upload_rate(room, user)
    original, phone, info = _process_image(uploaded_file)
    return do_store_image(room, user, uploaded_file.name, original, phone, info)


def _store(room, user, *, fields, files, audit):
    """Save the files and the row together: if the row or the audit fails, the files go.

    Call it outside any outer transaction (the API does): Django has no rollback hook, so files
    saved inside an outer block that later rolls back would stay on disk.
    """
    attachment = ChatAttachment(room=room, uploaded_by=user, **fields)
    saved = []
    try:
        with transaction.atomic():
            for field_name, name, content in files:
                field = getattr(attachment, field_name)
                field.save(name, content, save=False)
                saved.append(field.name)
            attachment.save()
            record(
                "chat.uploaded",
                attachment,
                actor=user,
                changes={
                    "room": room.pk,
                    "class": room.training_class_id,
                    "kind": attachment.kind,
                    "name": attachment.original_name,
                    "size": attachment.size,
                    **audit,
                },
            )
    except BaseException:
        storage = ChatAttachment._meta.get_field("file").storage
        for name in saved:
            storage.delete(name)
        raise
    return attachment


def do_store_image(room, user, uploaded_name, original, phone, info):
    """Store a cleaned picture and its phone rendition (trusted: ``check_upload`` verified it)."""
    extension = info["extension"]
    return _store(
        room,
        user,
        fields={
            "kind": ChatAttachment.Kind.IMAGE,
            "original_name": clean_name(uploaded_name, extension),
            "content_type": info["content_type"],
            "size": len(original),
            "width": info["width"],
            "height": info["height"],
        },
        files=[
            ("file", _stored_name(extension), ContentFile(original)),
            ("phone_rendition", _stored_name("webp"), ContentFile(phone)),
        ],
        audit={"width": info["width"], "height": info["height"]},
    )


def do_store_file(room, user, uploaded_file, *, extension, size):
    """Store a checked file under a random name (trusted: ``check_upload`` sniffed it)."""
    uploaded_file.seek(0)
    return _store(
        room,
        user,
        fields={
            "kind": ChatAttachment.Kind.FILE,
            "original_name": clean_name(uploaded_file.name, extension),
            "content_type": FILE_CONTENT_TYPES[extension],
            "size": size,
        },
        files=[("file", _stored_name(extension), uploaded_file)],
        audit={},
    )


# --- Clean-up ---------------------------------------------------------------------------------


def delete_unsent_attachments(now=None):
    """Delete uploads that no message has used within ``CHAT_UNSENT_UPLOAD_HOURS``, with their
    files and renditions; return how many.

    An attachment any message refers to, even a deleted message (moderators review those), is
    kept. Each room is done under its row lock, the lock sending a message takes, so a message
    cannot start using an attachment while it is being deleted. Files go only after the rows are
    committed.
    """
    now = now or timezone.now()
    hours = _limit("UNSENT_UPLOAD_HOURS", UNSENT_UPLOAD_HOURS)
    unsent = ChatAttachment.objects.filter(
        uploaded_at__lt=now - timedelta(hours=hours), messages__isnull=True
    )
    storage = ChatAttachment._meta.get_field("file").storage
    deleted = 0
    for room_id in unsent.values_list("room_id", flat=True).distinct().order_by("room_id"):
        with transaction.atomic():
            ChatRoom.objects.select_for_update().filter(pk=room_id).first()
            # Read again under the lock: a message may have used one meanwhile.
            attachments = list(unsent.filter(room_id=room_id))
            names = [
                field.name
                for attachment in attachments
                for field in (attachment.file, attachment.phone_rendition)
                if field
            ]
            ChatAttachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
            transaction.on_commit(lambda names=names: _delete_files(storage, names))
        deleted += len(attachments)
    if deleted:
        logger.info("deleted %s unsent chat uploads", deleted)
    return deleted


def _delete_files(storage, names):
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # the row is gone; a file left behind only takes space
            logger.warning("could not delete chat upload file %s", name, exc_info=True)


# --- What clients see -------------------------------------------------------------------------


def attachment_payload(attachment):
    """The ``attachment`` object of a message frame and of the upload API's answer."""
    is_image = attachment.kind == ChatAttachment.Kind.IMAGE
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "name": attachment.original_name,
        "size": attachment.size,
        "url": reverse("live:attachment", args=[attachment.pk]),
        "phone_url": (
            reverse("live:attachment_phone", args=[attachment.pk])
            if is_image and attachment.phone_rendition
            else None
        ),
        "width": attachment.width,
        "height": attachment.height,
    }
