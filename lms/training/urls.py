"""Public training pages, mounted at ``/training/`` by ``lms.urls``."""

from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("notices/", views.notice_index, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
]
