"""Downloads of chat pictures and files, checked per room.

Everything is served through Django (never straight from ``/media/``) so that only the room's
readers get it: members, commerce officers and administrators. A picture or file is shown once
it has been sent in a message; before that only its uploader sees it, and after a moderator
deletes the message only the room's moderators do. Anyone else gets the same 404 as for an
unknown id. Mobile clients may send ``Authorization: Bearer <token>`` instead of the cookie.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .models import ChatAttachment, ChatMessage
from .uploads import may_moderate, may_read


def _user(request):
    user = request.user
    if user.is_authenticated:
        return user if user.is_active else None
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        from lms.api import BearerTokenAuth

        api_user = BearerTokenAuth().authenticate(request, token.strip())
        if api_user is not None and api_user.is_active:
            return api_user
    return None


def access_attachment(user, attachment_id):
    """The attachment if ``user`` may see it; the same 404 for unknown and others' ids."""
    not_found = Http404(_("No such picture or file."))
    try:
        attachment = ChatAttachment.objects.select_related(
            "room__training_class__institution", "room__training_class__head_teacher"
        ).get(pk=int(attachment_id))
    except (ChatAttachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise not_found from None
    room = attachment.room
    if not may_read(user, room):
        raise not_found
    messages = ChatMessage.objects.filter(attachment=attachment)
    if messages.filter(deleted_at__isnull=True).exists():
        return attachment
    if messages.exists():  # every message showing it was deleted: moderators may review it
        if may_moderate(user, room):
            return attachment
        raise not_found
    if attachment.uploaded_by_id == user.pk:  # uploaded, not sent yet
        return attachment
    raise not_found


def _serve(request, attachment_id, *, phone):
    user = _user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    attachment = access_attachment(user, attachment_id)
    is_image = attachment.kind == ChatAttachment.Kind.IMAGE
    if phone:
        if not (is_image and attachment.phone_rendition):
            raise Http404(_("No such picture or file."))
        stored, content_type = attachment.phone_rendition, "image/webp"
        name = attachment.original_name.rsplit(".", 1)[0] + ".webp"
    else:
        stored, content_type = attachment.file, attachment.content_type
        name = attachment.original_name
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("No such picture or file.")) from None
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not is_image,
        filename=name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser were talked into rendering it, the document gets no script or origin.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # The stored bytes never change; only this person's browser may keep them.
    response["Cache-Control"] = "private, max-age=86400"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_safe
def attachment(request, attachment_id):
    """The stored picture (re-encoded, without metadata) or file."""
    return _serve(request, attachment_id, phone=False)


@require_safe
def attachment_phone(request, attachment_id):
    """The phone-sized rendition of a picture (WebP, at most 1080 px on the long side)."""
    return _serve(request, attachment_id, phone=True)
