"""Compile ``locale/*/LC_MESSAGES/*.po`` to ``.mo`` in pure Python.

Django's ``compilemessages`` needs GNU gettext from the system; this does the
same with polib so ``make run`` and ``make test`` work on a machine that has
only Python. Only catalogues that changed are rewritten.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po catalogues to .mo without GNU gettext."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as error:
                    raise CommandError(f"{po_path}: {error}") from error
                catalogue.save_as_mofile(str(mo_path))
                compiled += 1
                if options["verbosity"] >= 2:
                    self.stdout.write(f"compiled {po_path}")
        if options["verbosity"] >= 1:
            self.stdout.write(f"{compiled} catalogue(s) compiled.")
