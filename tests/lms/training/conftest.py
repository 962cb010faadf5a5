import itertools
from types import SimpleNamespace

import pytest

from lms.training.models import Institution
from lms.training.validators import credit_code_check_char

_serial = itertools.count(1)


def make_credit_code(number=None):
    """A valid credit code: a company (91) in county 430599 with the given serial number."""
    body = f"91430599{number if number is not None else next(_serial):09d}"
    return body + credit_code_check_char(body)


@pytest.fixture
def make_institution(db):
    def make(*, all_met=False, **fields):
        defaults = {
            "legal_name": f"培训机构{next(_serial)}",
            "credit_code": make_credit_code(),
            "contact_person": "李四",
            "contact_phone": "13800000001",
            "address": "测试县人民路1号",
        }
        if all_met:
            for name in ("legal_personality", "clean_record", "capacity", "teaching_team"):
                defaults[f"{name}_met"] = True
        defaults.update(fields)
        return Institution.objects.create(**defaults)

    return make


# --- A small world for plans, classes and the admin ------------------------------------------
#
# Two qualified institutions, A and B, each with a staff member, a classroom and a computer
# room; the primary tier's curricula (one course, two lessons) and the cadre tier's (one
# course); two lecturers; an approved plan of A's. Builders from ``tests.factories.training``.


@pytest.fixture
def curriculum(db):
    """Tiers, courses and lessons added straight to the tree (live, without revisions: these
    tests need the tree, not the publishing workflow)."""
    from decimal import Decimal

    from courses_content.models import CoursePage, LessonPage, TierPage
    from tests.factories.curriculum import curriculum_index, lesson_body, make_case

    index = curriculum_index()
    case = make_case()

    def tier(code, title):
        return index.add_child(
            instance=TierPage(
                title=title,
                slug=code,
                tier=code,
                audience="—",
                aims="<p>—</p>",
                who_may_enrol="<p>—</p>",
            )
        )

    def course(parent, title, slug):
        return parent.add_child(
            instance=CoursePage(
                title=title,
                slug=slug,
                summary="—",
                learning_outcomes="<p>—</p>",
                hours=Decimal("16"),
                theory_hours=Decimal("6"),
                practice_hours=Decimal("10"),
            )
        )

    def lesson(parent, title, slug):
        return parent.add_child(instance=LessonPage(title=title, slug=slug, body=lesson_body(case)))

    primary = tier("primary", "初级培训")
    primary_course = course(primary, "淘宝天猫基础实操", "taobao")
    lessons = [lesson(primary_course, "开店", "open"), lesson(primary_course, "标题", "title")]
    cadre = tier("cadre", "干部培训")
    cadre_course = course(cadre, "电商政策与趋势", "policy")
    return SimpleNamespace(
        primary=primary,
        course=primary_course,
        lessons=lessons,
        cadre=cadre,
        cadre_course=cadre_course,
        cadre_lesson=lesson(cadre_course, "政策解读", "policy-lesson"),
    )


@pytest.fixture
def world(db, make_user, curriculum):
    from lms.training.models import VenueKind
    from tests.factories import training as build

    staff_a = make_user("institution_staff", username="staff_a")
    staff_b = make_user("institution_staff", username="staff_b")
    a = build.make_institution(legal_name="甲培训学校")
    b = build.make_institution(legal_name="乙培训学校")
    for institution, staff in ((a, staff_a), (b, staff_b)):
        # ParentalManyToMany values are written on save.
        institution.staff.set([staff])
        institution.save()
    lecturer = build.make_lecturer("王老师")
    other_lecturer = build.make_lecturer("赵老师")
    classroom = build.make_venue(a, VenueKind.CLASSROOM, name="甲理论教室")
    computer_room = build.make_venue(a, VenueKind.COMPUTER_ROOM, name="甲机房")
    b_classroom = build.make_venue(b, VenueKind.CLASSROOM, name="乙理论教室")
    plan = build.make_plan(
        a,
        code="A-2026",
        courses=[curriculum.course],
        venues=[classroom, computer_room],
        lecturers=[lecturer],
        number_of_classes=2,
        trainees_per_class=40,
    )
    head_teacher = make_user("head_teacher", username="head_teacher")
    return SimpleNamespace(
        a=a,
        b=b,
        staff_a=staff_a,
        staff_b=staff_b,
        lecturer=lecturer,
        other_lecturer=other_lecturer,
        classroom=classroom,
        computer_room=computer_room,
        b_classroom=b_classroom,
        plan=plan,
        head_teacher=head_teacher,
        curriculum=curriculum,
    )


def session_data(index, session=None, **values):
    """POST data for one inline session form of the class editor."""
    data = {
        "id": session.pk if session is not None else "",
        "date": "",
        "starts_at": "09:00",
        "ends_at": "11:30",
        "kind": "theory",
        "title": "开网店实操",
        "venue": "",
        "lecturer": "",
        "lessons": [],
        "DELETE": "",
    }
    data.update(values)
    out = {}
    for key, value in data.items():
        if key == "DELETE" and not value:
            continue
        out[f"sessions-{index}-{key}"] = value
    return out


def class_form_data(*, sessions=(), initial_sessions=0, **values):
    """POST data for the class editor; ``sessions`` are dicts from ``session_data``."""
    data = {
        "code": "CLS-NEW",
        "name": "第一期初级电商培训班",
        "plan": "",
        "capacity": "40",
        "start_date": "",
        "end_date": "",
        "head_teacher": "",
        "lecturers": [],
        "sessions-TOTAL_FORMS": str(len(sessions)),
        "sessions-INITIAL_FORMS": str(initial_sessions),
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }
    data.update(values)
    for session in sessions:
        data.update(session)
    return data


def plan_form_data(world, **values):
    """POST data for the plan editor: a sound plan of institution A."""
    import datetime

    from django.utils import timezone

    start = timezone.localdate() + datetime.timedelta(days=10)
    data = {
        "institution": world.a.pk,
        "code": "A-NEW",
        "tier": "primary",
        "title": "2026年初级电商人才培训方案",
        "number_of_classes": "3",
        "trainees_per_class": "45",
        "days_per_class": "4",
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=90)).isoformat(),
        "courses": [world.curriculum.course.pk],
        "venues": [world.classroom.pk, world.computer_room.pk],
        "lecturers": [world.lecturer.pk],
        "content_summary": "理论课在理论教室，实操课在机房。",
        "min_age": "16",
        "max_age": "45",
        "min_education": "junior_high",
        "min_computer_skill": "basic",
        "categories": [],
        "village_quota": "10",
    }
    data.update(values)
    return data
