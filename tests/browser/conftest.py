"""Playwright driving Debian's Chromium against the live test server."""

import os

import pytest
from django.db import connections

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; the live server's
    # database work happens in its own thread, so Django's guard can stand down here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            # Rows made while Playwright runs may open a database connection in
            # Playwright's greenlet context; close it so PostgreSQL can drop the
            # test database at the end.
            connections.close_all()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def phone(browser):
    """A cheap phone: 360 px wide, touch, a Chinese locale."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def live_server(django_db_setup, django_db_blocker):
    """pytest-django's live server, stopped before the test database is dropped.

    Asking for ``django_db_setup`` orders the teardowns: without it PostgreSQL
    refuses to drop the test database while the server thread is connected.
    """
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, django_db_blocker):
    """daphne serving the site in a thread, for journeys that need WebSockets (the chat)."""
    from tests.browser.chat_pages import DaphneThread

    with django_db_blocker.unblock():
        server = DaphneThread()
        server.start()
        if not server.ready.wait(15) or server.error is not None:
            raise RuntimeError(f"daphne did not start: {server.error!r}")
    yield server
    server.stop()
    connections.close_all()
