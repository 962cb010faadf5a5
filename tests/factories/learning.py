"""Factories for learning tests: a small course tree and enrolled trainees.

Pages come from ``tests.factories.curriculum``; enrolment goes through the action, as an
administrator would cause it.
"""

from lms.learning.actions import do_enrol_in_course
from tests.factories.curriculum import make_course, make_lesson, make_tier


def make_course_with_lessons(n=3, *, open_to_public=False, tier=None, title="淘宝天猫基础实操"):
    """A live course with ``n`` live lessons; returns ``(course, [lessons])``."""
    from courses_content.models import TierPage

    if tier is None:
        tier = TierPage.objects.filter(tier=TierPage.Tier.PRIMARY).first() or make_tier()
    course = make_course(tier, title, open_to_public=open_to_public)
    lessons = [make_lesson(course, f"第{i + 1}课") for i in range(n)]
    return course, lessons


def enrol(user, course, acting_user=None):
    return do_enrol_in_course(user, course, acting_user=acting_user)


def assign_lecturer(course, user, name="王老师"):
    """Name ``user`` as a lecturer of ``course`` (a parental M2M, so saved with the page)."""
    from lms.training.models import Lecturer

    course.lecturers.add(Lecturer.objects.create(name=name, user=user))
    course.save()
    return course
