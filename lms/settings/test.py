"""Settings for the test suite (``make test``).

The embedded default (SQLite in memory, in-memory channel layer, local-memory
cache) unless ``DATABASE_URL`` / ``REDIS_URL`` point at PostgreSQL and Redis.
"""

from .base import *  # noqa: F403
from .base import DATABASES, ENV, REDIS_URL

DEBUG = False
SECRET_KEY = "test-only-insecure-key-never-use-in-production-0123456789abcdef"
DEMO_ACCOUNTS_ENABLED = True
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

# A fast hasher keeps login-heavy tests quick; validators still run.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
STATIC_ROOT = None  # WhiteNoise serves from the finders; nothing is collected in tests

# Background tasks run in the request, so a test sees the finished result; one test runs the
# database backend and its worker explicitly.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "background": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}

# Threads (daphne's sync workers, the live server) must not keep connections
# open, or the test database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# No connection pool in tests either: a pool's idle connections would keep the test database
# from being dropped. (The pool is exercised by bench/bench_exams.py on PostgreSQL.)
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ENV.get("SQLITE_TEST_PATH") or None}

if REDIS_URL:
    # Keep test runs apart from a development server sharing the same Redis, and
    # parallel test workers (pytest-xdist) apart from each other.
    WORKER = ENV.get("PYTEST_XDIST_WORKER", "")
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"lms-test{WORKER}:channels"  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"lms-test{WORKER}"  # noqa: F405
