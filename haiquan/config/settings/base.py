"""Settings shared by every environment. Values that differ come from the environment."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from haiquan.ops.logs import logging_config

from .databases import databases_from_env

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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_htmx",
    "django_filters",
    # django-ninja's own templates and static files: the API docs (Swagger UI) are served from
    # the package, with no inline script, instead of a CDN the CSP would block.
    "ninja",
    "haiquan.core",
    "haiquan.eventlog",
    "haiquan.accounts",
    "haiquan.refdata",
    "haiquan.tariff",
    "haiquan.risk",
    "haiquan.clearance",
    "haiquan.payments",
    "haiquan.supervision",
    "haiquan.transit",
    "haiquan.demo",
    "haiquan.audit",
    "haiquan.outage",
    "haiquan.singlewindow",
    "haiquan.eservices",
    "haiquan.timerelease",
    "haiquan.stats",
    "haiquan.riskml",
    "haiquan.postaudit",
    "haiquan.notifications",
    "haiquan.portal",
    "haiquan.manifests",
    "haiquan.ops",
]

MIDDLEWARE = [
    # First: REMOTE_ADDR becomes the client's address (X-Forwarded-For believed only from the
    # proxies in HAIQUAN["TRUSTED_PROXIES"]), for axes, the limits and the access trail alike.
    "haiquan.core.clientip.ClientAddressMiddleware",
    # Then the request id on every log line, metrics and the access log (haiquan.ops); then
    # the health checks and /metrics, answered before the host check and the HTTPS redirect.
    "haiquan.ops.middleware.RequestMiddleware",
    "haiquan.ops.middleware.OpsEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # With a standby: a user who has just written reads from the primary for a while.
    "haiquan.core.dbrouter.PrimaryPinMiddleware",
    # Customs sessions end after HAIQUAN["CUSTOMS_IDLE_MINUTES"] without a request and after
    # HAIQUAN["CUSTOMS_SESSION_MAX_HOURS"] in all.
    "haiquan.accounts.middleware.SessionAgeMiddleware",
    # Customs staff reach no page before passing their second factor (TOTP).
    "haiquan.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "haiquan.core.middleware.DatabaseUnavailableMiddleware",
    # A service's refusal a page did not handle (Forbidden...): the problem page, everywhere.
    "haiquan.core.web.ProblemPageMiddleware",
    # Per-address limits of anonymous pages and of the API (haiquan.core.ratelimit).
    "haiquan.core.ratelimit.AddressRateLimitMiddleware",
    # Last, as django-axes asks: turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
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
                "haiquan.outage.context.outage_banner",
            ],
        },
    },
]


DATABASES = databases_from_env(dict(os.environ), VAR_DIR / "haiquan.sqlite3")
# Reports, lists and dashboards read from the standby when there is one; everything else (and
# a user's reads just after they wrote) from the primary (haiquan.core.dbrouter).
DATABASE_ROUTERS = ["haiquan.core.dbrouter.StandbyRouter"]
# How long after a user's write their reads stay on the primary: longer than the standby's lag.
HAIQUAN_STANDBY_PIN_SECONDS = int(os.environ.get("HAIQUAN_STANDBY_PIN_SECONDS", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# The log-in limits first (haiquan.accounts.loginlimits: per address across accounts, and per
# account across addresses), then django-axes: both refuse before the password is checked.
AUTHENTICATION_BACKENDS = [
    "haiquan.accounts.loginlimits.LoginLimitsBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one user name from one address lock that pair out for 15 minutes:
# the user logging in from elsewhere is not locked out by someone else's guesses.
AXES_FAILURE_LIMIT = int(os.environ.get("HAIQUAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("HAIQUAN_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The address axes counts is the client's, as resolved behind the trusted proxies.
AXES_CLIENT_IP_CALLABLE = "haiquan.core.clientip.axes_client_ip"

# Caches. With HAIQUAN_REDIS_URL (e.g. redis://127.0.0.1:6379/0) both live in Redis, shared by
# every worker process and every node: "limits" holds the rate and log-in limits, "default"
# what is worth keeping once rendered (the handbook's PDFs). Without it (a workstation, the
# tests) each process keeps its own in memory, and the limits are per process.
REDIS_URL = os.environ.get("HAIQUAN_REDIS_URL", "")


def caches_from_env(redis_url: str) -> dict[str, Any]:
    if not redis_url:
        return {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "limits": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "limits",
            },
        }

    def redis(prefix: str) -> dict[str, Any]:
        return {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }

    return {"default": redis("hq"), "limits": redis("hq-limits")}


CACHES = caches_from_env(REDIS_URL)

# Sessions: customs staff are logged out after 30 minutes without a request and after 12 hours
# in all (haiquan.accounts.middleware.SessionAgeMiddleware); everyone's session cookie lasts at
# most SESSION_COOKIE_AGE.
SESSION_COOKIE_AGE = int(os.environ.get("HAIQUAN_SESSION_MAX_HOURS", "24")) * 3600

# The second factor of customs staff: TOTP (RFC 6238) in any authenticator app. Its secrets
# never show in the admin.
OTP_TOTP_ISSUER = os.environ.get("HAIQUAN_OTP_ISSUER", "haiquan")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# No inline script and no inline style anywhere: every asset comes from the package itself,
# so pages work on a customs network without internet. QR codes are data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

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
# Django's own "vi" formats do not group thousands and its "zh_Hans" ones group by ten
# thousand without a separator; haiquan's formats write 73.000.000 and 73,000,000.
FORMAT_MODULE_PATH = ["haiquan.core.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"  # shown; stored as UTC

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The pages' own assets (CSS, script, htmx) ship inside the package: no CDN, no build step.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded documents are readable by haiquan's user and group only (never world-readable).
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# Business configuration, overridable per installation through the environment.
HAIQUAN: dict[str, Any] = {
    # Seed of the reproducible random selection for compliance measurement.
    "RANDOM_SELECTION_SEED": os.environ.get("HAIQUAN_RANDOM_SELECTION_SEED", "haiquan"),
    # Goods not declared within this many days of their arrival are abandoned (hàng tồn đọng;
    # Customs Law 2014, art. 57: 90 days).
    "MANIFEST_ABANDON_DAYS": int(os.environ.get("HAIQUAN_MANIFEST_ABANDON_DAYS", "90")),
    # Bank confirmations older than this (seconds) are refused as replays.
    "BANK_SIGNATURE_MAX_AGE": int(os.environ.get("HAIQUAN_BANK_SIGNATURE_MAX_AGE", "300")),
    # How many days back an exchange rate may be used when the day has none (weekends).
    "EXCHANGE_RATE_MAX_AGE_DAYS": int(os.environ.get("HAIQUAN_EXCHANGE_RATE_MAX_AGE_DAYS", "7")),
    # VNACCS limits a declaration to 50 goods lines.
    "MAX_LINES_PER_DECLARATION": int(os.environ.get("HAIQUAN_MAX_LINES", "50")),
    # The page standing for a bank's payment site (demo and tests). It signs a confirmation
    # with the demo bank's secret, so anyone who reaches it "pays": off in production.
    "BANK_SIMULATOR": os.environ.get("HAIQUAN_BANK_SIMULATOR", "1") == "1",
    "DEMO_BANK_CODE": os.environ.get("HAIQUAN_DEMO_BANK_CODE", "DEMO"),
    # Declarations per page in the lists and the officers' queue.
    "PAGE_SIZE": int(os.environ.get("HAIQUAN_PAGE_SIZE", "25")),
    # Supervision and e-seal monitoring. The MQTT broker the telemetry subscriber listens to.
    "MQTT_URL": os.environ.get("HAIQUAN_MQTT_URL", "mqtt://127.0.0.1:1883"),
    "MQTT_TOPIC": os.environ.get("HAIQUAN_MQTT_TOPIC", "haiquan/eseal/+/position"),
    # Tile server of the monitoring map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png;
    # empty = no tiles (the map shows routes and positions on a plain background).
    "MAP_TILE_URL": os.environ.get("HAIQUAN_MAP_TILE_URL", ""),
    "MAP_TILE_ATTRIBUTION": os.environ.get("HAIQUAN_MAP_TILE_ATTRIBUTION", ""),
    # The base layer shipped inside haiquan for this country (ISO code; "" = none).
    "MAP_BASE_LAYER": os.environ.get("HAIQUAN_MAP_BASE_LAYER", "VN"),
    # E-seal messages signed with each seal's key: "required" (default, and in production) or
    # "optional"; the secret the seals' keys derive from (production sets its own).
    "TELEMETRY_SIGNATURES": os.environ.get("HAIQUAN_TELEMETRY_SIGNATURES", "required"),
    "DEVICE_KEY_SECRET": os.environ.get("HAIQUAN_DEVICE_KEY_SECRET", ""),
    # Alert thresholds: metres beyond the corridor, minutes of a stop, of silence, battery %.
    "CORRIDOR_TOLERANCE_M": int(os.environ.get("HAIQUAN_CORRIDOR_TOLERANCE_M", "100")),
    "MAX_STOP_MINUTES": int(os.environ.get("HAIQUAN_MAX_STOP_MINUTES", "30")),
    "SIGNAL_LOST_MINUTES": int(os.environ.get("HAIQUAN_SIGNAL_LOST_MINUTES", "15")),
    "LOW_BATTERY_PCT": int(os.environ.get("HAIQUAN_LOW_BATTERY_PCT", "20")),
    # The largest document a declarant may attach to a declaration, in MB (the web server's
    # request size limit must allow it, plus 64 KB for the form around it).
    "DOCUMENT_MAX_BYTES": int(float(os.environ.get("HAIQUAN_DOCUMENT_MAX_MB", "20")) * 1024 * 1024),
    # Bonded warehouses: days of warning before a lot's storage time (default 365) ends.
    "BONDED_EXPIRY_WARNING_DAYS": int(os.environ.get("HAIQUAN_BONDED_WARNING_DAYS", "30")),
    # A worker keeps a bearer token it has verified (and its user) this many seconds before
    # reading it again: a revocation, an expiry or a deactivated user takes effect everywhere
    # within this time (at once in the process that revoked). 0 reads the token every request.
    "API_TOKEN_CACHE_SECONDS": float(os.environ.get("HAIQUAN_API_TOKEN_CACHE_SECONDS", "5")),
    # Each API token may send a burst of this many requests, then this many a second; beyond
    # that 429 with Retry-After (haiquan.core.ratelimit). 0 a second turns the limit off. The
    # buckets live in CACHES: use a cache shared by every worker and host in production.
    "API_RATE_BURST": int(os.environ.get("HAIQUAN_API_RATE_BURST", "300")),
    "API_RATE_PER_SECOND": float(os.environ.get("HAIQUAN_API_RATE_PER_SECOND", "50")),
    # Per client address: every API request (burst, then per second), and every request of an
    # anonymous visitor to the pages (the FAQ, the handbook and its PDF, the log-in page).
    # 0 a second turns one off; API_RATE_PER_SECOND = 0 turns the API's both off (benchmarks).
    "API_ADDRESS_RATE_BURST": int(os.environ.get("HAIQUAN_API_ADDRESS_RATE_BURST", "1000")),
    "API_ADDRESS_RATE_PER_SECOND": float(
        os.environ.get("HAIQUAN_API_ADDRESS_RATE_PER_SECOND", "200")
    ),
    "PUBLIC_RATE_BURST": int(os.environ.get("HAIQUAN_PUBLIC_RATE_BURST", "120")),
    "PUBLIC_RATE_PER_SECOND": float(os.environ.get("HAIQUAN_PUBLIC_RATE_PER_SECOND", "5")),
    # The proxies whose X-Forwarded-For is believed: CIDRs, comma-separated (e.g.
    # "10.0.0.0/8,2001:db8::/32"). Empty = none: REMOTE_ADDR is the client (haiquan.core.clientip).
    "TRUSTED_PROXIES": [
        c.strip() for c in os.environ.get("HAIQUAN_TRUSTED_PROXIES", "").split(",") if c.strip()
    ],
    # Log-in limits besides axes' (account, address) lock-out (haiquan.accounts.loginlimits):
    # wrong passwords from one address across all accounts (password spraying) within the
    # window stop log-ins from that address until the window ends; wrong passwords for one
    # account from all addresses beyond the threshold make each further try for it wait,
    # doubling from 1 s up to the cap: slowed, never locked.
    "LOGIN_ADDRESS_FAILURE_LIMIT": int(os.environ.get("HAIQUAN_LOGIN_ADDRESS_LIMIT", "10")),
    "LOGIN_ADDRESS_WINDOW_MINUTES": int(os.environ.get("HAIQUAN_LOGIN_ADDRESS_WINDOW", "60")),
    "LOGIN_ACCOUNT_SLOWDOWN_AFTER": int(os.environ.get("HAIQUAN_LOGIN_ACCOUNT_SLOWDOWN", "10")),
    "LOGIN_ACCOUNT_MAX_DELAY_SECONDS": int(os.environ.get("HAIQUAN_LOGIN_ACCOUNT_MAX_DELAY", "60")),
    # API tokens: every token expires; no later than this many days after it is issued.
    "API_TOKEN_MAX_DAYS": int(os.environ.get("HAIQUAN_API_TOKEN_MAX_DAYS", "365")),
    # Customs staff's page sessions: ended after this many idle minutes and this many hours.
    "CUSTOMS_IDLE_MINUTES": int(os.environ.get("HAIQUAN_CUSTOMS_IDLE_MINUTES", "30")),
    "CUSTOMS_SESSION_MAX_HOURS": int(os.environ.get("HAIQUAN_CUSTOMS_SESSION_MAX_HOURS", "12")),
    # How long an administrator's one-time link to enrol an authenticator stays valid.
    "ENROLMENT_LINK_HOURS": int(os.environ.get("HAIQUAN_ENROLMENT_LINK_HOURS", "72")),
    # ClamAV's daemon: "unix:///run/clamav/clamd.ctl" or "tcp://127.0.0.1:3310"; empty = uploads
    # are not scanned (haiquan.core.scanning).
    "CLAMD_URL": os.environ.get("HAIQUAN_CLAMD_URL", ""),
    # The daily roots of the event log and the access trail, signed each night with this
    # Ed25519 private key (PEM, made by `haiquan log-roots keygen`; empty = not signed) into
    # this directory (empty = VAR_DIR/log-roots), one file a day to send to the partner.
    "LOG_ROOT_KEY": os.environ.get("HAIQUAN_LOG_ROOT_KEY", ""),
    "LOG_ROOTS_DIR": os.environ.get("HAIQUAN_LOG_ROOTS_DIR", ""),
}

# Logs (haiquan.ops.logs): one JSON object a line with the request id ("json", production's
# default) or a line of text ("text"); HAIQUAN_ACCESS_LOG=1 adds one line per request.
LOGGING = logging_config(
    fmt=os.environ.get("HAIQUAN_LOG_FORMAT", "text"),
    level=os.environ.get("HAIQUAN_LOG_LEVEL", "WARNING"),
    access_log=os.environ.get("HAIQUAN_ACCESS_LOG", "0") == "1",
)

# Running and watching the service (haiquan.ops, README "Running in production").
HAIQUAN_OPS: dict[str, Any] = {
    # A periodic job's schedule (cron, in TIME_ZONE) or "off", overriding the one its app
    # declares: HAIQUAN_SCHEDULE_TRANSIT_WATCH="*/2 * * * *", HAIQUAN_SCHEDULE_RISK_TRAIN=off.
    "JOBS": {
        key.removeprefix("HAIQUAN_SCHEDULE_").lower().replace("_", "-"): value
        for key, value in os.environ.items()
        if key.startswith("HAIQUAN_SCHEDULE_")
    },
    # /metrics answers a scraper with this bearer token and/or from these networks (CIDR,
    # comma-separated); with neither it is not served at all.
    "METRICS_TOKEN": os.environ.get("HAIQUAN_METRICS_TOKEN", ""),
    "METRICS_NETWORKS": [
        n.strip() for n in os.environ.get("HAIQUAN_METRICS_NETWORKS", "").split(",") if n.strip()
    ],
    # Readiness checks the MQTT broker when telemetry comes through one (HAIQUAN_MQTT_URL set),
    # and the periodic jobs' freshness unless HAIQUAN_READY_JOBS=0.
    "READY_MQTT": os.environ.get(
        "HAIQUAN_READY_MQTT", "1" if os.environ.get("HAIQUAN_MQTT_URL") else "0"
    )
    == "1",
    "READY_JOBS": os.environ.get("HAIQUAN_READY_JOBS", "1") == "1",
    "JOB_RUNS_KEPT_DAYS": int(os.environ.get("HAIQUAN_JOB_RUNS_KEPT_DAYS", "90")),
}

# E-mail (notifications): Django's SMTP backend, configured from the environment. With no
# HAIQUAN_SMTP_HOST the messages are written to the worker's standard output instead.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("HAIQUAN_SMTP_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("HAIQUAN_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("HAIQUAN_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("HAIQUAN_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("HAIQUAN_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("HAIQUAN_SMTP_STARTTLS", "0") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("HAIQUAN_MAIL_FROM", "haiquan@localhost")

# Notifications (haiquan.notifications; defaults in haiquan/notifications/conf.py, README
# "Notifications and webhooks").
HAIQUAN_NOTIFICATIONS: dict[str, Any] = {
    "SITE_URL": os.environ.get("HAIQUAN_SITE_URL", ""),
    "DISABLE_AFTER_DAYS": float(os.environ.get("HAIQUAN_WEBHOOK_DISABLE_AFTER_DAYS", "3")),
    "ALLOW_PRIVATE_URLS": os.environ.get("HAIQUAN_WEBHOOK_ALLOW_PRIVATE", "0") == "1",
    "ALLOW_HTTP": os.environ.get("HAIQUAN_WEBHOOK_ALLOW_HTTP", "0") == "1",
}
