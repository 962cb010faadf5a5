"""ASGI entry point, served by daphne: HTTP to Django, WebSockets to Channels."""

import os
import sys

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

# Set up Django (apps, settings) before importing anything that touches models.
django_asgi_app = get_asgi_application()

# daphne runs the event loop (every socket) in one thread and Channels' database work in
# another. Python hands the GIL between them every 5 ms by default, so under load each
# database call waits behind the busy loop and chat sends queue up. A shorter interval
# measured 5,600 -> 10,000 deliveries a second on 2 cores (docs/performance.md, chat).
if settings.ASGI_SWITCH_INTERVAL:
    sys.setswitchinterval(settings.ASGI_SWITCH_INTERVAL)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from live.auth import BearerTokenAuthMiddleware  # noqa: E402
from live.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(BearerTokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
