"""Training files in Wagtail's admin: a menu item, the screens' URLs and a listing button."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views
from .policy import can_use_training_files


class TrainingFilesMenuItem(MenuItem):
    def is_shown(self, request):
        return can_use_training_files(request.user)


@hooks.register("register_admin_urls")
def register_training_file_urls():
    return [
        path("training-files/", admin_views.index, name="trainingfile_index"),
        path(
            "training-files/class/<int:class_id>/",
            admin_views.class_files,
            name="trainingfile_class",
        ),
        path(
            "training-files/class/<int:class_id>/build/",
            admin_views.request_build,
            name="trainingfile_build",
        ),
        path(
            "training-files/<int:file_id>/status/",
            admin_views.status,
            name="trainingfile_status",
        ),
        path(
            "training-files/<int:file_id>/download/",
            admin_views.download,
            name="trainingfile_download",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_training_files_menu_item():
    return TrainingFilesMenuItem(
        _("Training files"),
        reverse("trainingfile_index"),
        name="training_files",
        icon_name="folder-inverse",
        order=260,
    )
