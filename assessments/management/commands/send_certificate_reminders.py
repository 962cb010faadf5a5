"""Daily: renewal reminders, and the automatic issue for classes whose rule asks for it.

Run once a day (cron or a systemd timer): ``manage.py send_certificate_reminders``.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from assessments.actions import certificates as actions
from lms.training.models import TrainingClass


class Command(BaseCommand):
    help = "Create certificate renewal reminders due today and issue automatic certificates."

    def handle(self, *args, **options):
        today = timezone.localdate()
        issued = 0
        classes = TrainingClass.objects.filter(
            completion_rule__issue_automatically=True,
            status__in=[
                TrainingClass.Status.IN_PROGRESS,
                TrainingClass.Status.FINISHED,
            ],
            end_date__lte=today,
        )
        for training_class in classes:
            issued += len(actions.issue_automatically(training_class))
        reminders = actions.do_send_reminders(today)
        self.stdout.write(f"reminders: {len(reminders)}, certificates issued: {issued}")
