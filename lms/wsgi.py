"""WSGI entry point, for tools that need one; the site itself is served by daphne (asgi.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

application = get_wsgi_application()
