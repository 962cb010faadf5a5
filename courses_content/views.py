"""Public pages outside the page tree: the case library (案例库) and search.

Neither needs a sign-in. Search leaves out lessons of courses the visitor may not read, so a
hit never reveals what a closed lesson says.
"""

import re

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from lms.learning.policy import can_read_course

from .models import Case, CoursePage, LessonPage, TierPage
from .search import to_query

CASES_PER_PAGE = 20
MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
MAX_PAGE_HITS = 30
MAX_CASE_HITS = 20
# Punctuation means nothing to the index, and quotes or brackets would break SQLite's FTS5.
NOT_A_WORD = re.compile(r"[^\w]+")


def case_index(request):
    """The case library: every case, newest first, filtered by platform and product type.

    Twenty a page; the filters survive paging. The query count does not grow with the cases.
    """
    platform = request.GET.get("platform", "")
    if platform not in Case.Platform.values:
        platform = ""
    product_type = request.GET.get("product_type", "").strip()[:100]

    cases = Case.objects.defer("background", "actions", "lessons_learned")
    if platform:
        cases = cases.filter(platform=platform)
    if product_type:
        cases = cases.filter(product_type=product_type)
    page_obj = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))

    product_types = (
        Case.objects.order_by("product_type").values_list("product_type", flat=True).distinct()
    )
    return render(
        request,
        "courses_content/case_index.html",
        {
            "page_obj": page_obj,
            "cases": page_obj.object_list,
            "platform": platform,
            "product_type": product_type,
            "platform_choices": Case.Platform.choices,
            "product_types": list(product_types),
            "is_filtered": bool(platform or product_type),
        },
    )


def case_detail(request, pk):
    """One case in full: background, what was done, results, lessons learned. 404 if unknown."""
    case = get_object_or_404(Case, pk=pk)
    return render(request, "courses_content/case_detail.html", {"case": case})


def search(request):
    """Search tiers, courses, lessons and cases (``?q=``) with the Wagtail database backend.

    Chinese is matched through the bigram index of ``courses_content.search``. Lessons are shown
    only to visitors who may read their course; courses and tiers are the public catalogue.
    A fixed number of queries, whatever the number of hits.
    """
    raw_query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    query = to_query(NOT_A_WORD.sub(" ", raw_query))
    context = {"q": raw_query, "too_short": False, "hits": None}
    if not raw_query:
        return render(request, "courses_content/search.html", context)
    if len(query.replace(" ", "")) < MIN_QUERY_LENGTH:
        context["too_short"] = True
        return render(request, "courses_content/search.html", context)

    page_hits = list(
        Page.objects.live()
        .type(TierPage, CoursePage, LessonPage)
        .search(query, operator="and")[:MAX_PAGE_HITS]
    )
    specific = {
        page.pk: page
        for page in Page.objects.filter(pk__in=[hit.pk for hit in page_hits])
        .specific()
        .defer_streamfields()
    }
    pages = [specific[hit.pk] for hit in page_hits if hit.pk in specific]

    tiers = [page for page in pages if isinstance(page, TierPage)]
    courses = [page for page in pages if isinstance(page, CoursePage)]
    lessons = [page for page in pages if isinstance(page, LessonPage)]
    lessons = _readable_lessons(request.user, lessons)

    cases = list(
        get_search_backend().search(query, Case.objects.all(), operator="and")[:MAX_CASE_HITS]
    )
    context["hits"] = {"tiers": tiers, "courses": courses, "lessons": lessons, "cases": cases}
    context["hit_count"] = len(tiers) + len(courses) + len(lessons) + len(cases)
    return render(request, "courses_content/search.html", context)


def _readable_lessons(user, lessons):
    """``[(lesson, course)]`` for the lessons whose course ``user`` may read, in the same order."""
    if not lessons:
        return []
    steplen = Page.steplen
    course_paths = {lesson.path[:-steplen] for lesson in lessons}
    courses = {course.path: course for course in CoursePage.objects.filter(path__in=course_paths)}
    readable = {path: can_read_course(user, course) for path, course in courses.items()}
    return [
        (lesson, courses[lesson.path[:-steplen]])
        for lesson in lessons
        if readable.get(lesson.path[:-steplen])
    ]
