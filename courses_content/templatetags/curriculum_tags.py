"""Template tags that load a page's live children and neighbours in a fixed number of queries.

The page models belong to content editors' concerns; what a template lists (and how cheaply)
is decided here, so every page type costs the same number of queries whatever its size.
"""

from django import template
from django.db.models import Prefetch
from wagtail.images import get_image_model
from wagtail.models import Page

from courses_content.models import CoursePage, LessonPage, TierPage
from lms.training.models import Lecturer

register = template.Library()

LECTURER_PHOTO_FILTER = "fill-96x96|format-webp"


@register.simple_tag
def live_tiers(index_page):
    """The index's live tiers, in tree order (one query)."""
    return TierPage.objects.child_of(index_page).live().order_by("path")


@register.simple_tag
def live_courses(tier_page):
    """The tier's live courses, in tree order (one query)."""
    return CoursePage.objects.child_of(tier_page).live().order_by("path")


@register.simple_tag
def live_lessons(course_page):
    """The course's live lessons in tree order, without their bodies (one query)."""
    return LessonPage.objects.child_of(course_page).live().order_by("path").defer_streamfields()


@register.simple_tag
def course_lecturers(course_page):
    """The course's lecturers with their photos and photo renditions (three queries)."""
    photos = get_image_model().objects.prefetch_renditions(LECTURER_PHOTO_FILTER)
    return Lecturer.objects.filter(courses=course_page).prefetch_related(
        Prefetch("photo", queryset=photos)
    )


@register.simple_tag
def lesson_neighbours(lesson_page):
    """The lesson's course and its previous and next live lessons (three queries)."""
    siblings = Page.objects.live().type(LessonPage).sibling_of(lesson_page, inclusive=False)
    return {
        "course": lesson_page.get_parent(),
        "previous": siblings.filter(path__lt=lesson_page.path).order_by("-path").first(),
        "next": siblings.filter(path__gt=lesson_page.path).order_by("path").first(),
    }
