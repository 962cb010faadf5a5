"""The demo exams and certificates for ``seed_demo`` (development only).

- a question bank for the demo class's first course (every kind of question);
- an end-of-course exam drawn at random from it, assigned to the class in progress and open
  today, so the ``trainee`` account can sit it;
- (with the certificates) a finished class whose trainees hold certificates, and the
  ``alumnus`` with a certificate due for renewal.

Safe to run again: rows are found by their text or code and not duplicated.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from .models import DrawRule, Exam, ExamAssignment, Question

OPTIONS = "ABCDEF"

# (topic, difficulty, kind, text, options, correct, points, rubric)
QUESTIONS = [
    (
        "标题优化",
        "easy",
        "single",
        "农产品网店的商品标题，最重要的是包含什么？",
        ["买家会搜索的关键词", "店主的名字", "尽量多的感叹号", "与商品无关的热门词"],
        ["A"],
        2,
        [],
    ),
    (
        "标题优化",
        "easy",
        "true_false",
        "为了多被搜到，可以在标题里堆砌与商品无关的热门词。",
        [],
        [False],
        2,
        [],
    ),
    (
        "标题优化",
        "medium",
        "multiple",
        "“赣南脐橙 当季现摘 5斤装 产地直发”这个标题包含了哪些要素？",
        ["产地", "规格", "卖点", "价格"],
        ["A", "B", "C"],
        3,
        [],
    ),
    (
        "主图拍摄",
        "easy",
        "single",
        "拍摄农产品主图时，最好的光线是？",
        ["柔和的自然光", "直射正午的阳光", "彩色灯光", "闪光灯直打"],
        ["A"],
        2,
        [],
    ),
    (
        "主图拍摄",
        "medium",
        "true_false",
        "主图第一张应当清楚地展示商品本身，而不是店铺的广告语。",
        [],
        [True],
        2,
        [],
    ),
    (
        "物流与售后",
        "easy",
        "fill_in",
        "生鲜农产品发货前要做好____，避免运输途中挤压破损。",
        [],
        ["包装", "防震包装", "打包"],
        2,
        [],
    ),
    (
        "物流与售后",
        "medium",
        "single",
        "买家收到的脐橙有几个坏果，最合适的处理是？",
        ["按坏果数量及时补发或退款", "让买家自己承担", "不予理会", "要求买家先给好评"],
        ["A"],
        2,
        [],
    ),
    (
        "平台规则",
        "medium",
        "multiple",
        "以下哪些行为违反电商平台规则？",
        ["刷单炒信", "虚假宣传", "如实描述商品", "诱导好评返现"],
        ["A", "B", "D"],
        3,
        [],
    ),
    (
        "平台规则",
        "hard",
        "short_answer",
        "简述农产品详情页应当写清楚哪些内容，为什么。",
        [],
        [],
        5,
        [
            {"criterion": "产地、规格与品质", "points": "3"},
            {"criterion": "物流与售后承诺", "points": "2"},
        ],
    ),
    (
        "开店实操",
        "hard",
        "practical",
        "在你的网店上架一款本地农产品：写好标题、上传主图、设置价格和运费，提交商品链接或截图。",
        [],
        [],
        10,
        [
            {"criterion": "标题包含产地、规格和卖点", "points": "4"},
            {"criterion": "主图清楚、真实", "points": "3"},
            {"criterion": "价格与运费设置合理", "points": "3"},
        ],
    ),
]

# A paper for every trainee: drawn from the bank by topic and difficulty.
DRAW = [
    ("标题优化", "easy", 2),
    ("标题优化", "medium", 1),
    ("主图拍摄", "easy", 1),
    ("主图拍摄", "medium", 1),
    ("物流与售后", "easy", 1),
    ("物流与售后", "medium", 1),
    ("平台规则", "medium", 1),
    ("平台规则", "hard", 1),
    ("开店实操", "hard", 1),
]

EXAM_TITLE = "初级电商人才培训结业考试"


def seed_exams(running, stdout=None):
    """The bank, the exam and its assignment to the class in progress ``running``."""
    course = running.plan.courses.order_by("path").first()
    if course is None:
        return None
    lecturer = running.lecturers.filter(user__isnull=False).first()
    author = lecturer.user if lecturer else running.head_teacher
    for topic, difficulty, kind, text, options, correct, points, rubric in QUESTIONS:
        Question.objects.update_or_create(
            course=course,
            text=text,
            defaults={
                "tier": running.tier,
                "topic": topic,
                "difficulty": difficulty,
                "kind": kind,
                "options": [
                    {"key": OPTIONS[n], "text": option} for n, option in enumerate(options)
                ],
                "correct": correct,
                "points": Decimal(points),
                "rubric": rubric,
                "created_by": author,
            },
        )
    exam, _ = Exam.objects.update_or_create(
        title=EXAM_TITLE,
        course=course,
        defaults={
            "tier": running.tier,
            "mode": Exam.Mode.RANDOM,
            "time_limit_minutes": 40,
            "attempts_allowed": 2,
            "grading_method": Exam.GradingMethod.HIGHEST,
            "pass_mark": Decimal("60"),
            "review": Exam.Review.AFTER_SUBMIT,
            "created_by": author,
        },
    )
    for topic, difficulty, count in DRAW:
        DrawRule.objects.update_or_create(
            exam=exam, topic=topic, difficulty=difficulty, defaults={"count": count}
        )
    today = timezone.localtime()
    opens = today.replace(hour=0, minute=0, second=0, microsecond=0)
    assignment, _ = ExamAssignment.objects.update_or_create(
        exam=exam,
        training_class=running,
        defaults={
            "opens_at": opens,
            "closes_at": opens + datetime.timedelta(days=2),
            "counts_for_completion": True,
            "assigned_by": running.head_teacher,
        },
    )
    if stdout is not None:
        stdout.write(
            f"Demo exams: {Question.objects.filter(course=course).count()} questions in "
            f"“{course.title}”, exam “{exam.title}” open for {running.code}."
        )
    return assignment


CLASS_FINISHED = "SD-2025-CJ-03"


def seed_certificates(running, stdout=None):
    """A finished class of 2025 whose trainees hold certificates, among them the ``alumnus``,
    whose certificate is inside its recertification window (due for renewal).

    The certificates are written with the issuing rules' own helpers (serial, code, validity)
    rather than through eligibility, because the demo keeps no attendance or exam history for
    that class.
    """
    from django.contrib.auth import get_user_model

    from lms.accounts.models import TraineeProfile
    from lms.enrolment.models import ClassEnrolment
    from lms.training.models import TrainingClass

    from .actions import certificates as rules
    from .models import Certificate

    today = timezone.localdate()
    policy = rules.policy_for(running.tier)
    # Issued so that it expires in about two months: inside the three-month window.
    issued_on = rules.add_months(today, 2 - policy.valid_months)
    start = issued_on - datetime.timedelta(days=2)
    finished, _ = TrainingClass.objects.update_or_create(
        code=CLASS_FINISHED,
        defaults={
            "name": "2025年第3期初级电商人才培训班",
            "plan": running.plan,
            "institution": running.institution,
            "tier": running.tier,
            "capacity": 50,
            "start_date": start,
            "end_date": issued_on,
            "head_teacher": running.head_teacher,
            "status": TrainingClass.Status.ARCHIVED,
            "status_changed_at": timezone.now(),
        },
    )
    finished.lecturers.set(running.lecturers.all())
    finished.save()
    users = get_user_model().objects.filter(is_demo=True)
    alumnus = users.filter(username="alumnus").first()
    profiles = list(
        TraineeProfile.objects.filter(user=alumnus)
        if alumnus is not None
        else TraineeProfile.objects.none()
    )
    # Three of the running class's extra trainees took part in 2025 too (without accounts).
    profiles += list(
        TraineeProfile.objects.filter(
            class_enrolments__training_class=running, user__isnull=True
        ).order_by("pk")[:3]
    )
    registrar = users.filter(username="registrar").first()
    for profile in profiles:
        ClassEnrolment.objects.update_or_create(
            training_class=finished,
            profile=profile,
            defaults={
                "status": ClassEnrolment.Status.ENROLLED,
                "source": ClassEnrolment.Source.REGISTRAR,
                "registered_by": registrar,
            },
        )
    held = set(
        Certificate.objects.filter(training_class=finished).values_list("profile_id", flat=True)
    )
    missing = [profile for profile in profiles if profile.pk not in held]
    if missing:
        serials = rules._next_serials(finished.tier, issued_on.year, len(missing))
        hours = rules.class_hours(finished)
        for profile, serial in zip(missing, serials, strict=True):
            Certificate.objects.create(
                code=rules._new_code(),
                serial=serial,
                profile=profile,
                training_class=finished,
                tier=finished.tier,
                holder_name=profile.real_name,
                hours=hours,
                course_start=finished.start_date,
                course_end=finished.end_date,
                issued_on=issued_on,
                valid_until=rules.add_months(issued_on, policy.valid_months),
                issued_by=running.head_teacher,
            )
    reminders = rules.do_send_reminders(today)
    if stdout is not None:
        stdout.write(
            f"Demo certificates: {len(profiles)} in {finished.code}, "
            f"{Certificate.objects.filter(training_class=finished).count()} held, "
            f"new reminders: {len(reminders)}."
        )
    return finished
