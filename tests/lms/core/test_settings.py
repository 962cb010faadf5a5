"""Settings switching and production's refusals, each in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GOOD_SECRET = "k3J9-pQ2x_Lm7vR4tY8wZ1aB5cD6eF0gH2iJ3kL4mN5oP6qR7sT8uV9wX0yZ1aB2c"
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "SECRET_KEY": GOOD_SECRET,
    "DATABASE_URL": "postgres://lms@127.0.0.1:5432/lms",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "training.example.cn",
}

PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "sqlite_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "hub_bus": settings.CHAT_HUB_BUS,
    "cache": settings.CACHES["default"]["BACKEND"],
    "tasks": settings.TASKS["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "demo": settings.DEMO_ACCOUNTS_ENABLED,
    "language": settings.LANGUAGE_CODE,
}))
"""


def run_python(code, env, module="lms.settings.dev"):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    clean.setdefault("DJANGO_SETTINGS_MODULE", module)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def probe(env, module="lms.settings.dev"):
    result = run_python(PROBE, env, module)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_wal_with_in_memory_layer_and_local_cache():
    config = probe({"DATABASE_URL": "", "REDIS_URL": ""})
    assert config["engine"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in config["sqlite_options"]["init_command"]
    assert config["sqlite_options"]["transaction_mode"] == "IMMEDIATE"
    assert config["layer"] == "channels.layers.InMemoryChannelLayer"
    assert config["hub_bus"] == "layer"  # the in-memory layer: one process, no bus used
    assert config["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["tasks"] == "django_tasks.backends.immediate.ImmediateBackend"
    assert config["debug"] is True
    assert config["demo"] is True
    assert config["language"] == "zh-hans"


def test_database_url_and_redis_url_switch_to_postgresql_and_redis():
    config = probe(
        {"DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "REDIS_URL": "redis://127.0.0.1:6379/1"}
    )
    assert config["engine"] == "django.db.backends.postgresql"
    assert config["layer"] == "channels_redis.core.RedisChannelLayer"
    assert config["hub_bus"] == "redis"
    assert config["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_the_chat_bus_can_be_the_channel_layer_with_redis():
    config = probe({"REDIS_URL": "redis://127.0.0.1:6379/1", "CHAT_HUB_BUS": "layer"})
    assert config["hub_bus"] == "layer"


def test_production_starts_with_a_complete_configuration():
    config = probe(PRODUCTION_ENV, "lms.settings.production")
    assert config["debug"] is False
    assert config["demo"] is False


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "DATABASE_URL"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_an_insecure_configuration(override, complaint):
    result = run_python("pass", {**PRODUCTION_ENV, **override}, "lms.settings.production")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_check_deploy_reports_nothing_under_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_demo_seeding():
    code = "from django.core.management import call_command; call_command('seed_demo')"
    result = run_python(code, PRODUCTION_ENV, "lms.settings.production")
    assert result.returncode != 0
    assert "Demo accounts are disabled" in result.stderr
