"""The public verification's own rate limit: per client address, shared by the page and the API,
429 with a translated message over the limit, and nothing looked up or counted then."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.actions import certificates as actions
from lms.core import ratelimit
from tests.assessments.test_certificates import THURSDAY, at, finished_class, good_trainee

pytestmark = pytest.mark.django_db

# The clock stands just after a minute starts, so every request of a test falls in one window
# (the limit is a sliding estimate over two fixed windows, which a slow run could straddle).
WINDOW_START = at(THURSDAY, 10) + datetime.timedelta(seconds=1)


@pytest.fixture
def world(make_user, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 3
    with time_machine.travel(WINDOW_START, tick=False) as clock:
        w = finished_class(make_user)
        w.officer = make_user("commerce_officer")
        good_trainee(w)
        (w.certificate,) = actions.check_issue_certificates(w.officer, w.training_class)
        w.page = reverse("certificates:verify", args=[w.certificate.code])
        w.api = f"/api/v1/certificates/verify/{w.certificate.code}"
        w.clock = clock
        yield w


def certificate_queries(context):
    return [q["sql"] for q in context.captured_queries if "assessments_certificate" in q["sql"]]


def test_the_page_answers_429_over_the_limit_and_looks_nothing_up(client, world):
    for _ in range(3):
        assert client.get(world.page).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(world.page)
    assert response.status_code == 429
    assert certificate_queries(queries) == []
    assert int(response["Retry-After"]) >= 1
    assert response["X-Robots-Tag"].startswith("noindex")
    html = response.content.decode()
    assert world.certificate.serial not in html and "李小梅" not in html
    # Refused requests are not counted: a minute later the address may look again.
    world.clock.move_to(WINDOW_START + datetime.timedelta(minutes=2))
    assert client.get(world.page).status_code == 200


def test_the_page_is_in_the_chosen_language(client, world):
    client.cookies["lms_language"] = "en"
    for _ in range(3):
        client.get(world.page)
    response = client.get(world.page)
    assert response.status_code == 429
    html = response.content.decode()
    assert "<h1>Too many look-ups</h1>" in html
    assert "Too many certificate look-ups from your network" in html


def test_unknown_and_malformed_codes_count_too(client, world):
    """Guessing codes is what the limit is for: a 404 counts like a hit."""
    for code in ("nope", "x" * 41, "guess-2"):
        assert client.get(f"/certificates/verify/{code}/").status_code == 404
    assert client.get(world.page).status_code == 429


def test_the_api_shares_the_count_and_answers_json(client, world):
    assert client.get(world.page).status_code == 200
    assert client.get(world.api).status_code == 200
    assert client.get("/api/v1/certificates/verify/nope").status_code == 404
    response = client.get(world.api, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert response.json() == {
        "detail": "Too many certificate look-ups from your network. "
        "Please wait a minute and try again.",
        "code": "rate_limited",
    }
    assert int(response["Retry-After"]) >= 1
    assert client.get(world.page).status_code == 429


def test_the_form_sends_everyone_to_the_limited_page(client, world):
    form = reverse("certificates:verify_form")
    for _ in range(3):
        assert client.get(form, {"code": world.certificate.code}, follow=True).status_code == 200
    response = client.get(form, {"code": world.certificate.code}, follow=True)
    assert response.status_code == 429


def test_each_address_has_its_own_count(client, world):
    for _ in range(3):
        assert client.get(world.page, REMOTE_ADDR="203.0.113.7").status_code == 200
    assert client.get(world.page, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.get(world.page, REMOTE_ADDR="203.0.113.8").status_code == 200
    # IPv6: one count per /64, which a single phone or household holds.
    for n in range(3):
        assert client.get(world.page, REMOTE_ADDR=f"2001:db8:1:2::{n + 1}").status_code == 200
    assert client.get(world.page, REMOTE_ADDR="2001:db8:1:2:ffff::9").status_code == 429
    assert client.get(world.page, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts(client, world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(3):
        response = client.get(world.page, HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy)
        assert response.status_code == 200
    assert client.get(world.page, HTTP_X_FORWARDED_FOR="198.51.100.4", **proxy).status_code == 429
    # Another client behind the same proxy is not held back; a forged left-hand address is ignored.
    assert client.get(world.page, HTTP_X_FORWARDED_FOR="198.51.100.5", **proxy).status_code == 200
    forged = "1.2.3.4, 198.51.100.4"
    assert client.get(world.page, HTTP_X_FORWARDED_FOR=forged, **proxy).status_code == 429


def test_the_setting_sets_the_limit_and_zero_turns_it_off(client, world, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 0
    for _ in range(40):
        assert client.get(world.page).status_code == 200
    from lms.settings import base

    settings.CERTIFICATE_VERIFY_RATE_LIMIT = base.CERTIFICATE_VERIFY_RATE_LIMIT  # as shipped
    world.clock.move_to(WINDOW_START + datetime.timedelta(minutes=5))
    codes = [client.get(world.page).status_code for _ in range(31)]
    assert codes == [200] * 30 + [429]  # the default: 30 a minute


def test_the_window_slides(client, world):
    for _ in range(3):
        assert client.get(world.page).status_code == 200
    # Half way into the next minute, half of the last minute's look-ups still count (1.5), so
    # one more makes 2.5 and another 3.5, over the limit of 3.
    world.clock.move_to(WINDOW_START + datetime.timedelta(seconds=89))
    assert client.get(world.page).status_code == 200
    assert client.get(world.page).status_code == 200
    assert client.get(world.page).status_code == 429


class BrokenCache:
    """A cache whose server is down: every call raises, as django-redis does."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache unavailable")

        return fail


def test_a_cache_that_is_down_lets_the_lookup_through(client, world, monkeypatch):
    monkeypatch.setattr(ratelimit, "caches", {ratelimit.CACHE_ALIAS: BrokenCache()})
    for _ in range(5):  # over the limit of 3: nothing can be counted, so nothing is refused
        response = client.get(world.page)
        assert response.status_code == 200
        assert world.certificate.serial in response.content.decode()
