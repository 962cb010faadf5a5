"""Site URLs of the live chat, mounted under /training/ by lms.urls."""

from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("chat/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path(
        "chat/attachments/<int:attachment_id>/phone/",
        views.attachment_phone,
        name="attachment_phone",
    ),
]
