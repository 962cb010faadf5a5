"""The public case library, mounted at ``/cases/`` by ``lms.urls``."""

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_index, name="index"),
    path("<int:pk>/", views.case_detail, name="detail"),
]
