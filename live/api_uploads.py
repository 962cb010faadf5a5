"""Chat uploads under /api/v1/ (see docs/api.md).

``POST /api/v1/classes/{id}/chat/uploads`` (multipart, field ``file``) stores a checked picture
or file and answers 201 with the attachment (``live.uploads.attachment_payload``); the client
then sends its id in a ``message.send`` frame. 404 for an unknown class and for anyone outside
its room (the same answer); 403 for those who may read but not send (officers, muted members,
trainees in a locked room); 400 with ``detail`` for anything wrong with the upload.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status

from .uploads import access_room_for_upload, attachment_payload, check_upload

router = Router(tags=["chat"])


class ErrorOut(Schema):
    detail: str


class AttachmentOut(Schema):
    id: int
    kind: str = Field(..., description="image or file")
    name: str = Field(..., description="The uploader's file name, cleaned")
    size: int = Field(..., description="Bytes stored (a picture after re-encoding)")
    url: str = Field(..., description="The picture (without metadata) or the file")
    phone_url: str | None = Field(
        None, description="A picture's phone-sized WebP (≤ 1080 px); null for files"
    )
    width: int | None = None
    height: int | None = None


@router.post(
    "/classes/{class_id}/chat/uploads",
    response={201: AttachmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Upload a picture or file to send in the class chat",
)
def upload(request, class_id: int, file: File[UploadedFile] = None):
    """Pictures (JPEG, PNG, WebP, GIF; ≤ 10 MB, ≤ 40 Mpx) from any member who may send; PDF,
    Word, Excel and PowerPoint files (≤ 20 MB) from the head teacher and lecturers."""
    user = request.auth
    room = access_room_for_upload(user, class_id)
    if file is None:
        raise HttpError(400, _("Choose a picture or file to upload."))
    try:
        attachment = check_upload(room, user, file)
    except PermissionDenied as error:
        raise HttpError(403, str(error) or _("You cannot do this.")) from None
    except ValidationError as error:
        raise HttpError(400, " ".join(str(message) for message in error.messages)) from None
    return Status(201, attachment_payload(attachment))
