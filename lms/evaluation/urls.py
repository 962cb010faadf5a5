"""Site pages of lms.evaluation, mounted under /training/ by lms.urls."""

from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("classes/<int:class_id>/evaluation/", views.evaluation_form, name="form"),
    path(
        "classes/<int:class_id>/evaluation/results/",
        views.class_results,
        name="class_results",
    ),
    path("lecturers/me/ratings/", views.my_ratings, name="my_ratings"),
]
