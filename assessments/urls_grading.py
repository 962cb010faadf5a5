"""Teachers' exam pages: assignments, grading, results, item analysis (namespace ``grading``).

Mounted at ``/exams/``; every path starts with ``teaching/``.
"""

from django.urls import path

from . import views_grading as views

app_name = "grading"
urlpatterns = [
    path("teaching/", views.index, name="index"),
    path("teaching/classes/<int:class_id>/", views.class_assignments, name="class_assignments"),
    path("teaching/classes/<int:class_id>/results/", views.results, name="results"),
    path("teaching/classes/<int:class_id>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path(
        "teaching/assignments/<int:assignment_id>/edit/",
        views.edit_assignment,
        name="edit_assignment",
    ),
    path(
        "teaching/assignments/<int:assignment_id>/remove/",
        views.remove_assignment,
        name="remove_assignment",
    ),
    path(
        "teaching/assignments/<int:assignment_id>/extra-time/",
        views.extra_time,
        name="extra_time",
    ),
    path(
        "teaching/assignments/<int:assignment_id>/analysis/",
        views.assignment_analysis,
        name="assignment_analysis",
    ),
    path("teaching/exams/<int:exam_id>/analysis/", views.exam_analysis, name="exam_analysis"),
    path("teaching/grading/", views.queue, name="queue"),
    path("teaching/grading/<int:item_id>/", views.grade, name="grade"),
    path("teaching/grading/<int:item_id>/file/", views.answer_file, name="answer_file"),
]
