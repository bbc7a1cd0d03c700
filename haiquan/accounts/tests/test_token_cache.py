"""Bearer tokens held verified by a worker for a few seconds (haiquan.accounts.tokencache):
no database read per request, yet a revocation is effective within the window everywhere and
at once in the process that revoked."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import Settings

from haiquan.accounts import tokencache
from haiquan.accounts.models import ApiToken
from haiquan.accounts.services import token_create, token_revoke, user_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations"


@pytest.fixture
def erp() -> tuple[ApiToken, Client]:
    user = user_create(username="erp", password=None, role="declarant")
    token, raw = token_create(
        user=user, name="ERP", scopes=["read"], expires_at=timezone.now() + timedelta(days=1)
    )
    return token, Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def token_reads(ctx: CaptureQueriesContext) -> int:
    return sum('FROM "accounts_apitoken"' in q["sql"] for q in ctx.captured_queries)


def test_a_verified_token_is_not_read_again_within_the_window(erp: tuple[ApiToken, Client]) -> None:
    _token, client = erp
    with CaptureQueriesContext(connection) as first:
        assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get(URL).status_code == 200
    assert (token_reads(first), token_reads(second)) == (1, 0)


def test_revoked_by_another_worker_is_refused_once_the_window_has_passed(
    erp: tuple[ApiToken, Client], monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    token, client = erp
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    window = settings.HAIQUAN["API_TOKEN_CACHE_SECONDS"]
    assert 0 < window <= 10
    assert client.get(URL).status_code == 200
    # Another worker revokes it: this worker's copy does not know yet.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    clock[0] += window - 0.5
    assert client.get(URL).status_code == 200
    clock[0] += 1.0
    refused = client.get(URL)
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("token-revoked"), refused.json()


def test_revoked_in_this_process_is_refused_at_once(erp: tuple[ApiToken, Client]) -> None:
    token, client = erp
    assert client.get(URL).status_code == 200
    token_revoke(token=token)
    assert client.get(URL).status_code == 401


def test_a_user_deactivated_elsewhere_is_refused_once_the_window_has_passed(
    erp: tuple[ApiToken, Client], monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    token, client = erp
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    assert client.get(URL).status_code == 200
    type(token.user).objects.filter(pk=token.user_id).update(is_active=False)
    clock[0] += settings.HAIQUAN["API_TOKEN_CACHE_SECONDS"] + 0.5
    assert client.get(URL).status_code == 401


def test_each_request_gets_its_own_copy_of_the_user(erp: tuple[ApiToken, Client]) -> None:
    _token, client = erp
    client.get(URL)
    first = tokencache.token_read(_token.key_hash)
    second = tokencache.token_read(_token.key_hash)
    assert first is not None and second is not None
    assert first is not second and first.user is not second.user
    assert first.user.pk == second.user.pk


def test_no_window_reads_the_token_every_time(
    erp: tuple[ApiToken, Client], settings: Settings
) -> None:
    settings.HAIQUAN = {**settings.HAIQUAN, "API_TOKEN_CACHE_SECONDS": 0}
    _token, client = erp
    client.get(URL)
    with CaptureQueriesContext(connection) as again:
        assert client.get(URL).status_code == 200
    assert token_reads(again) == 1
