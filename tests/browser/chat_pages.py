"""A real daphne (HTTP and WebSockets) for the chat's browser journeys, and phone helpers.

pytest-django's ``live_server`` speaks HTTP only (WSGI), so the chat journeys are served by
daphne (``lms.asgi.application``) on a free port, in a thread of the test process: the thread
shares the test database (in-memory SQLite included) the way the live server does. Twisted's
reactor cannot be restarted, so one daphne serves the whole session (the ``daphne_server``
fixture in ``conftest.py``).
"""

import threading


class DaphneThread(threading.Thread):
    """daphne serving ``lms.asgi.application`` on 127.0.0.1 and a free port."""

    host = "127.0.0.1"

    def __init__(self):
        super().__init__(name="daphne-test-server", daemon=True)
        self.ready = threading.Event()
        self.port = None
        self.error = None
        self.server = None

    def run(self):
        try:
            # Importing daphne.server installs Twisted's asyncio reactor: do it in this thread.
            from daphne.endpoints import build_endpoint_description_strings
            from daphne.server import Server
            from twisted.internet import reactor

            from lms.asgi import application

            self.server = Server(
                application=application,
                endpoints=build_endpoint_description_strings(host=self.host, port=0),
                signal_handlers=False,
                verbosity=0,
            )
            reactor.callLater(0.05, self._resolve_port)
            self.server.run()
        except BaseException as error:  # reported to the fixture
            self.error = error
            self.ready.set()

    def _resolve_port(self):
        from twisted.internet import reactor

        if self.server.listening_addresses:
            self.port = self.server.listening_addresses[0][1]
            self.ready.set()
        else:
            reactor.callLater(0.05, self._resolve_port)

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def stop(self):
        from twisted.internet import reactor

        if reactor.running:
            reactor.callFromThread(reactor.stop)
        self.join(timeout=10)


def new_phone(browser, server):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    # English, so the test reads the words as written; the Chinese UI is the same page.
    context.add_cookies([{"name": "lms_language", "value": "en", "url": server.url}])
    page = context.new_page()
    errors = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            # Going offline on purpose breaks the open socket; Chromium logs that.
            and "WebSocket" not in m.text
            and errors.append(m.text)
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    return context, page, errors


def sign_in_to_class(page, server, training_class, username, password):
    url = f"{server.url}/training/classes/{training_class.pk}/"
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/training/classes/{training_class.pk}/")
    wait_online(page)


def wait_online(page):
    page.wait_for_selector("#chat-status[data-state=online]", timeout=15_000)


def say(page, text):
    box = page.locator("#chat-input")
    box.fill(text)
    box.press("Enter")


def shown(page):
    """``[(id or None, text), ...]`` of the chat's messages as shown, top to bottom."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#chat-list .chat-msg')).map(li => [
            li.dataset.id ? Number(li.dataset.id) : null,
            li.classList.contains('is-pending'),
            li.querySelector('.chat-body').innerText.trim(),
        ])"""
    )


def message_item(page, text):
    return page.locator("#chat-list .chat-msg").filter(has_text=text)
