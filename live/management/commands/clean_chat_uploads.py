"""Delete chat uploads that were never sent in a message (run it daily; see docs/chat-uploads.md).

``manage.py clean_chat_uploads`` removes attachments older than ``CHAT_UNSENT_UPLOAD_HOURS``
(24 by default) that no message uses, with their files, and prints how many went.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from live.uploads import delete_unsent_attachments


class Command(BaseCommand):
    help = "Delete class chat pictures and files that were uploaded but never sent."

    def handle(self, *args, **options):
        count = delete_unsent_attachments()
        if options["verbosity"] >= 1:
            self.stdout.write(
                ngettext(
                    "Deleted %(count)s unsent chat picture or file.",
                    "Deleted %(count)s unsent chat pictures and files.",
                    count,
                )
                % {"count": count}
            )
