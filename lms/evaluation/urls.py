"""Site pages of lms.evaluation, mounted under /training/ by lms.urls."""

app_name = "evaluation"

urlpatterns = []
