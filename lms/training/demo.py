"""The demo training programme for ``seed_demo``: a qualified institution, an approved plan, a
class in progress (sessions yesterday, today and tomorrow, with some attendance and leave) and a
class that is enrolling. Development only.

Running it again moves the demo classes so that the one in progress is always on its second day,
and duplicates nothing.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lms.accounts.demo import demo_id_number, demo_phone
from lms.accounts.models import Region, TraineeProfile
from lms.attendance.models import AttendanceRecord, LeaveRequest
from lms.enrolment.models import ClassEnrolment, RegistrarArea

from .models import (
    ClassSession,
    Institution,
    Lecturer,
    PlanEvent,
    TrainingClass,
    TrainingPlan,
    Venue,
    VenueKind,
)
from .validators import credit_code_check_char

INSTITUTION_CREDIT_BODY = "52430521MJ1234567"  # a private non-enterprise unit in the demo county
PLAN_CODE = "SD-2026-CJ"
CLASS_IN_PROGRESS = "SD-2026-CJ-01"
CLASS_ENROLLING = "SD-2026-CJ-02"

# Extra trainees of the class in progress, registered by the demo registrar (no accounts):
# real name, gender, born, education, computer skill, category, (township index, village index).
EXTRA_TRAINEES = [
    ("李春燕", "female", datetime.date(1992, 4, 2), "junior_high", "basic", "rural_youth", (0, 1)),
    ("王建军", "male", datetime.date(1985, 9, 17), "senior_high", "basic", "village_cadre", (0, 2)),
    (
        "刘桂香",
        "female",
        datetime.date(1990, 1, 25),
        "junior_high",
        "basic",
        "agri_business_staff",
        (1, 0),
    ),
    ("陈志明", "male", datetime.date(1998, 7, 9), "college", "proficient", "rural_youth", (1, 2)),
    (
        "杨秋菊",
        "female",
        datetime.date(1987, 12, 30),
        "senior_high",
        "basic",
        "agri_business_staff",
        (2, 1),
    ),
    ("赵国庆", "male", datetime.date(1982, 10, 1), "junior_high", "basic", "village_cadre", (2, 2)),
    (
        "孙丽娟",
        "female",
        datetime.date(1994, 5, 20),
        "senior_high",
        "proficient",
        "rural_youth",
        (3, 0),
    ),
    (
        "周永福",
        "male",
        datetime.date(1989, 3, 14),
        "junior_high",
        "basic",
        "agri_business_staff",
        (3, 1),
    ),
    ("吴海燕", "female", datetime.date(1996, 8, 8), "college", "proficient", "rural_youth", (3, 2)),
    ("郑和平", "male", datetime.date(1984, 6, 6), "senior_high", "basic", "village_cadre", (0, 0)),
]

# (day index, start, end, kind, title)
SESSIONS = [
    (0, (9, 0), (11, 30), "theory", "开班仪式与农村电商政策解读"),
    (0, (14, 0), (17, 0), "practice", "网店注册与店铺装修实操"),
    (1, (9, 0), (11, 30), "theory", "农产品选品与定价：脐橙案例"),
    (1, (14, 0), (17, 0), "practice", "商品标题优化与主图拍摄实操"),
    (2, (9, 0), (11, 30), "theory", "短视频与直播带货：茶油案例"),
    (2, (14, 0), (16, 30), "practice", "订单处理、物流与客服实操"),
]


def seed_training(stdout=None):
    """Create or refresh the demo programme. Returns the class in progress."""
    users = {user.username: user for user in get_user_model().objects.filter(is_demo=True)}
    today = timezone.localdate()
    with transaction.atomic():
        institution = _institution(users)
        classroom, computer_room = _venues(institution)
        lecturers = list(Lecturer.objects.filter(user__username="lecturer")) or list(
            Lecturer.objects.all()[:1]
        )
        for lecturer in lecturers:
            lecturer.institutions.add(institution)
        plan = _plan(institution, [classroom, computer_room], lecturers, users, today)
        running = _class(
            plan,
            CLASS_IN_PROGRESS,
            "2026年第1期初级电商人才培训班",
            today - datetime.timedelta(days=1),
            TrainingClass.Status.IN_PROGRESS,
            users,
            lecturers,
        )
        _sessions(running, classroom, computer_room, lecturers)
        _class(
            plan,
            CLASS_ENROLLING,
            "2026年第2期初级电商人才培训班",
            today + datetime.timedelta(days=14),
            TrainingClass.Status.ENROLLING,
            users,
            lecturers,
        )
        _registrar_areas(users)
        enrolments = _enrolments(running, users)
        _attendance_and_leave(running, enrolments, users, today)
    if stdout is not None:
        stdout.write(
            f"Demo training: {institution}, plan {plan.code} v{plan.revision}, "
            f"class {running.code} with {len(enrolments)} trainees."
        )
    return running


def _institution(users):
    institution, _ = Institution.objects.update_or_create(
        credit_code=INSTITUTION_CREDIT_BODY + credit_code_check_char(INSTITUTION_CREDIT_BODY),
        defaults={
            "legal_name": "邵东县电子商务职业培训学校",
            "contact_person": "刘志强",
            "contact_phone": "07393000001",
            "address": "邵东县大禾塘街道人民路88号",
            "legal_personality_met": True,
            "legal_personality_note": "民办非企业单位登记证书，独立法人。",
            "clean_record_met": True,
            "clean_record_note": "信用中国查询无不良记录（近5年）。",
            "capacity_met": True,
            "capacity_note": "2023年以来承办农村电商培训12期，结业学员560人。",
            "teaching_team_met": True,
            "teaching_team_note": (
                "专兼职讲师8人；理论教室2间、机房1间（60台电脑）；合作宾馆提供住宿。"
            ),
        },
    )
    if institution.status != Institution.Status.QUALIFIED:
        from .actions import do_change_institution_status

        do_change_institution_status(
            institution,
            Institution.Status.QUALIFIED,
            reason="四项条件经县商务局审核全部符合。",
            acting_user=users.get("commerce"),
        )
    if "institution" in users:
        # Parental many-to-many fields are written when their owner is saved.
        institution.staff.add(users["institution"])
        institution.save()
    return institution


def _venues(institution):
    classroom, _ = Venue.objects.update_or_create(
        institution=institution,
        name="理论教室301",
        defaults={"kind": VenueKind.CLASSROOM, "address": "培训楼三楼301室", "seats": 60},
    )
    computer_room, _ = Venue.objects.update_or_create(
        institution=institution,
        name="电商实训机房",
        defaults={"kind": VenueKind.COMPUTER_ROOM, "address": "培训楼二楼", "seats": 60},
    )
    return classroom, computer_room


def _plan(institution, venues, lecturers, users, today):
    from courses_content.models import CoursePage

    start, end = today - datetime.timedelta(days=30), today + datetime.timedelta(days=120)
    plan = TrainingPlan.objects.filter(institution=institution, code=PLAN_CODE).first()
    if plan is None:
        plan = TrainingPlan.objects.create(
            institution=institution,
            code=PLAN_CODE,
            title="2026年邵东县初级电商人才培训方案",
            tier="primary",
            number_of_classes=4,
            trainees_per_class=50,
            start_date=start,
            end_date=end,
            days_per_class=3,
            content_summary=(
                "面向农村电商从业人员、合作社和家庭农场人员，每期3天，理论课在理论教室、"
                "实操课在机房，一课一案。"
            ),
            categories=[],
            village_quota=10,
            status=TrainingPlan.Status.APPROVED,
            submitted_at=timezone.now(),
            decided_at=timezone.now(),
            decided_by=users.get("commerce"),
            decision_comment="方案内容、人数和时间安排符合要求，同意实施。",
            created_by=users.get("institution"),
        )
        PlanEvent.objects.create(plan=plan, action="submitted", actor=users.get("institution"))
        PlanEvent.objects.create(
            plan=plan,
            action="approved",
            actor=users.get("commerce"),
            comment=plan.decision_comment,
        )
    elif plan.start_date > start or plan.end_date < end:
        # The demo moves with the calendar; a real approved plan never changes.
        TrainingPlan.objects.filter(pk=plan.pk).update(start_date=start, end_date=end)
        plan.refresh_from_db()
    courses = CoursePage.objects.filter(path__startswith=_tier_path("primary")).live()
    plan.courses.set(courses)
    plan.venues.set(venues)
    plan.lecturers.set(lecturers)
    plan.save()
    return plan


def _tier_path(tier):
    from courses_content.models import TierPage

    page = TierPage.objects.filter(tier=tier).first()
    return page.path if page is not None else "-"


def _class(plan, code, name, start, status, users, lecturers):
    end = start + datetime.timedelta(days=plan.days_per_class - 1)
    training_class, created = TrainingClass.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "plan": plan,
            "institution": plan.institution,
            "tier": plan.tier,
            "capacity": 50,
            "start_date": start,
            "end_date": end,
            "head_teacher": users.get("headteacher"),
            "status": status,
        },
    )
    if created:
        TrainingClass.objects.filter(pk=training_class.pk).update(status_changed_at=timezone.now())
    training_class.lecturers.set(lecturers)
    training_class.save()
    return training_class


def _sessions(training_class, classroom, computer_room, lecturers):
    from courses_content.models import LessonPage

    lessons = list(
        LessonPage.objects.live()
        .filter(path__startswith=_tier_path("primary"))
        .order_by("path")[: len(SESSIONS)]
    )
    existing = list(training_class.sessions.order_by("date", "starts_at", "pk"))
    for index, (day, start, end, kind, title) in enumerate(SESSIONS):
        session = (
            existing[index]
            if index < len(existing)
            else ClassSession(training_class=training_class)
        )
        session.date = training_class.start_date + datetime.timedelta(days=day)
        session.starts_at = datetime.time(*start)
        session.ends_at = datetime.time(*end)
        session.kind = kind
        session.title = title
        session.venue = classroom if kind == "theory" else computer_room
        session.lecturer = lecturers[0] if lecturers else None
        session.save()
        if index < len(lessons):
            # A parental many-to-many field outside a cluster is written by commit().
            session.lessons.set([lessons[index]])
            session.lessons.commit()


def _registrar_areas(users):
    registrar = users.get("registrar")
    if registrar is None:
        return
    for township in Region.objects.filter(level=Region.Level.TOWNSHIP).order_by("code")[:2]:
        RegistrarArea.objects.get_or_create(registrar=registrar, region=township)


def _enrolments(training_class, users):
    from lms.accounts.demo import DEMO_TOWNSHIPS

    registrar = users.get("registrar")
    profiles = list(
        TraineeProfile.objects.filter(user__username__in=["trainee", "trainee2"]).order_by(
            "user__username"
        )
    )
    for sequence, row in enumerate(EXTRA_TRAINEES, start=20):
        real_name, gender, born, education, skill, category, (town, village_index) = row
        village_code = f"{DEMO_TOWNSHIPS[town][0]}{village_index + 1:03d}"
        village = Region.objects.get(code=village_code)
        id_number = demo_id_number(village.code, born, sequence, gender)
        profile, _ = TraineeProfile.objects.update_or_create(
            id_number=id_number,
            defaults={
                "real_name": real_name,
                "gender": gender,
                "date_of_birth": born,
                "phone": demo_phone(sequence),
                "education": education,
                "computer_skill": skill,
                "category": category,
                "village": village,
                "registered_by": registrar,
            },
        )
        profiles.append(profile)
    committee = {0: "monitor", 1: "study", 2: "life", 3: "discipline"}
    enrolments = []
    for index, profile in enumerate(profiles):
        enrolment, _ = ClassEnrolment.objects.update_or_create(
            training_class=training_class,
            profile=profile,
            defaults={
                "status": ClassEnrolment.Status.ENROLLED,
                "source": ClassEnrolment.Source.REGISTRAR,
                "committee_role": committee.get(index, ""),
                "registered_by": registrar,
            },
        )
        enrolments.append(enrolment)
    return enrolments


def _attendance_and_leave(training_class, enrolments, users, today):
    """Yesterday's sessions are marked (most present, one late, one on leave, one absent);
    the second demo trainee has asked for leave from tomorrow afternoon."""
    head_teacher = users.get("headteacher")
    sessions = list(training_class.sessions.order_by("date", "starts_at"))
    yesterday = [s for s in sessions if s.date < today]
    on_leave = enrolments[-1] if enrolments else None
    if on_leave is not None and yesterday:
        leave = LeaveRequest.objects.filter(enrolment=on_leave).first()
        if leave is None:
            leave = LeaveRequest.objects.create(
                enrolment=on_leave,
                reason="家中老人住院，需陪护一天。",
                status=LeaveRequest.Status.APPROVED,
                decided_by=head_teacher,
                decided_at=timezone.now(),
                decision_comment="同意，请注意补学课程内容。",
            )
        leave.sessions.set(yesterday)
    for session in yesterday:
        for index, enrolment in enumerate(enrolments):
            if enrolment == on_leave:
                status, source = AttendanceRecord.Status.ON_LEAVE, AttendanceRecord.Source.LEAVE
            elif index == len(enrolments) - 2:
                status, source = (
                    AttendanceRecord.Status.ABSENT,
                    AttendanceRecord.Source.HEAD_TEACHER,
                )
            elif index == 3 and session == yesterday[0]:
                status, source = AttendanceRecord.Status.LATE, AttendanceRecord.Source.CHECK_IN
            else:
                status, source = AttendanceRecord.Status.PRESENT, AttendanceRecord.Source.CHECK_IN
            checked_in = None
            if source == AttendanceRecord.Source.CHECK_IN:
                minutes = 20 if status == AttendanceRecord.Status.LATE else -5 + index % 5
                checked_in = session.starts() + datetime.timedelta(minutes=minutes)
            AttendanceRecord.objects.update_or_create(
                session=session,
                enrolment=enrolment,
                defaults={
                    "status": status,
                    "source": source,
                    "checked_in_at": checked_in,
                    "marked_by": head_teacher if source != "check_in" else None,
                },
            )
    tomorrow = [s for s in sessions if s.date > today]
    trainee2 = next(
        (e for e in enrolments if e.profile.user_id and e.profile.user.username == "trainee2"), None
    )
    pending = trainee2 is not None and tomorrow
    if pending and not LeaveRequest.objects.filter(enrolment=trainee2).exists():
        leave = LeaveRequest.objects.create(
            enrolment=trainee2, reason="合作社明天下午有一批脐橙要发货，需回去组织装车。"
        )
        leave.sessions.set(tomorrow[-1:])
