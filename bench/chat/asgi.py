"""The project's ASGI application plus the minimal consumer at ``/ws/minimal/<room>/``.

daphne bench.chat.asgi:application   (DJANGO_SETTINGS_MODULE=bench.chat.settings)
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.chat.settings")

from channels.routing import URLRouter
from django.urls import path

from lms.asgi import application as lms_application

from .minimal import MinimalChatConsumer

minimal_application = URLRouter([path("ws/minimal/<int:room>/", MinimalChatConsumer.as_asgi())])


async def application(scope, receive, send):
    if scope["type"] == "websocket" and scope["path"].startswith("/ws/minimal/"):
        return await minimal_application(scope, receive, send)
    return await lms_application(scope, receive, send)
