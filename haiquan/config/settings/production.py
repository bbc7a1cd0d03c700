"""Production: every secret and address comes from the environment; nothing has a default."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import HAIQUAN

DEBUG = False
SECRET_KEY = os.environ.get("HAIQUAN_SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("HAIQUAN_SECRET_KEY must be set in production")
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("HAIQUAN_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Never a simulated bank in production unless an installation asks for it (a demo server).
HAIQUAN = {**HAIQUAN, "BANK_SIMULATOR": os.environ.get("HAIQUAN_BANK_SIMULATOR", "0") == "1"}

# E-seals: every message signed with its seal's key (HAIQUAN_DEVICE_KEY_SECRET, see the README).
if str(HAIQUAN.get("TELEMETRY_SIGNATURES", "required")).lower() != "required":
    raise ImproperlyConfigured("unsigned e-seal telemetry is not allowed in production")
