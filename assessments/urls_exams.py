"""Trainees' exam pages (``/exams/...``; namespace ``exams``)."""

from django.urls import path

from . import views_exams as views

app_name = "exams"
urlpatterns = [
    path("assignments/<int:assignment_id>/", views.start, name="start"),
    path("attempts/<int:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<int:attempt_id>/result/", views.result, name="result"),
]
