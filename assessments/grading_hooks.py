"""The admin's "Grading and results" menu item: a shortcut to the teachers' exam pages.

Grading, results and item analysis live on the site (``/exams/teaching/``), made for phones;
lecturers and administrators who work in the admin reach them from its menu.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lms.training.policy import is_administrator


class GradingMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return is_administrator(user) or user.has_role("lecturer") or user.has_role("head_teacher")


@hooks.register("register_admin_menu_item")
def register_grading_menu_item():
    return GradingMenuItem(
        _("Grading and exam results"),
        reverse("grading:index"),
        name="exam_grading",
        icon_name="tasks",
        order=265,
    )
