"""API tokens carry scopes and an expiry; customs staff get tokens only as named, audited system
accounts (issue 16). Tokens used past their scope or expiry get problem+json."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import timezone

from haiquan.accounts.choices import Role
from haiquan.accounts.models import ApiToken
from haiquan.accounts.services import token_create, user_create
from haiquan.core.problems import ValidationFailed
from haiquan.core.tests.world import declaration_payload

pytestmark = pytest.mark.django_db

LATER = timedelta(days=30)


def issue(user, scopes, *, expires_in=LATER, **kw):  # type: ignore[no-untyped-def]
    return token_create(
        user=user, name="ERP", scopes=scopes, expires_at=timezone.now() + expires_in, **kw
    )


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_read_only_token_reads_but_cannot_file(world):
    _token, raw = issue(world.users["declarant"], ["read"])
    client = Client()
    assert client.get("/api/v1/declarations", **bearer(raw)).status_code == 200
    body = declaration_payload(world.own.enterprise.mst, "20BD")
    resp = client.post(
        "/api/v1/declarations", json.dumps(body), content_type="application/json", **bearer(raw)
    )
    assert resp.status_code == 403
    assert resp["Content-Type"] == "application/problem+json"
    problem = resp.json()
    assert problem["type"] == "urn:haiquan:problem:insufficient-scope"
    assert "'file'" in problem["detail"]
    assert 'error="insufficient_scope"' in resp["WWW-Authenticate"]
    assert 'scope="file"' in resp["WWW-Authenticate"]


def test_a_filing_token_cannot_pay_and_a_paying_token_cannot_file(world):
    decl = world.own.declarations["awaiting"]
    _t, filing = issue(world.users["declarant"], ["read", "file"])
    _t, paying = issue(world.users["declarant"], ["pay"])
    client = Client()
    order = client.post(
        "/api/v1/payments/orders",
        json.dumps({"declaration_id": decl.pk}),
        content_type="application/json",
        **bearer(filing),
    )
    assert order.status_code == 403 and order.json()["type"].endswith("insufficient-scope")
    cancel = client.post(
        f"/api/v1/declarations/{decl.pk}/cancel",
        json.dumps({"reason": "Khai nhầm"}),
        content_type="application/json",
        **bearer(paying),
    )
    assert cancel.status_code == 403
    # without "read", not even a list
    assert client.get("/api/v1/declarations", **bearer(paying)).status_code == 403
    decl.refresh_from_db()
    assert decl.status == "awaiting_payment"


def test_a_token_past_its_expiry_gets_401_problem_json(world):
    token, raw = issue(world.users["declarant"], ["read"])
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    resp = Client().get("/api/v1/declarations", **bearer(raw))
    assert resp.status_code == 401
    assert resp["Content-Type"] == "application/problem+json"
    assert resp.json()["type"] == "urn:haiquan:problem:token-expired"
    assert 'error="invalid_token"' in resp["WWW-Authenticate"]


def test_every_token_expires_and_no_later_than_the_maximum(world):
    user = world.users["declarant"]
    with pytest.raises(TypeError):
        token_create(user=user, name="ERP", scopes=["read"])  # type: ignore[call-arg]
    with override_settings(HAIQUAN={**settings.HAIQUAN, "API_TOKEN_MAX_DAYS": 90}):
        with pytest.raises(ValidationFailed) as too_long:
            issue(user, ["read"], expires_in=timedelta(days=91))
        assert too_long.value.errors[0].field == "expires_at"
        issue(user, ["read"], expires_in=timedelta(days=90) - timedelta(minutes=1))
    with pytest.raises(ValidationFailed) as unknown:
        issue(user, ["read", "everything"])
    assert [e.code for e in unknown.value.errors] == ["unknown-scope"]
    with pytest.raises(ValidationFailed):
        issue(user, [])
    assert not ApiToken.objects.filter(expires_at__isnull=True).exists()


def test_customs_staff_get_no_personal_token(world):
    officer = user_create(
        username="cc.person", password="pw-person-2026!", role=Role.OFFICER, office_codes=["20BD"]
    )
    with pytest.raises(ValidationFailed) as refused:
        issue(officer, ["read"], purpose="reports")
    assert refused.value.errors[0].code == "personal-customs-token"
    assert not ApiToken.objects.filter(user=officer).exists()


def test_a_customs_system_account_is_named_and_its_token_audited(world):
    system = user_create(
        username="sys.20bd-dashboard",
        password=None,
        role=Role.OFFICER,
        office_codes=["20BD"],
        system_account=True,
    )
    assert not system.has_usable_password()
    with pytest.raises(ValidationFailed) as no_purpose:
        issue(system, ["read"], issued_by=world.users["admin"])
    assert no_purpose.value.errors[0].field == "purpose"
    token, raw = issue(
        system, ["read"], issued_by=world.users["admin"], purpose="wall dashboard of Móng Cái"
    )
    token.refresh_from_db()
    assert token.issued_by == world.users["admin"] and token.scopes == ["read"]
    assert token.purpose == "wall dashboard of Móng Cái"
    assert Client().get("/api/v1/declarations/queue", **bearer(raw)).status_code == 200


def test_a_system_account_has_no_password():
    with pytest.raises(ValidationFailed) as refused:
        user_create(
            username="sys.x", password="pw-sys-2026!", role=Role.DECLARANT, system_account=True
        )
    assert refused.value.errors[0].field == "password"


def test_the_token_command_asks_for_scopes_and_days(world, capsys):
    with pytest.raises(CommandError):
        call_command(
            "haiquan_token", "w.declarant", "--name", "ERP", "--scope", "read", "--days", "9999"
        )
    call_command(
        "haiquan_token",
        "w.declarant",
        "--name",
        "ERP",
        "--scope",
        "read",
        "--scope",
        "file",
        "--days",
        "30",
    )
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(prefix=raw[:10])
    assert token.scopes == ["read", "file"]
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert token.issued_by is None and token.issued_by_label.startswith("command line")


def test_every_change_of_the_api_declares_its_scope():
    """A new endpoint cannot ship without a scope in haiquan/core/apiscopes.py (it would be
    refused to every token): this lists the API's operations from the router itself."""
    from django.urls import get_resolver

    from haiquan.config.api import api
    from haiquan.core.apiscopes import CHANGES, operation_of, scope_needed

    get_resolver().url_patterns  # noqa: B018 - builds the routes (and their auth)
    operations = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                for method in op.methods:
                    operations.add(operation_of(method, f"{prefix}{path}"))
    missing = sorted(op for op in operations if scope_needed(*op.split(" ", 1)) is None)
    assert missing == [], f"give these operations a scope in haiquan/core/apiscopes.py: {missing}"
    listed = {op for ops in CHANGES.values() for op in ops}
    assert sorted(listed - operations) == [], "rows naming operations that no longer exist"


def test_a_change_without_a_declared_scope_is_refused_to_every_token():
    from haiquan.core.apiscopes import scope_needed

    assert scope_needed("POST", "api/v1/declarations/<declaration_id>/something-new") is None
    assert scope_needed("GET", "api/v1/declarations/<declaration_id>/something-new") == "read"
