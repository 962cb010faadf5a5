"""Site pages of lms.attendance, mounted under /training/ by lms.urls."""

app_name = "attendance"

urlpatterns = []
