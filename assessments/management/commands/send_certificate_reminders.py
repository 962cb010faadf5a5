"""Daily: the automatic issue for classes whose rule asks for it, then renewal reminders.

Run once a day (cron or a systemd timer): ``manage.py send_certificate_reminders``. Running it
twice issues and reminds nothing twice. Holders registered without an account get their
reminders too (through the SMS and e-mail hooks) and are counted apart. A class whose automatic
issue fails is logged and named on stderr; the other classes and the reminders still go ahead,
and the command then exits with an error so cron reports it.
"""

import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assessments.actions import certificates as actions
from lms.training.models import TrainingClass

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Issue automatic certificates and create the certificate renewal reminders due today."

    def handle(self, *args, **options):
        today = timezone.localdate()
        issued = 0
        failed = []
        classes = TrainingClass.objects.filter(
            completion_rule__issue_automatically=True,
            status__in=[
                TrainingClass.Status.IN_PROGRESS,
                TrainingClass.Status.FINISHED,
            ],
            end_date__lte=today,
        ).order_by("pk")
        for training_class in classes:
            try:
                issued += len(actions.issue_automatically(training_class))
            except Exception:
                logger.exception("Automatic certificate issue failed for %s", training_class.code)
                failed.append(training_class.code)
                self.stderr.write(f"automatic issue failed for class {training_class.code}")
        reminders = actions.do_send_reminders(today)
        without_account = sum(1 for reminder in reminders if reminder.user_id is None)
        if options["verbosity"] >= 1:  # cron: -v0 mails only failures
            self.stdout.write(
                f"reminders: {len(reminders)} ({without_account} to holders without an account), "
                f"certificates issued: {issued}"
            )
        if failed:
            raise CommandError(f"automatic issue failed for {len(failed)} class(es)")
