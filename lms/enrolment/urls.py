"""Site pages of lms.enrolment, mounted under /training/ by lms.urls."""

from django.urls import path

from . import views

app_name = "enrolment"

urlpatterns = [
    path("enrolling/", views.enrolling, name="enrolling"),
    path("classes/<int:pk>/apply/", views.apply, name="apply"),
    path(
        "classes/<int:pk>/application/withdraw/",
        views.withdraw_application,
        name="withdraw_application",
    ),
    path("classes/<int:pk>/committee/", views.committee, name="committee"),
]
