"""``/learning/``: progress from lesson pages, the trainee's courses, progress reports per
course and per class.

The project's ``urls.py`` includes these with ``path("learning/", include("lms.learning.urls"))``.
"""

from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("lessons/<int:lesson_id>/progress/", views.record_progress, name="record_progress"),
    path("lessons/<int:lesson_id>/complete/", views.complete_lesson, name="complete_lesson"),
    path("courses/", views.report_index, name="report_index"),
    path("courses/<int:course_id>/progress/", views.course_report, name="course_report"),
    path(
        "courses/<int:course_id>/progress/<int:user_id>/",
        views.trainee_report,
        name="trainee_report",
    ),
    path("reports/classes/<int:class_id>/", views.class_report, name="class_report"),
]
