"""Settings for the test suite. `DATABASE_URL` selects PostgreSQL (as CI does); SQLite otherwise."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, HAIQUAN_NOTIFICATIONS, HAIQUAN_OPS

SECRET_KEY = "test-key"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
DATABASES["default"]["CONN_MAX_AGE"] = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Files the code writes under VAR_DIR at run time (the time-release store) go to a directory of
# this test process's own, never into a checkout's var/.
VAR_DIR = Path(tempfile.mkdtemp(prefix="haiquan-test-"))

# /metrics in tests: a scraper's token (the environment's MQTT broker is checked by the tests
# that start one, not by every readiness probe).
HAIQUAN_OPS = {**HAIQUAN_OPS, "METRICS_TOKEN": "test-metrics-token", "READY_MQTT": False}

# The tests' webhook receivers listen on 127.0.0.1 over plain HTTP; retries come quickly.
HAIQUAN_NOTIFICATIONS = {
    **HAIQUAN_NOTIFICATIONS,
    "ALLOW_PRIVATE_URLS": True,
    "ALLOW_HTTP": True,
    "RETRY_BASE_SECONDS": 0.05,
    "RETRY_MAX_SECONDS": 0.2,
    "LEASE_SECONDS": 5.0,
    "TIMEOUT_SECONDS": 2.0,
    "GAP_GRACE_SECONDS": 0.0,
}

# The notifications' fault test runs a worker process against an SMTP server it started.
if os.environ.get("HAIQUAN_TEST_SMTP_PORT"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "127.0.0.1"
    EMAIL_PORT = int(os.environ["HAIQUAN_TEST_SMTP_PORT"])
    EMAIL_TIMEOUT = 2
