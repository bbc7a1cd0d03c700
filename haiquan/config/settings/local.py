"""Settings for a workstation or a demo: SQLite by default, debug off unless asked."""

import os

from .base import *  # noqa: F403
from .base import HAIQUAN_NOTIFICATIONS, HAIQUAN_OPS, VAR_DIR

DEBUG = os.environ.get("HAIQUAN_DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("HAIQUAN_SECRET_KEY") or "local-demo-key-not-for-production"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Serve the static files shipped in the package without `collectstatic` (the demo runs with
# DEBUG off, where runserver serves none).
WHITENOISE_USE_FINDERS = True

# /metrics on a workstation: open to this machine only, unless a token or networks are given.
if not HAIQUAN_OPS["METRICS_TOKEN"] and not HAIQUAN_OPS["METRICS_NETWORKS"]:
    HAIQUAN_OPS = {**HAIQUAN_OPS, "METRICS_NETWORKS": ["127.0.0.0/8", "::1/128"]}

# A workstation's webhooks go to its own receivers (http://localhost:...).
HAIQUAN_NOTIFICATIONS = {**HAIQUAN_NOTIFICATIONS, "ALLOW_PRIVATE_URLS": True, "ALLOW_HTTP": True}
