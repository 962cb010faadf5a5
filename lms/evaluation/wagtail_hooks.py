"""The "Satisfaction evaluation" admin menu item and its two views (see ``admin_views``)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views
from .policy import ADMIN_PERMISSION


class EvaluationMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(ADMIN_PERMISSION)


@hooks.register("register_admin_urls")
def register_evaluation_urls():
    return [
        path("evaluation/", admin_views.evaluation_index, name="evaluation_admin_index"),
        path(
            "evaluation/classes/<int:class_id>/",
            admin_views.class_results,
            name="evaluation_admin_class",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_evaluation_menu_item():
    return EvaluationMenuItem(
        _("Satisfaction evaluation"),
        reverse("evaluation_admin_index"),
        name="satisfaction_evaluation",
        icon_name="clipboard-list",
        order=270,
    )
