"""Settings shared by every environment. Values that differ come from the environment."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # the haiquan package
VAR_DIR = Path(os.environ.get("HAIQUAN_VAR_DIR", BASE_DIR.parent / "var"))

SECRET_KEY = os.environ.get("HAIQUAN_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("HAIQUAN_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "haiquan.core",
    "haiquan.eventlog",
    "haiquan.accounts",
    "haiquan.refdata",
    "haiquan.tariff",
    "haiquan.risk",
    "haiquan.clearance",
    "haiquan.payments",
    "haiquan.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "haiquan.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "haiquan.config.urls"
WSGI_APPLICATION = "haiquan.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def database_from_env(default_sqlite: Path) -> dict[str, Any]:
    """`DATABASE_URL` selects the database; SQLite under var/ when it is not set."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{default_sqlite}"
    db: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=int(os.environ.get("HAIQUAN_CONN_MAX_AGE", "60")))
    )
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while one writer commits; the busy timeout queues writers
        # instead of failing them at once.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        db["CONN_MAX_AGE"] = 0
    else:
        db.setdefault("OPTIONS", {})
        db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASES = {"default": database_from_env(VAR_DIR / "haiquan.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese is the default language; then English, Japanese, Chinese (simplified), Korean.
LANGUAGE_CODE = "vi"
LANGUAGES = [
    ("vi", _("Vietnamese")),
    ("en", _("English")),
    ("ja", _("Japanese")),
    ("zh-hans", _("Chinese (simplified)")),
    ("ko", _("Korean")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"  # shown; stored as UTC

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# Business configuration, overridable per installation through the environment.
HAIQUAN: dict[str, Any] = {
    # Seed of the reproducible random selection for compliance measurement.
    "RANDOM_SELECTION_SEED": os.environ.get("HAIQUAN_RANDOM_SELECTION_SEED", "haiquan"),
    # Bank confirmations older than this (seconds) are refused as replays.
    "BANK_SIGNATURE_MAX_AGE": int(os.environ.get("HAIQUAN_BANK_SIGNATURE_MAX_AGE", "300")),
    # How many days back an exchange rate may be used when the day has none (weekends).
    "EXCHANGE_RATE_MAX_AGE_DAYS": int(os.environ.get("HAIQUAN_EXCHANGE_RATE_MAX_AGE_DAYS", "7")),
    # VNACCS limits a declaration to 50 goods lines.
    "MAX_LINES_PER_DECLARATION": int(os.environ.get("HAIQUAN_MAX_LINES", "50")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HAIQUAN_LOG_LEVEL", "WARNING")},
}
