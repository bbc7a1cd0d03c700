"""Rate limits per client address (public pages, the API) and per token, kept in Redis so that
they hold across worker processes and nodes; the handbook's PDF rendered once per edition and
language; the FAQ list renders only the page it answers (issue 16)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client, override_settings

from haiquan.accounts.tests.factories import UserFactory
from haiquan.accounts.tests.helpers import login
from haiquan.core.ratelimit import bucket_take

ROOT = Path(__file__).resolve().parents[4]
REDIS_URL = os.environ.get("HAIQUAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


REDIS_UP = _redis_up()
if not REDIS_UP and os.environ.get("HAIQUAN_REQUIRE_REDIS") == "1":
    raise RuntimeError(f"HAIQUAN_REQUIRE_REDIS=1 but Redis at {REDIS_URL} does not answer")
needs_redis = pytest.mark.skipif(
    not REDIS_UP, reason=f"Redis is not running at {REDIS_URL} (CI starts it: .ci/run)"
)


def limits(**values: Any) -> Any:
    return override_settings(HAIQUAN={**settings.HAIQUAN, **values})


@pytest.fixture
def redis_limits() -> Iterator[str]:
    """The "limits" cache in Redis, configured as production's settings configure it from
    HAIQUAN_REDIS_URL; yields a bucket key of this test's own."""
    from haiquan.config.settings.base import caches_from_env

    key = f"rl:test:{uuid.uuid4().hex}"
    with override_settings(
        CACHES={**settings.CACHES, "limits": caches_from_env(REDIS_URL)["limits"]}
    ):
        yield key
        caches["limits"].delete(key)


# --- shared across workers ---------------------------------------------------------------------

TAKE_IN_ANOTHER_PROCESS = """
import django, json, sys
django.setup()
from haiquan.core.ratelimit import bucket_take
print(json.dumps([bucket_take(key=sys.argv[1], burst=5, per_second=0.001).allowed for _ in range(3)]))
"""


@needs_redis
def test_two_worker_processes_share_one_limit_through_redis(redis_limits):
    key = redis_limits
    here = [bucket_take(key=key, burst=5, per_second=0.001).allowed for _ in range(3)]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.test",
        "HAIQUAN_REDIS_URL": REDIS_URL,
    }
    env.pop("DATABASE_URL", None)
    # the other worker: another process, its own Redis client, the same installation's limits
    other = subprocess.run(
        [sys.executable, "-c", TAKE_IN_ANOTHER_PROCESS, key],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert other.returncode == 0, other.stderr
    there = json.loads(other.stdout.strip().splitlines()[-1])
    assert here == [True, True, True]
    assert there == [True, True, False]  # 5 in all, whichever worker asks


@needs_redis
def test_the_bucket_in_redis_follows_the_worked_example(redis_limits):
    key = redis_limits
    assert [bucket_take(key=key, burst=3, per_second=1, now=0).allowed for _ in range(3)] == [
        True,
        True,
        True,
    ]
    refused = bucket_take(key=key, burst=3, per_second=1, now=0.2)
    assert (refused.allowed, refused.retry_after) == (False, 1)
    assert bucket_take(key=key, burst=3, per_second=1, now=1.0).allowed
    assert bucket_take(key=key, burst=3, per_second=1, now=100).tokens_left == pytest.approx(2.0)


# --- per address ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_pages_are_limited_per_address():
    with limits(PUBLIC_RATE_BURST=3, PUBLIC_RATE_PER_SECOND=0.01):
        codes = [
            Client().get("/accounts/login/", REMOTE_ADDR="203.0.113.7").status_code
            for _ in range(4)
        ]
        refused = Client().get("/accounts/login/", REMOTE_ADDR="203.0.113.7")
        elsewhere = Client().get("/accounts/login/", REMOTE_ADDR="198.51.100.7")
    assert codes == [200, 200, 200, 429]
    assert int(refused["Retry-After"]) >= 1
    assert elsewhere.status_code == 200


@pytest.mark.django_db
def test_logged_in_users_behind_one_office_address_are_not_limited_per_address():
    user = UserFactory()
    client = login(Client(), user)
    with limits(PUBLIC_RATE_BURST=2, PUBLIC_RATE_PER_SECOND=0.01):
        codes = {client.get("/portal/", REMOTE_ADDR="203.0.113.8").status_code for _ in range(5)}
    assert codes == {200}


@pytest.mark.django_db
def test_the_api_is_limited_per_address_with_problem_json():
    with limits(API_ADDRESS_RATE_BURST=3, API_ADDRESS_RATE_PER_SECOND=0.01):
        codes = [
            Client().get("/api/v1/portal/categories", REMOTE_ADDR="203.0.113.9").status_code
            for _ in range(4)
        ]
        refused = Client().get("/api/v1/portal/categories", REMOTE_ADDR="203.0.113.9")
    assert codes == [200, 200, 200, 429]
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:haiquan:problem:rate-limited"
    assert int(refused["Retry-After"]) >= 1


@pytest.mark.django_db
def test_the_limit_is_per_client_behind_the_proxy_not_per_proxy():
    with limits(
        API_ADDRESS_RATE_BURST=2, API_ADDRESS_RATE_PER_SECOND=0.01, TRUSTED_PROXIES=["10.0.0.0/8"]
    ):
        flood = [
            Client()
            .get(
                "/api/v1/portal/categories",
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR="203.0.113.1",
            )
            .status_code
            for _ in range(3)
        ]
        other = Client().get(
            "/api/v1/portal/categories", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1"
        )
    assert flood == [200, 200, 429]
    assert other.status_code == 200


# --- the handbook's PDF and the FAQ list ---------------------------------------------------------


@pytest.fixture
def portal_content(db: Any) -> None:
    from haiquan.portal.content import content_load

    content_load(directory=ROOT / "haiquan" / "portal" / "tests" / "data")


def test_the_handbook_pdf_is_rendered_once_per_edition_and_language(portal_content, monkeypatch):
    from haiquan.portal.views import public

    pytest.importorskip("weasyprint")
    caches["default"].clear()
    rendered: list[int] = []
    real = public.html_to_pdf

    def counted(request: Any, html: str) -> bytes | None:
        rendered.append(1)
        return real(request, html)

    monkeypatch.setattr(public, "html_to_pdf", counted)
    first = Client().get("/portal/handbook/pdf/")
    if first.status_code == 503:
        pytest.skip("weasyprint cannot render on this machine (the page says so: 503)")
    second = Client().get("/portal/handbook/pdf/")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.content.startswith(b"%PDF")
    assert len(rendered) == 1
    english = Client().get("/portal/handbook/pdf/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200 and len(rendered) == 2  # another language: its own PDF


def test_the_faq_list_renders_only_the_page_it_answers(portal_content, monkeypatch):
    from haiquan.portal import api as portal_api

    rendered: list[str] = []
    real = portal_api.faq_out

    def counted(view: Any) -> Any:
        rendered.append(view.slug)
        return real(view)

    monkeypatch.setattr(portal_api, "faq_out", counted)
    resp = Client().get("/api/v1/portal/faq", {"limit": 2})
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] > 2 and len(body["items"]) == 2
    assert len(rendered) == 2
    assert all(item["answer_html"] for item in body["items"])


def test_production_refuses_to_start_without_redis():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.production",
        "HAIQUAN_SECRET_KEY": secrets.token_urlsafe(64),
        "HAIQUAN_ALLOWED_HOSTS": "haiquan.customs.example",
        "DATABASE_URL": "postgres://haiquan@db.invalid:5432/haiquan",
    }
    env.pop("HAIQUAN_REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "HAIQUAN_REDIS_URL" in result.stderr
