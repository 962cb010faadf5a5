"""A finished class with everything a training file records, made directly with the builders."""

import datetime
import io
import zipfile
from types import SimpleNamespace

import pytest
from django.utils import timezone

from lms.accounts.demo import demo_id_number
from lms.accounts.models import TraineeProfile
from lms.attendance.models import AttendanceCorrection, AttendanceRecord, LeaveRequest
from lms.enrolment.models import ClassEnrolment
from lms.evaluation.models import EvaluationReceipt, EvaluationResponse, LecturerRating
from lms.training.models import ClassSession, PlanEvent, TrainingClass, VenueKind
from lms.trainingfile.actions import do_request_build
from tests.factories import TraineeProfileFactory, UserFactory
from tests.factories.curriculum import make_course, make_lesson, make_tier
from tests.factories.training import (
    make_class,
    make_enrolment,
    make_institution,
    make_lecturer,
    make_plan,
    make_session,
    make_venue,
)

BIRTH_DATE = datetime.date(1995, 3, 12)
FULL_ID = demo_id_number("430599", BIRTH_DATE, 5, "female")
TRAINEE_NAME = "王小明"
CLASS_NAME = "第九期农村电商初级培训班"

Status = AttendanceRecord.Status


def add_trainees(training_class, count, *, start=0):
    enrolments = []
    for n in range(start, start + count):
        enrolments.append(
            make_enrolment(
                training_class, profile=TraineeProfileFactory(real_name=f"学员甲{n:02d}")
            )
        )
    return enrolments


def mark_all(training_class, enrolments, sessions, status=Status.PRESENT):
    AttendanceRecord.objects.bulk_create(
        AttendanceRecord(
            session=session,
            enrolment=enrolment,
            status=status,
            source=AttendanceRecord.Source.HEAD_TEACHER,
        )
        for session in sessions
        for enrolment in enrolments
    )


@pytest.fixture
def staff_user(db):
    return UserFactory(roles=["institution_staff"], username="jigou")


@pytest.fixture
def training_data(db, staff_user):
    """A finished class: 3 sessions (all ended), 3 enrolled trainees and one withdrawn, marks
    of every kind, a correction, approved leave and two evaluation answers."""
    institution = make_institution(legal_name="邵东县电子商务公共服务中心", staff=[staff_user])
    officer = UserFactory(roles=["commerce_officer"], username="shangwu")
    head = UserFactory(
        roles=["head_teacher"], username="banzhuren", first_name="老师", last_name="刘"
    )
    lecturer = make_lecturer("陈讲师", title="高级电商师", expertise="拼多多运营")
    classroom = make_venue(institution, VenueKind.CLASSROOM, name="一号理论教室")
    computer_room = make_venue(institution, VenueKind.COMPUTER_ROOM, name="二号机房")
    tier = make_tier()
    course = make_course(tier, "淘宝天猫基础实操")
    lesson = make_lesson(course, "商品标题优化")
    first_day = timezone.localdate() - datetime.timedelta(days=7)
    plan = make_plan(
        institution,
        title="2026年初级电商人才培训方案",
        start_date=first_day - datetime.timedelta(days=5),
        courses=[course],
        venues=[classroom, computer_room],
        lecturers=[lecturer],
        categories=["rural_youth", "village_cadre"],
        decided_by=officer,
        decision_comment="同意按方案实施",
    )
    PlanEvent.objects.create(plan=plan, action=PlanEvent.Action.SUBMITTED, actor=staff_user)
    PlanEvent.objects.create(
        plan=plan, action=PlanEvent.Action.APPROVED, actor=officer, comment="同意按方案实施"
    )
    training_class = make_class(
        plan,
        name=CLASS_NAME,
        code="SD-2026-09",
        start_date=first_day,
        status=TrainingClass.Status.FINISHED,
        head_teacher=head,
        lecturers=[lecturer],
    )
    sessions = [
        make_session(
            training_class, date=first_day, venue=classroom, lecturer=lecturer, lessons=[lesson]
        ),
        make_session(
            training_class,
            date=first_day,
            starts_at=datetime.time(14, 0),
            ends_at=datetime.time(17, 0),
            kind=ClassSession.Kind.PRACTICE,
            venue=computer_room,
            lecturer=lecturer,
            title="拼多多开店实操",
        ),
        make_session(
            training_class,
            date=first_day + datetime.timedelta(days=1),
            venue=classroom,
            title="农产品网络营销",
        ),
    ]
    wang = make_enrolment(
        training_class,
        profile=TraineeProfileFactory(
            real_name=TRAINEE_NAME,
            id_number=FULL_ID,
            gender=TraineeProfile.Gender.FEMALE,
            date_of_birth=BIRTH_DATE,
        ),
        committee_role=ClassEnrolment.CommitteeRole.MONITOR,
    )
    li = make_enrolment(
        training_class,
        profile=TraineeProfileFactory(
            real_name="李大华", education=TraineeProfile.Education.PRIMARY
        ),
        eligibility_override="村里推荐的带头人，实际能熟练使用电脑",
        source=ClassEnrolment.Source.ADMIN,
    )
    zhao = make_enrolment(training_class, profile=TraineeProfileFactory(real_name="赵晓"))
    gone = make_enrolment(
        training_class,
        profile=TraineeProfileFactory(real_name="钱退学"),
        status=ClassEnrolment.Status.WITHDRAWN,
        status_reason="外出务工，主动退出",
    )
    checked_in = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time(8, 55)))

    def mark(session, enrolment, status, **fields):
        return AttendanceRecord.objects.create(
            session=session,
            enrolment=enrolment,
            status=status,
            source=fields.pop("source", AttendanceRecord.Source.HEAD_TEACHER),
            marked_by=head,
            **fields,
        )

    # Wang: present (QR), present, present -> 100%.
    mark(sessions[0], wang, Status.PRESENT, source="check_in", checked_in_at=checked_in)
    mark(sessions[1], wang, Status.PRESENT)
    mark(sessions[2], wang, Status.PRESENT)
    # Li: late, absent (corrected from present), on leave -> 1 / 2 = 50%.
    mark(sessions[0], li, Status.LATE)
    corrected = mark(sessions[1], li, Status.ABSENT)
    AttendanceCorrection.objects.create(
        record=corrected,
        from_status=Status.PRESENT,
        to_status=Status.ABSENT,
        reason="误点为出勤，核对签到表后更正",
        corrected_by=head,
    )
    mark(sessions[2], li, Status.ON_LEAVE, source="leave")
    leave = LeaveRequest.objects.create(
        enrolment=li,
        reason="家中农忙",
        status=LeaveRequest.Status.APPROVED,
        decided_by=head,
        decided_at=timezone.now(),
        decision_comment="准假",
    )
    leave.sessions.set([sessions[2]])
    # Zhao: present, then never marked (counts as absent) -> 1 / 3.
    mark(sessions[0], zhao, Status.PRESENT)

    for enrolment in (wang, li):
        EvaluationReceipt.objects.create(
            enrolment=enrolment, training_class=training_class, submitted_on=first_day
        )
    first = EvaluationResponse.objects.create(
        training_class=training_class,
        content=5,
        organisation=4,
        venue=4,
        practicality=5,
        overall=5,
        comments="实操课很有帮助",
    )
    second = EvaluationResponse.objects.create(
        training_class=training_class,
        content=3,
        organisation=3,
        venue=2,
        practicality=4,
        overall=3,
        comments="",
    )
    LecturerRating.objects.create(response=first, lecturer=lecturer, score=5, comment="讲得清楚")
    LecturerRating.objects.create(response=second, lecturer=lecturer, score=4)
    return SimpleNamespace(
        institution=institution,
        plan=plan,
        training_class=training_class,
        sessions=sessions,
        enrolments={"wang": wang, "li": li, "zhao": zhao, "gone": gone},
        head=head,
        officer=officer,
        staff=staff_user,
        lecturer=lecturer,
    )


@pytest.fixture
def build(django_capture_on_commit_callbacks):
    """``build(training_class, user)``: request a build and run it as the request would."""

    def run(training_class, user=None):
        with django_capture_on_commit_callbacks(execute=True):
            training_file = do_request_build(training_class, acting_user=user)
        training_file.refresh_from_db()
        return training_file

    return run


def open_zip(training_file):
    with training_file.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def pdf_text(content):
    """The text of a PDF, with the whitespace pypdf puts between CJK glyphs taken out."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)
