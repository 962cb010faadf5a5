"""``manage.py seed_demo``: the demo county, one account per role, the demo curricula and the
demo training programme (institution, approved plan, a class in progress, a class enrolling).

Safe to run again: nothing is duplicated and unchanged pages get no new revisions.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessments.demo import seed_certificates, seed_exams
from courses_content.demo import seed_curricula
from live.demo import seed_chat
from lms.accounts import demo
from lms.accounts.actions import do_set_roles
from lms.accounts.models import Region, TraineeProfile, User
from lms.audit.actions import acting_as
from lms.training.demo import seed_training


class Command(BaseCommand):
    help = (
        "Create the demo county, its townships and villages, one account per role, and the "
        "demo curricula (tiers, courses, lessons, cases, lecturers) and the demo training "
        "programme (institution, plan, classes, enrolments, attendance)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-curricula",
            action="store_true",
            help="Only the county and the accounts; skip the demo curricula (faster).",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_ACCOUNTS_ENABLED:
            raise CommandError(
                "Demo accounts are disabled in these settings (production refuses them)."
            )
        with transaction.atomic():
            villages = self.seed_regions()
            self.seed_staff()
            self.seed_trainees(villages)
            if not options["without_curricula"]:
                seed_curricula(stdout=self.stdout)
            running = seed_training(stdout=self.stdout)
            seed_chat(running, stdout=self.stdout)
            seed_exams(running, stdout=self.stdout)
            seed_certificates(running, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {Region.objects.count()} regions, "
                f"{User.objects.filter(is_demo=True).count()} demo accounts "
                f"(password {settings.DEMO_PASSWORD})."
            )
        )

    def seed_regions(self):
        code, name = demo.DEMO_COUNTY
        county, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": Region.Level.COUNTY, "parent": None}
        )
        villages = []
        for township_code, township_name, village_names in demo.DEMO_TOWNSHIPS:
            township, _ = Region.objects.update_or_create(
                code=township_code,
                defaults={"name": township_name, "level": Region.Level.TOWNSHIP, "parent": county},
            )
            row = []
            for index, village_name in enumerate(village_names, start=1):
                village, _ = Region.objects.update_or_create(
                    code=f"{township_code}{index:03d}",
                    defaults={
                        "name": village_name,
                        "level": Region.Level.VILLAGE,
                        "parent": township,
                    },
                )
                row.append(village)
            villages.append(row)
        return villages

    def demo_user(self, username, first_name, last_name, superuser=False):
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = first_name
        user.last_name = last_name
        user.is_demo = True
        user.is_active = True
        user.is_superuser = superuser
        user.is_staff = superuser
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        return user

    def seed_staff(self):
        for username, roles, first_name, last_name, superuser in demo.DEMO_STAFF:
            user = self.demo_user(username, first_name, last_name, superuser)
            do_set_roles(user, roles, acting_user=None)

    def seed_trainees(self, villages):
        registrar = User.objects.get(username="registrar")
        for sequence, row in enumerate(demo.DEMO_TRAINEES, start=1):
            username, roles, real_name, gender, born, education, skill, category, place = row
            user = self.demo_user(username, real_name[1:], real_name[0])
            do_set_roles(user, roles, acting_user=None)
            village = villages[place[0]][place[1]]
            fields = {
                "real_name": real_name,
                "gender": gender,
                "date_of_birth": born,
                "id_number": demo.demo_id_number(village.code, born, sequence, gender),
                "phone": demo.demo_phone(sequence),
                "education": education,
                "computer_skill": skill,
                "category": category,
                "employer": "",
                "village": village,
                "registered_by": registrar,
            }
            profile = TraineeProfile.objects.filter(user=user).first() or TraineeProfile(user=user)
            for field, value in fields.items():
                setattr(profile, field, value)
            profile.full_clean()
            with acting_as(registrar):
                profile.save()
