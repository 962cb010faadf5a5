"""``manage.py close_overdue_attempts``: submit every open attempt past its deadline.

Run it every minute (cron or a systemd timer), so results and the lecturers' grading queue do
not wait for the trainee to come back; attempts are also closed whenever they are next touched.
"""

from django.core.management.base import BaseCommand

from assessments.actions.attempts import do_close_overdue_attempts


class Command(BaseCommand):
    help = "Submit the exam attempts whose deadline has passed (run every minute)."

    def handle(self, *args, **options):
        closed = do_close_overdue_attempts()
        self.stdout.write(f"{closed} overdue attempt(s) submitted.")
