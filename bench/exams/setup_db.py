"""One class of 50 enrolled trainees with Bearer tokens and an open exam of 20 questions, for
the exam benchmark. Prints JSON ``{"assignment_id", "tokens": [...]}`` to the named file::

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.exams.setup_db out.json
"""

import json
import os
import sys


def build(trainees):
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from lms.accounts.actions import do_issue_api_token
    from tests.factories.assessments import (
        make_assignment,
        make_bank_course,
        make_exam,
        make_question,
    )
    from tests.factories.training import make_class, make_enrolment

    kinds = ["single", "multiple", "true_false", "fill_in"]
    with transaction.atomic():
        course = make_bank_course("考试压测课程")
        questions = [
            make_question(course, kinds[n % 4], text=f"第{n + 1}题：商品标题优化的主要目的是什么？")
            for n in range(20)
        ]
        exam = make_exam(course, questions, time_limit_minutes=60)
        training_class = make_class()
        assignment = make_assignment(
            exam,
            training_class,
            opens_at=timezone.now() - datetime.timedelta(minutes=1),
            closes_at=timezone.now() + datetime.timedelta(hours=3),
        )
        tokens = []
        for _ in range(trainees):
            enrolment = make_enrolment(training_class, user=True)
            _token, raw = do_issue_api_token(
                enrolment.profile.user, "exam benchmark", acting_user=None
            )
            tokens.append(raw)
    return {"assignment_id": assignment.pk, "tokens": tokens}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    data = build(int(os.environ.get("BENCH_EXAM_TRAINEES", "50")))
    with open(sys.argv[1], "w") as f:
        json.dump(data, f)
