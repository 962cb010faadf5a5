"""Settings for a laptop: ``make run``. Never use these on a server."""

from .base import *  # noqa: F403
from .base import ENV

DEBUG = True
SECRET_KEY = ENV.get("SECRET_KEY") or "dev-only-insecure-key-never-use-in-production-0123456789"
DEMO_ACCOUNTS_ENABLED = True
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
