"""What the pages promise a customs network: a Content-Security-Policy with no inline script
or style, every asset from the package itself, and production settings that pass
`manage.py check --deploy`."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

import haiquan

PACKAGE = Path(haiquan.__file__).resolve().parent
TEMPLATES = sorted(p for p in PACKAGE.rglob("templates/**/*.html"))


@pytest.mark.django_db  # every page asks whether an outage is declared (the banner)
def test_every_page_carries_a_policy_without_unsafe_inline():
    resp = Client().get("/accounts/login/")
    policy = resp["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_has_inline_script_style_or_a_remote_asset(template):
    text = template.read_text(encoding="utf-8")
    if template.name == "declaration_print.html":
        return  # rendered to PDF by weasyprint, never served to a browser
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert not re.search(r"<style\b", text), "inline <style>"
    assert not re.search(r"\sstyle=", text), "style attribute"
    assert not re.search(r"\son[a-z]+=", text), "inline event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", text), "remote asset"


def test_the_assets_ship_inside_the_package():
    for name in ("haiquan.css", "haiquan.js", "vendor/htmx-2.0.11.min.js", "admin.css"):
        assert (PACKAGE / "static" / "haiquan" / name).is_file()
    assert PACKAGE / "static" in [Path(p) for p in settings.STATICFILES_DIRS]


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.production",
        "HAIQUAN_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://haiquan@db.invalid:5432/haiquan",
        "HAIQUAN_REDIS_URL": "redis://redis.invalid:6379/0",
        "HAIQUAN_ALLOWED_HOSTS": "haiquan.customs.example",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only (e2e/conftest.py)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_the_bank_simulator_off_unless_asked():
    code = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.HAIQUAN['BANK_SIMULATOR'], settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.production",
        "HAIQUAN_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://haiquan@db.invalid:5432/haiquan",
        "HAIQUAN_REDIS_URL": "redis://redis.invalid:6379/0",
        "HAIQUAN_ALLOWED_HOSTS": "haiquan.customs.example",
    }
    env.pop("HAIQUAN_BANK_SIMULATOR", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True", "True", "31536000"]
