"""Settings for benchmarks: development settings plus a plain Django view as the baseline."""

from lms.settings.dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
# Errors (with their tracebacks) go to the server's log, which the benchmarks keep.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"level": "WARNING", "handlers": ["console"]},
    "loggers": {"django.request": {"level": "ERROR", "handlers": ["console"], "propagate": False}},
}
