"""Production settings refuse to start with a weak or published secret key, no allowed hosts, or
a database other than PostgreSQL; each refusal names the variable and what to do. The settings
are imported in a child process with a crafted environment, as a server would import them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

GOOD = {
    "HAIQUAN_SECRET_KEY": secrets.token_urlsafe(50),
    "HAIQUAN_ALLOWED_HOSTS": "haiquan.customs.example",
    "DATABASE_URL": "postgres://haiquan@db.invalid:5432/haiquan",
    "HAIQUAN_REDIS_URL": "redis://redis.invalid:6379/0",
}
CODE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.ALLOWED_HOSTS, settings.DATABASES['default']['ENGINE'])"
)


def _start(**changes: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HAIQUAN_SECRET_KEY", "HAIQUAN_ALLOWED_HOSTS", "DATABASE_URL")
    }
    env["DJANGO_SETTINGS_MODULE"] = "haiquan.config.settings.production"
    for name, value in {**GOOD, **changes}.items():
        if value is not None:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=120
    )


def _refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    return last.split(": ", 1)[1]


def test_a_sound_configuration_starts():
    result = _start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['haiquan.customs.example']", "django.db.backends.postgresql"]


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (None, "is not set"),
        ("", "is not set"),
        ("local-demo-key-not-for-production", "published example key"),
        ("test-key", "published example key"),
        ("haiquan-demo-" + "x" * 60, "published example key"),
        ("django-insecure-" + secrets.token_urlsafe(50), "django-insecure-"),
        (secrets.token_urlsafe(30), "characters; production needs at least 50"),
        ("ab" * 40, "2 different characters; production needs at least 5"),
    ],
    ids=[
        "unset",
        "empty",
        "demo",
        "tests",
        "demo-prefix",
        "django-insecure",
        "short",
        "repetitive",
    ],
)
def test_a_weak_or_published_secret_key_is_refused(key, why):
    message = _refusal(_start(HAIQUAN_SECRET_KEY=key))
    assert message.startswith("HAIQUAN_SECRET_KEY ")
    assert why in message
    assert "secrets.token_urlsafe" in message  # says how to make a good one
    if key:
        assert key not in message  # never echoes the secret


@pytest.mark.parametrize("hosts", [None, "", " , "])
def test_no_allowed_hosts_is_refused(hosts):
    message = _refusal(_start(HAIQUAN_ALLOWED_HOSTS=hosts))
    assert message.startswith("HAIQUAN_ALLOWED_HOSTS is empty: set it to the host names")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        (None, "DATABASE_URL is not set: point it at PostgreSQL"),
        ("sqlite:////var/lib/haiquan/haiquan.sqlite3", "DATABASE_URL selects sqlite3"),
        ("mysql://haiquan@db.invalid/haiquan", "DATABASE_URL selects mysql"),
    ],
)
def test_a_database_other_than_postgresql_is_refused(url, why):
    message = _refusal(_start(DATABASE_URL=url))
    assert message.startswith(why)
    if url:
        assert "append-only triggers exist only there" in message


def test_the_haiquan_command_says_why_without_a_traceback():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="haiquan.config.settings.production",
        HAIQUAN_SECRET_KEY="test-key",
        HAIQUAN_ALLOWED_HOSTS="haiquan.customs.example",
    )
    result = subprocess.run(
        [sys.executable, "-m", "haiquan.config.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("haiquan: HAIQUAN_SECRET_KEY is a published example key")
    assert "Traceback" not in result.stderr
