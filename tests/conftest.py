"""Shared fixtures and the service markers.

Tests marked ``postgres``, ``redis``, ``browser`` or ``gettext`` skip where that service is
missing. ``LMS_REQUIRE_SERVICES=1`` (set by ``.ci/run``) turns those skips into
failures, so CI cannot pass by quietly not running them.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory
from tests.utils import clear_cache

REQUIRE_SERVICES = os.environ.get("LMS_REQUIRE_SERVICES", "") not in {"", "0", "false"}
CHROMIUM = "/usr/bin/chromium"


def _redis_reachable():
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return "REDIS_URL is not set"
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return None
    except OSError as error:
        return f"Redis at {url} is unreachable: {error}"


def _missing(marker_name):
    if marker_name == "postgres":
        if connection.vendor != "postgresql":
            return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    elif marker_name == "redis":
        return _redis_reachable()
    elif marker_name == "gettext":
        if not shutil.which("xgettext"):
            return "needs GNU gettext: apt-get install gettext"
    elif marker_name == "browser":
        if not shutil.which(CHROMIUM):
            return "needs Chromium: apt-get install chromium fonts-noto-cjk"
        try:
            import playwright  # noqa: F401
        except ImportError:
            return "needs the playwright package"
    return None


def pytest_runtest_setup(item):
    for name in ("postgres", "redis", "browser", "gettext"):
        if item.get_closest_marker(name) is None:
            continue
        reason = _missing(name)
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"LMS_REQUIRE_SERVICES is set but this test {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_state(settings, tmp_path):
    """Each test starts with an empty cache and its own media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    clear_cache()


@pytest.fixture
def make_user(db):
    """``make_user("registrar", "trainee", username="x")``: a user holding those roles."""

    def make(*roles, **fields):
        return UserFactory(roles=list(roles), **fields)

    return make


@pytest.fixture
def password():
    return UserFactory.password
