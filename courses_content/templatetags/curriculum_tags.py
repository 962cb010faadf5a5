"""Template tags that load a page's live children and neighbours in a fixed number of queries.

The page models belong to content editors' concerns; what a template lists (and how cheaply)
is decided here, so every page type costs the same number of queries whatever its size.
"""

from django import template
from django.db.models import Prefetch, Q
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
    """The lesson's course and its previous and next live lessons, in one query.

    The course and all its live lessons come back as light rows (a course has tens of
    lessons), which is cheaper than three separately compiled page queries.
    """
    course_path = lesson_page.path[: -lesson_page.steplen]
    rows = list(
        Page.objects.filter(
            Q(path=course_path)
            | Q(path__startswith=course_path, depth=lesson_page.depth, live=True)
            | Q(pk=lesson_page.pk)
        )
        .order_by("path")
        .only("id", "title", "path", "depth", "url_path", "live", "locale_id")
    )
    course = rows[0] if rows and rows[0].path == course_path else lesson_page.get_parent()
    lessons = [row for row in rows if row.depth == lesson_page.depth]
    here = next((i for i, row in enumerate(lessons) if row.pk == lesson_page.pk), None)
    if here is None:  # the preview of a lesson not saved yet
        return {"course": course, "previous": None, "next": None}
    return {
        "course": course,
        "previous": lessons[here - 1] if here > 0 else None,
        "next": lessons[here + 1] if here + 1 < len(lessons) else None,
    }


@register.simple_tag
def case_library_version():
    """Changes whenever a case is saved or deleted; part of the lesson body's cache key."""
    from courses_content.caching import case_library_version as current

    return current()


@register.simple_tag
def site_version():
    """Changes whenever a page is published, unpublished, moved or deleted."""
    from cms.site_cache import site_version as current

    return current()
