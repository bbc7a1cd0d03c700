"""The matrix's online-services world builds, and its cells hold for a few representative
rows (the whole table lives in haiquan/core/tests/test_authz_matrix.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from haiquan.core.tests.fixtures import fresh_limits, world  # noqa: F401  (fixtures)

from .world import FILING_STATES, fee_message

pytestmark = pytest.mark.django_db
BASE = "/api/v1/eservices"


def test_the_world_has_every_state_and_its_scope_holds(world: Any, fresh_limits: Any) -> None:  # noqa: F811
    parties = world.eservices  # built with the world (haiquan/core/tests/world.py)
    own, other = parties["own"], parties["other"]
    assert set(own.filings) == set(FILING_STATES)
    draft = own.filings["draft"]
    c = Client()
    for role, expected in (
        ("declarant", 200),
        ("broker", 200),
        ("officer", 200),
        ("leader", 200),
        ("analyst", 200),
        ("operator", 404),
    ):
        if role in world.tokens:
            resp = c.get(f"{BASE}/filings/{draft.pk}", **world.auth(role))
            assert resp.status_code == expected, role
    assert (
        c.get(f"{BASE}/filings/{other.filings['draft'].pk}", **world.auth("officer")).status_code
        == 404
    )
    received = own.filings["submitted"]
    assert (
        c.post(f"{BASE}/filings/{received.pk}/receive", **world.auth("declarant")).status_code
        == 403
    )
    assert (
        c.post(f"{BASE}/filings/{received.pk}/receive", **world.auth("officer")).status_code == 200
    )
    assert own.fee_order is not None
    msg = fee_message(world.bank_secret, own.fee_order, "W-MATRIX")
    resp = c.post(
        f"{BASE}/fee-confirmations",
        data=msg["raw"],
        content_type="application/json",
        HTTP_X_BANK_CODE=world.bank.code,
        HTTP_X_TIMESTAMP=msg["timestamp"],
        HTTP_X_SIGNATURE=msg["signature"],
    )
    assert resp.status_code == 201
    rulings = c.get(f"{BASE}/rulings", **world.auth("declarant")).json()["items"]
    assert [r["number"] for r in rulings] == [own.ruling.number]
