"""Template tags the course and lesson pages use to show the reader's progress.

``{% load learning %}`` then ``{% lesson_progress page %}`` on a lesson page and
``{% course_progress page %}`` on a course page. Both read only; the visit itself is
recorded by ``lms.learning.views.record_page_view`` from ``LessonPage.serve``, never
while rendering (Wagtail's previews render templates too).
"""

from django import template
from django.utils.translation import gettext as _

from lms.learning import progress
from lms.learning.views import progress_for_request

register = template.Library()


@register.inclusion_tag("learning/lesson_progress.html", takes_context=True)
def lesson_progress(context, lesson):
    """The "mark as complete" button (or "completed"), and the script that reports time."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated and user.is_active)
    return {
        "request": request,
        "lesson": lesson,
        "signed_in": signed_in,
        "progress": progress_for_request(request, lesson) if signed_in else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("learning/course_progress.html", takes_context=True)
def course_progress(context, course):
    """Completion percent and "continue where you left off", in one query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated and user.is_active)
    state = progress.course_progress(user, course) if signed_in else None
    resume = state.continue_lesson if state else None
    resume_url = None
    if resume is not None:
        resume_url = resume.get_url(request)
        if resume.last_position:
            resume_url = f"{resume_url}#{resume.last_position}"
    return {
        "request": request,
        "course": course,
        "signed_in": signed_in,
        "state": state,
        "resume": resume,
        "resume_url": resume_url,
    }


@register.simple_tag
def time_spent(seconds):
    """``3725`` -> "1 h 2 min"; under an hour, minutes only."""
    minutes = int(seconds or 0) // 60
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("%(hours)d h %(minutes)d min") % {"hours": minutes // 60, "minutes": minutes % 60}
