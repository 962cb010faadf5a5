"""Settings shared by every environment.

Only the modules in this package read ``os.environ``. The embedded default is
SQLite (WAL) with the in-memory channel layer and a local-memory cache;
``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL`` to Redis for both the
channel layer and the cache.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

ENV = os.environ


def env_bool(name, default=False):
    value = ENV.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = ENV.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


SECRET_KEY = ENV.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Demo accounts (``seed_demo``) exist only where this is True: dev and test.
DEMO_ACCOUNTS_ENABLED = False
DEMO_PASSWORD = "demo-pass-2026"

INSTALLED_APPS = [
    "daphne",
    # Project apps first so their templates override Wagtail's and Django's.
    "lms.accounts",
    "lms.audit",
    "lms.core",
    "lms.training",
    "lms.enrolment",
    "lms.attendance",
    "lms.evaluation",
    "lms.trainingfile",
    "lms.learning",
    "cms",
    "courses_content",
    "live",
    "assessments",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "lms.accounts.users_app.ProgrammeUsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Third party
    "channels",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lms.core.middleware.ProgrammeLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lms.api.ApiJsonErrorsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lms.audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lms.core.middleware.AdminContentSecurityPolicyMiddleware",
    "courses_content.middleware.CurriculumAdminMiddleware",
    "cms.site_cache.CachedSiteMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Axes must be last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
ASGI_APPLICATION = "lms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "lms.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------

SQLITE_PATH = ENV.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASE_URL = ENV.get("DATABASE_URL", "")

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Under daphne every request's view runs in a thread of its own, so connections kept
        # per thread pile up (50 trainees saving answers at once exhausted PostgreSQL's 100).
        # A pool per process bounds them: DATABASE_POOL_MAX connections, requests wait for one
        # up to 20 s. Pooling replaces persistent connections (CONN_MAX_AGE must be 0).
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": int(ENV.get("DATABASE_POOL_MAX", "20")),
            "timeout": 20,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # WAL lets readers proceed while one writer commits; IMMEDIATE
                # takes the write lock at BEGIN so concurrent writers queue
                # instead of failing with "database is locked".
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=5000;"
                    "PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # Keep each thread's connection: the chat's database thread would otherwise open
            # and close a file connection for every message (a quarter of daphne's CPU).
            "CONN_MAX_AGE": 600,
        }
    }

# SQLite: seconds between checkpoints of the write-ahead log by a thread beside the requests
# (lms/core/sqlite.py), so no commit has to do one; 0 leaves it to SQLite alone.
SQLITE_CHECKPOINT_SECONDS = float(ENV.get("SQLITE_CHECKPOINT_SECONDS", "0.2"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and cache ------------------------------------------------

REDIS_URL = ENV.get("REDIS_URL", "")

# How often (seconds) Python hands the GIL between daphne's event loop and its database thread
# (lms/asgi.py; Python's default is 0.005). 0 leaves Python's default.
ASGI_SWITCH_INTERVAL = float(ENV.get("ASGI_SWITCH_INTERVAL", "0.0002"))

# Chat pictures and files uploaded but never sent are deleted after this many hours by
# ``manage.py clean_chat_uploads`` (run it daily; docs/chat-uploads.md).
CHAT_UNSENT_UPLOAD_HOURS = int(ENV.get("CHAT_UNSENT_UPLOAD_HOURS", "24"))

# The chat has one layer channel per process (live.hub), not per socket. It holds at most 1000
# frames for at most 60 s; what overflows is dropped by the layer, and the hub counts the gap
# and has its sockets catch up from the database: messages are saved before they are broadcast
# (docs/chat.md). Group memberships last a day and the hub renews them every ten minutes.
CHANNEL_LAYER_LIMITS = {"capacity": 1000, "expiry": 60, "group_expiry": 86400}

# How the chat's hubs in different daphne processes reach each other (live/bus.py): "redis", one
# Redis pub/sub channel (one round trip a batch; the default with REDIS_URL), or "layer", the
# channel layer's group (four round trips on channels_redis; for a shared layer other than Redis).
CHAT_HUB_BUS = ENV.get("CHAT_HUB_BUS", "redis" if REDIS_URL else "layer")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "lms:channels", **CHANNEL_LAYER_LIMITS},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lms",
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": CHANNEL_LAYER_LIMITS,
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "lms",
        }
    }

# Background tasks (django-tasks). Wagtail's small jobs (reference and search index
# updates) run at once in the request that enqueued them ("default"). Long jobs, such as
# building a training file, go to the "background" backend: rows in the database that
# ``manage.py db_worker --backend background`` picks up (``make run`` starts one beside
# daphne; production runs it as a service, see docs/deploy.md). LMS_BACKGROUND_TASKS=immediate
# runs them in the request instead, for a machine that cannot run a worker.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "background": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if ENV.get("LMS_BACKGROUND_TASKS", "worker") == "immediate"
            else "django_tasks_db.backend.DatabaseBackend"
        )
    },
}

# The training file's PDFs need a font with Chinese glyphs; empty means Debian's
# fonts-noto-cjk (see lms.trainingfile.fonts).
PDF_CJK_FONT = ENV.get("PDF_CJK_FONT") or None

# Certificates (docs/exams.md): the county code that starts every serial
# (county-year-tier-sequence), the issuing bureau's name on the PDF (empty: the translated
# "County Bureau of Commerce"), and the reminder hooks for SMS or e-mail: dotted paths of
# callables taking one assessments.models.Reminder.
LMS_COUNTY_CODE = ENV.get("LMS_COUNTY_CODE", "430500")
CERTIFICATE_BUREAU_NAME = ENV.get("CERTIFICATE_BUREAU_NAME", "")
CERTIFICATE_REMINDER_HOOKS = []
# Public certificate look-ups a minute per client address (page and API together; 0 = off).
CERTIFICATE_VERIFY_RATE_LIMIT = int(ENV.get("CERTIFICATE_VERIFY_RATE_LIMIT", "30"))

# Check-in by QR code (lms.attendance.checkin): how long each code is shown, how early
# check-in opens and when a check-in counts as late.
CHECKIN_CODE_SECONDS = int(ENV.get("CHECKIN_CODE_SECONDS", "30"))
CHECKIN_OPENS_MINUTES_BEFORE = int(ENV.get("CHECKIN_OPENS_MINUTES_BEFORE", "30"))
CHECKIN_LATE_MINUTES = int(ENV.get("CHECKIN_LATE_MINUTES", "10"))

# --- Accounts and sign-in ---------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before anything else runs.
    "axes.backends.AxesStandaloneBackend",
    "lms.accounts.backends.ProgrammeModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the API's session clients read it for X-CSRFToken

# Five failures lock that username from that address for a while; other users
# and other addresses are unaffected.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
AXES_LOCKOUT_CALLABLE = "lms.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "lms.accounts.lockout.client_ip_address"
# Number of trusted reverse proxies in front of daphne (nginx = 1). With 0 the
# socket address is used and X-Forwarded-For is ignored.
TRUSTED_PROXY_COUNT = int(ENV.get("TRUSTED_PROXY_COUNT", "0"))

# --- Languages ----------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "lms_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media -------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(ENV.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(ENV.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise serves from the finders as well, so ``make run`` needs neither a
# web server nor a collectstatic step.
WHITENOISE_USE_FINDERS = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Wagtail ----------------------------------------------------------------

WAGTAIL_SITE_NAME = _("County e-commerce training")
WAGTAILADMIN_BASE_URL = ENV.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILAPI_DOCS_ENABLED = False
WAGTAILADMIN_LOGIN_URL = "login"
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "gif"]
# Documents are served through Wagtail's view (permission checks, attachment
# disposition); only PDFs open in the browser, everything else downloads.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf"]
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv", "mp4"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 200 * 1024 * 1024

# --- Security headers (all environments, so violations show up in dev) -------

X_FRAME_OPTIONS = "SAMEORIGIN"  # Wagtail's live preview frames the site itself
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "lms.core.views.csrf_failure"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Wagtail's admin sets inline styles from its scripts.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],
        # Video players lessons may embed (VIDEO_EMBED_ORIGINS, e.g. the origin of a
        # county video platform with an oEmbed finder in WAGTAILEMBEDS_FINDERS). Empty by
        # default: lessons use uploaded video files, which need no third party.
        "frame-src": [SELF, *env_list("VIDEO_EMBED_ORIGINS")],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# --- Logging ------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}


def require(condition, message):
    """Stop start-up with ``message`` when ``condition`` is false."""
    if not condition:
        raise ImproperlyConfigured(message)
