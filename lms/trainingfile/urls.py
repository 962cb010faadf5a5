"""Site pages of lms.trainingfile, mounted under /training/ by lms.urls."""

app_name = "trainingfile"

urlpatterns = []
