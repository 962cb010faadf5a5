"""The curricula in Wagtail's admin: the case library, course editor groups, 404s."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.signals import page_published, page_unpublished
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Case, CoursePage
from .permissions import sync_course_editors


class CaseViewSet(SnippetViewSet):
    model = Case
    icon = "pick"
    menu_label = _("Case library")
    menu_name = "case_library"
    menu_order = 240
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = ["title", "platform", "product_type", "updated_at"]
    list_filter = ["platform"]
    search_fields = ["title", "product_type"]
    search_backend_name = None


register_snippet(CaseViewSet)


def _course_published(sender, instance, **kwargs):
    sync_course_editors(instance)


page_published.connect(_course_published, sender=CoursePage, dispatch_uid="course_editors")
page_unpublished.connect(_course_published, sender=CoursePage, dispatch_uid="course_editors_un")


def can_work_on(page, user):
    """May ``user`` open this page in the editor: edit it, or review it in the workflow?"""
    if page.permissions_for_user(user).can_edit():
        return True
    task = page.current_workflow_task
    return task is not None and task.specific.user_can_access_editor(page, user)


@hooks.register("construct_explorer_page_queryset")
def hide_other_courses(parent_page, pages, request):
    """Lecturers see only the courses they may edit when exploring a tier."""
    user = request.user
    if user.is_superuser or not parent_page.specific_class or parent_page.depth < 3:
        return pages
    hidden = [course.pk for course in pages.type(CoursePage) if not can_work_on(course, user)]
    return pages.exclude(pk__in=hidden) if hidden else pages
