"""Enrolment in courses and learning progress. Views, API and admin all call these."""

from django.db import transaction

from lms.audit.actions import record

from .models import CourseEnrolment


def do_enrol_in_course(user, course, *, acting_user):
    """Let ``user`` study ``course``; idempotent. Audited."""
    with transaction.atomic():
        enrolment, created = CourseEnrolment.objects.get_or_create(
            user=user, course=course, defaults={"assigned_by": acting_user}
        )
        if created:
            record(
                "course_enrolment.created",
                enrolment,
                actor=acting_user,
                changes={"user": [None, user.pk], "course": [None, course.pk]},
            )
    return enrolment
