"""The class chat's part of the training file (培训档案): the room's whole history as a workbook.

Registered from ``LiveConfig.ready`` with ``lms.trainingfile.sections.register_section``.
Deleted messages appear as tombstones (who deleted them and when), never with their text.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.trainingfile.documents import Report, Table
from lms.trainingfile.records import person
from lms.trainingfile.sections import Output, class_caption

from .models import ChatMessage


def build_chat(record):
    messages = (
        ChatMessage.objects.filter(room__training_class=record.training_class)
        .select_related("sender", "attachment", "deleted_by", "pinned_by")
        .order_by("id")
    )
    rows = []
    for message in messages:
        if message.deleted_at is not None:
            text = _("(deleted by %(who)s at %(when)s)") % {
                "who": person(message.deleted_by),
                "when": timezone.localtime(message.deleted_at).strftime("%Y-%m-%d %H:%M"),
            }
            attachment = ""
        else:
            text = message.text
            attachment = message.attachment.original_name if message.attachment else ""
        rows.append(
            [
                message.pk,
                timezone.localtime(message.sent_at).replace(tzinfo=None),
                person(message.sender) or _("System"),
                message.get_kind_display(),
                text,
                attachment,
                _("Yes") if message.pinned_at and message.deleted_at is None else "",
            ]
        )
    report = Report(
        title=_("Class chat history"),
        subtitle=class_caption(record),
        blocks=[
            Table(
                sheet=_("Chat"),
                headers=[
                    _("Number"),
                    _("Sent at"),
                    _("Sender"),
                    _("Kind"),
                    _("Message"),
                    _("Attachment"),
                    _("Pinned"),
                ],
                rows=rows,
                empty_text=_("No messages."),
            )
        ],
    )
    return [Output("07-chat.xlsx", _("The class chat's messages, oldest first"), report)]


def register():
    from lms.trainingfile.sections import register_section

    register_section("chat", title=gettext_lazy("Class chat"), order=70, build=build_chat)
