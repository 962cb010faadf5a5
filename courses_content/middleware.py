from django.http import Http404
from wagtail.models import Page

from .models import CoursePage

PAGE_ID_KWARGS = ("page_id", "parent_page_id")


class CurriculumAdminMiddleware:
    """In the page admin, a course or lesson outside a user's reach is a 404.

    Wagtail itself answers "no permission" with a redirect and a message, which
    tells a lecturer that another lecturer's course exists; the programme's rule
    is the same 404 for unknown pages and other people's pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path_info.startswith("/admin/pages/"):
            return None
        user = request.user
        if not user.is_authenticated or user.is_superuser:
            return None
        page_id = next((view_kwargs[k] for k in PAGE_ID_KWARGS if k in view_kwargs), None)
        if page_id is None:
            return None
        page = Page.objects.filter(pk=page_id).first()
        if page is None:
            return None  # Wagtail answers 404 itself
        course = (
            Page.objects.ancestor_of(page, inclusive=True).type(CoursePage).first()
            if page.depth >= 4
            else None
        )
        if course is None:
            return None
        from .wagtail_hooks import can_work_on

        if can_work_on(page, user) or can_work_on(course, user):
            return None
        raise Http404
