"""Site pages of lms.attendance, mounted under /training/ by lms.urls."""

from django.urls import path

from . import views

app_name = "attendance"

urlpatterns = [
    path("check-in/", views.check_in, name="check_in"),
    path("sessions/<int:session_id>/attendance/", views.mark_session, name="mark_session"),
    path("sessions/<int:session_id>/check-in-code/", views.check_in_code, name="check_in_code"),
    path(
        "sessions/<int:session_id>/check-in-code.json",
        views.check_in_code_json,
        name="check_in_code_json",
    ),
    path("classes/<int:class_id>/attendance/", views.class_attendance, name="class_attendance"),
    path("classes/<int:class_id>/leave/", views.my_leave, name="leave"),
    path("classes/<int:class_id>/leave/new/", views.request_leave, name="request_leave"),
    path("classes/<int:class_id>/leave/requests/", views.leave_requests, name="leave_requests"),
    path("leave/<int:leave_id>/cancel/", views.cancel_leave, name="cancel_leave"),
    path("leave/<int:leave_id>/decision/", views.decide_leave, name="decide_leave"),
]
