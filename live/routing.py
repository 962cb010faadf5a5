from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/ping/", consumers.PingConsumer.as_asgi()),
    path("ws/classes/<int:class_id>/chat/", consumers.ChatConsumer.as_asgi()),
]
