"""Production: every secret and address comes from the environment; nothing has a default.

The settings refuse to load (ImproperlyConfigured, naming the variable and what to do) with a
secret key that is short, repetitive or well known (the demo's and the tests' keys, Django's
`django-insecure-` ones, a placeholder), without `HAIQUAN_ALLOWED_HOSTS`, or with a database
other than PostgreSQL: the event log's append-only triggers exist only there.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, HAIQUAN, REDIS_URL, logging_config

# Django's own deploy check asks for at least 50 characters and 5 different ones.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
# Keys published in this repository or in examples: anyone could sign sessions with them.
KNOWN_SECRET_KEYS = frozenset(
    {
        "local-demo-key-not-for-production",  # settings/local.py
        "test-key",  # settings/test.py
        "haiquan-demo",
        "changeme",
        "change-me",
        "secret",
        "secret-key",
        "your-secret-key",
        "insecure",
    }
)
HOW_TO_MAKE_A_KEY = (
    "set it to a long random value of your own, e.g. the output of "
    "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`, and keep it secret"
)


def secret_key_problem(key: str) -> str | None:
    """Why `key` must not sign a production installation's sessions, or None if it may."""
    if not key:
        return "HAIQUAN_SECRET_KEY is not set"
    lowered = key.strip().lower()
    if lowered in KNOWN_SECRET_KEYS or lowered.startswith(("haiquan-demo", "local-demo-key")):
        return "HAIQUAN_SECRET_KEY is a published example key (anyone can forge sessions with it)"
    if lowered.startswith("django-insecure-"):
        return "HAIQUAN_SECRET_KEY is one of Django's 'django-insecure-' development keys"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return (
            f"HAIQUAN_SECRET_KEY has {len(key)} characters; production needs at least "
            f"{SECRET_KEY_MIN_LENGTH}"
        )
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return (
            f"HAIQUAN_SECRET_KEY uses {len(set(key))} different characters; production needs at "
            f"least {SECRET_KEY_MIN_DISTINCT}"
        )
    return None


DEBUG = False
SECRET_KEY = os.environ.get("HAIQUAN_SECRET_KEY", "")
_problem = secret_key_problem(SECRET_KEY)
if _problem:
    raise ImproperlyConfigured(f"{_problem}: {HOW_TO_MAKE_A_KEY}.")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("HAIQUAN_ALLOWED_HOSTS", "").split(",") if h.strip()
]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "HAIQUAN_ALLOWED_HOSTS is empty: set it to the host names the site answers to, "
        "comma-separated (e.g. haiquan.customs.gov.vn,haiquan.internal)."
    )

if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: point it at PostgreSQL, e.g. "
        "postgres://haiquan@db.internal:5432/haiquan."
    )
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        f"DATABASE_URL selects {DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}: production "
        "runs on PostgreSQL only (the event log's append-only triggers exist only there); set "
        "DATABASE_URL=postgres://user@host:5432/haiquan."
    )
# The rate and log-in limits must be the installation's, not each worker process's.
if not REDIS_URL:
    raise ImproperlyConfigured("HAIQUAN_REDIS_URL must point at Redis in production")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("HAIQUAN_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
STORAGES = {
    # Uploaded documents readable by haiquan's user and group only.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o640, "directory_permissions_mode": 0o750},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Never a simulated bank in production unless an installation asks for it (a demo server).
HAIQUAN = {**HAIQUAN, "BANK_SIMULATOR": os.environ.get("HAIQUAN_BANK_SIMULATOR", "0") == "1"}

# Logs: one JSON object a line with the request id, and a line per request (haiquan.ops.logs).
LOGGING = logging_config(
    fmt=os.environ.get("HAIQUAN_LOG_FORMAT", "json"),
    level=os.environ.get("HAIQUAN_LOG_LEVEL", "WARNING"),
    access_log=os.environ.get("HAIQUAN_ACCESS_LOG", "1") == "1",
)

# E-seals: every message signed with its seal's key (HAIQUAN_DEVICE_KEY_SECRET, see the README).
if str(HAIQUAN.get("TELEMETRY_SIGNATURES", "required")).lower() != "required":
    raise ImproperlyConfigured("unsigned e-seal telemetry is not allowed in production")
