import pytest
from django.db import OperationalError

from lms.core import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_dependency_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "channel_layer": "ok",
        "cache": "ok",
    }
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_names_the_database_when_it_is_down(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "_check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "error"
    assert body["channel_layer"] == "ok"
    assert body["cache"] == "ok"


def test_healthz_names_the_channel_layer_when_it_is_down(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "error"
    assert response.json()["database"] == "ok"


def test_healthz_names_the_cache_when_it_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "error"
    assert response.json()["channel_layer"] == "ok"


def test_healthz_needs_no_login_and_says_nothing_secret(client):
    response = client.get("/healthz")
    assert set(response.json()) == {"status", "database", "channel_layer", "cache"}
