"""Settings for a server: PostgreSQL, Redis, several daphne workers behind nginx.

Start-up stops with a clear message when the configuration is unsafe: no
secret key from the environment, no PostgreSQL, no Redis, or no host names.
"""

from .base import *  # noqa: F403
from .base import DATABASES, ENV, REDIS_URL, env_bool, env_list, require

DEBUG = False
DEMO_ACCOUNTS_ENABLED = False

SECRET_KEY = ENV.get("SECRET_KEY", "")
require(
    len(SECRET_KEY) >= 50 and len(set(SECRET_KEY)) >= 5 and "insecure" not in SECRET_KEY,
    "SECRET_KEY must come from the environment: at least 50 random characters "
    '(python -c "import secrets; print(secrets.token_urlsafe(64))").',
)
# Old keys still accepted for signatures (sessions, API token digests) while rotating.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
require(
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
    "DATABASE_URL must point at PostgreSQL (postgres://user:password@host:5432/name).",
)
require(bool(REDIS_URL), "REDIS_URL must point at Redis (redis://host:6379/0).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
require(bool(ALLOWED_HOSTS), "ALLOWED_HOSTS must list the site's host names.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"https://{h}" for h in ALLOWED_HOSTS])

# nginx terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(ENV.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
TRUSTED_PROXY_COUNT = int(ENV.get("TRUSTED_PROXY_COUNT", "1"))

# X-Frame-Options stays SAMEORIGIN (not DENY) because Wagtail's live preview
# frames the site inside its own admin; CSP frame-ancestors 'self' says the same.
SILENCED_SYSTEM_CHECKS = ["security.W019"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

EMAIL_BACKEND = ENV.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = ENV.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(ENV.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = ENV.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = ENV.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Sessions in Redis with the database behind them: fast on every request and
# shared by all daphne workers.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
