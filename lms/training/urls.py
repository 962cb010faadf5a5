"""Training pages, mounted at ``/training/`` by ``lms.urls``."""

from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("notices/", views.notice_index, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("classes/", views.my_classes, name="my_classes"),
    path("classes/<int:class_id>/", views.class_page, name="class_page"),
    path("classes/<int:class_id>/roster/", views.class_roster, name="class_roster"),
]
