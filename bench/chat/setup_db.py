"""Create 10 classes x 50 enrolled trainees with Bearer tokens for the chat benchmark.

Run with the benchmark's settings; prints JSON ``{"rooms": [{"class_id", "tokens": [...]}]}``
to the file named on the command line. Safe to run again (on PostgreSQL the rows are reused
and fresh tokens issued)::

    DJANGO_SETTINGS_MODULE=bench.chat.settings python -m bench.chat.setup_db out.json
"""

import datetime
import json
import os
import sys


def build(rooms, members):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from live.models import ChatRoom
    from lms.accounts.actions import do_issue_api_token, do_set_roles
    from lms.accounts.demo import demo_id_number
    from lms.accounts.models import TraineeProfile
    from lms.enrolment.models import ClassEnrolment
    from lms.training.models import TrainingClass
    from tests.factories import VillageFactory
    from tests.factories.training import make_class, make_plan

    User = get_user_model()
    out = []
    with transaction.atomic():
        village = VillageFactory()
        plan = None
        for c in range(rooms):
            code = f"CHATBENCH-{c}"
            training_class = TrainingClass.objects.filter(code=code).first()
            if training_class is None:
                plan = plan or make_plan(number_of_classes=rooms)
                training_class = make_class(plan, code=code, name=f"Chat benchmark class {c}")
            ChatRoom.objects.get_or_create(training_class=training_class)
            tokens = []
            born = datetime.date(1990, 1, 1) + datetime.timedelta(days=c)
            for m in range(members):
                username = f"chatbench-{c}-{m}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = User(username=username, first_name=f"{m}", last_name=f"Bench{c}")
                    user.set_unusable_password()
                    user.save()
                    do_set_roles(user, ["trainee"], acting_user=None)
                    profile = TraineeProfile.objects.create(
                        user=user,
                        real_name=f"Bench {c}-{m}",
                        gender="female",
                        date_of_birth=born,
                        id_number=demo_id_number("430599", born, m + 1, "female"),
                        phone=f"137{c:03d}{m:05d}",
                        education=TraineeProfile.Education.SENIOR_HIGH,
                        computer_skill=TraineeProfile.ComputerSkill.BASIC,
                        category=TraineeProfile.Category.RURAL_YOUTH,
                        village=village,
                    )
                    ClassEnrolment.objects.create(
                        training_class=training_class,
                        profile=profile,
                        status=ClassEnrolment.Status.ENROLLED,
                        source=ClassEnrolment.Source.REGISTRAR,
                    )
                _, raw = do_issue_api_token(user, "chat benchmark", acting_user=None)
                tokens.append(raw)
            out.append({"class_id": training_class.pk, "tokens": tokens})
    return {"rooms": out}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.chat.settings")
    import django

    django.setup()
    rooms = int(os.environ.get("BENCH_CHAT_ROOMS", "10"))
    members = int(os.environ.get("BENCH_CHAT_MEMBERS", "50"))
    data = build(rooms, members)
    with open(sys.argv[1], "w") as f:
        json.dump(data, f)
