"""URLs for ``make bench``: the project's URLs plus baselines served by the same process."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import include, path

# About 300 bytes of UTF-8, like a paragraph of a lesson.
PARAGRAPH = (
    "本课以赣南脐橙合作社的拼多多店铺为例，讲解商品标题、主图和详情页的写法，"
    "并在机房里完成第一件商品的发布。学员需要带上身份证和手机，提前注册好账号。"
)
PARAGRAPH_BYTES = len(PARAGRAPH.encode()) + len('<div class="block"><p></p></div>\n  ')
PAGE_FRAME_BYTES = 2500  # base.html with header and footer, measured roughly
MAX_BYTES = 2 * 1024 * 1024


def plain(request):
    """The baseline: a Django view that does nothing but answer."""
    return HttpResponse(b"ok", content_type="text/plain")


def plain_template(request):
    """A plain Django template view (``base.html`` plus paragraphs) of about ``?bytes=`` bytes.

    No database work beyond what the middleware does: the yardstick for a Wagtail page of the
    same weight.
    """
    try:
        target = min(int(request.GET.get("bytes", "20000")), MAX_BYTES)
    except ValueError:
        target = 20000
    count = max(1, (target - PAGE_FRAME_BYTES) // PARAGRAPH_BYTES)
    return render(request, "bench/plain_page.html", {"paragraphs": [PARAGRAPH] * count})


def open_lesson(request):
    """The path of one live lesson of an open course, as text; 404 when there is none."""
    from courses_content.models import CoursePage, LessonPage

    open_course_paths = CoursePage.objects.live().filter(open_to_public=True).values("path")
    for lesson in LessonPage.objects.live().defer_streamfields().order_by("path")[:200]:
        if any(lesson.path.startswith(row["path"]) for row in open_course_paths):
            return HttpResponse(lesson.get_url(request), content_type="text/plain")
    raise Http404("no live lesson in an open course")


urlpatterns = [
    path("bench/plain/", plain),
    path("bench/template/", plain_template),
    path("bench/open-lesson/", open_lesson),
    path("", include("lms.urls")),
]
