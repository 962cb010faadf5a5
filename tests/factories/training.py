"""Builders for institutions, plans, classes, sessions and enrolments.

They write rows directly, in the states tests start from (a qualified institution, an approved
plan, a class in progress); tests of the state changes themselves call the actions.
"""

import datetime
import itertools

from django.utils import timezone

from lms.enrolment.models import ClassEnrolment
from lms.training.models import (
    ClassSession,
    Institution,
    Lecturer,
    TrainingClass,
    TrainingPlan,
    Venue,
    VenueKind,
)
from lms.training.validators import credit_code_check_char

from . import TraineeProfileFactory, UserFactory

_serial = itertools.count(1)


def make_credit_code(number=None):
    """A valid credit code: a company (91) in county 430599 with the given serial number."""
    body = f"91430599{number if number is not None else next(_serial):09d}"
    return body + credit_code_check_char(body)


def make_institution(*, qualified=True, staff=(), **fields):
    n = next(_serial)
    values = {
        "legal_name": f"培训机构{n}",
        "credit_code": make_credit_code(),
        "contact_person": "李四",
        "contact_phone": "13800000001",
        "address": "测试县人民路1号",
    }
    if qualified:
        for name in ("legal_personality", "clean_record", "capacity", "teaching_team"):
            values[f"{name}_met"] = True
        values["status"] = Institution.Status.QUALIFIED
        values["status_changed_at"] = timezone.now()
    values.update(fields)
    institution = Institution.objects.create(**values)
    if staff:
        # Parental many-to-many fields are written when their owner is saved.
        institution.staff.set(staff)
        institution.save()
    return institution


def make_venue(institution, kind=VenueKind.CLASSROOM, **fields):
    values = {
        "name": f"{'理论教室' if kind == VenueKind.CLASSROOM else '机房'}{next(_serial)}",
        "kind": kind,
        "address": "测试县人民路1号",
        "seats": 60,
    }
    values.update(fields)
    return Venue.objects.create(institution=institution, **values)


def make_lecturer(name="王老师", user=None, **fields):
    return Lecturer.objects.create(name=name, user=user, **fields)


def make_plan(
    institution=None,
    *,
    status=TrainingPlan.Status.APPROVED,
    start_date=None,
    end_date=None,
    courses=(),
    venues=(),
    lecturers=(),
    **fields,
):
    """A plan revision; approved by default, running from today for 60 days."""
    institution = institution or make_institution()
    start_date = start_date or timezone.localdate() - datetime.timedelta(days=10)
    values = {
        "code": f"PLAN-{next(_serial)}",
        "title": "初级电商人才培训方案",
        "tier": "primary",
        "number_of_classes": 4,
        "trainees_per_class": 50,
        "start_date": start_date,
        "end_date": end_date or start_date + datetime.timedelta(days=60),
        "days_per_class": 3,
        "status": status,
    }
    if status in (TrainingPlan.Status.SUBMITTED, TrainingPlan.Status.APPROVED):
        values["submitted_at"] = timezone.now()
    if status == TrainingPlan.Status.APPROVED:
        values["decided_at"] = timezone.now()
    values.update(fields)
    plan = TrainingPlan.objects.create(institution=institution, **values)
    plan.courses.set(courses)
    plan.venues.set(venues)
    plan.lecturers.set(lecturers)
    plan.save()
    return plan


def make_class(
    plan=None,
    *,
    status=TrainingClass.Status.IN_PROGRESS,
    start_date=None,
    head_teacher=None,
    lecturers=(),
    **fields,
):
    """A class under ``plan`` (a new approved plan if none), starting today, plan's days long."""
    plan = plan or make_plan()
    start_date = start_date or timezone.localdate()
    n = next(_serial)
    values = {
        "code": f"CLS-{n}",
        "name": f"第{n}期初级电商培训班",
        "capacity": 50,
        "start_date": start_date,
        "end_date": start_date + datetime.timedelta(days=plan.days_per_class - 1),
        "status": status,
        "status_changed_at": timezone.now(),
    }
    values.update(fields)
    training_class = TrainingClass.objects.create(
        plan=plan,
        institution=plan.institution,
        tier=plan.tier,
        head_teacher=head_teacher,
        **values,
    )
    training_class.lecturers.set(lecturers)
    training_class.save()
    return training_class


def make_session(
    training_class,
    *,
    date=None,
    starts_at=datetime.time(9, 0),
    ends_at=datetime.time(11, 30),
    kind=ClassSession.Kind.THEORY,
    venue=None,
    lecturer=None,
    lessons=(),
    **fields,
):
    venue_kind = ClassSession.VENUE_KIND[ClassSession.Kind(kind)]
    venue = venue or make_venue(training_class.institution, venue_kind)
    session = ClassSession.objects.create(
        training_class=training_class,
        date=date or training_class.start_date,
        starts_at=starts_at,
        ends_at=ends_at,
        kind=kind,
        title=fields.pop("title", "开网店实操"),
        venue=venue,
        lecturer=lecturer,
        **fields,
    )
    if lessons:
        # A parental many-to-many field on a model outside a cluster is written by commit().
        session.lessons.set(lessons)
        session.lessons.commit()
    return session


def make_enrolment(
    training_class,
    *,
    profile=None,
    user=None,
    status=ClassEnrolment.Status.ENROLLED,
    source=ClassEnrolment.Source.REGISTRAR,
    **fields,
):
    """An enrolment; with ``user=True`` the trainee gets an account holding the trainee role."""
    if user is True:
        user = UserFactory(roles=["trainee"])
    profile = profile or TraineeProfileFactory(user=user)
    return ClassEnrolment.objects.create(
        training_class=training_class, profile=profile, status=status, source=source, **fields
    )
