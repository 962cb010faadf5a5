"""Site pages of lms.enrolment, mounted under /training/ by lms.urls."""

app_name = "enrolment"

urlpatterns = []
