"""Every page for every role: who gets the page, who is refused (403), who is sent to log in,
and a declaration outside one's scope is not found (404), as in the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.clearance import services
from haiquan.clearance.tests.conftest import declaration_input
from haiquan.refdata.models import Enterprise

pytestmark = pytest.mark.django_db

TRADER_PAGES = ["clearance:declaration_create"]
CUSTOMS_PAGES = ["clearance:queue"]
# /declarations/: a trader's own list, or customs' search of its offices' declarations.
BOTH_PAGES = ["clearance:declaration_list"]
LEADER_PAGES = ["clearance:overview"]
EXPECTED = {
    # role: (trader pages, customs pages, leader pages)
    "declarant": (200, 403, 403),
    "broker": (200, 403, 403),
    "officer": (403, 200, 403),
    "leader": (403, 200, 200),
    "analyst": (403, 200, 200),
    "admin": (403, 200, 200),
    "bank": (403, 403, 403),
}


@pytest.fixture
def users(hoanglong: Enterprise, broker: Any, declarant: Any) -> dict[str, Any]:
    return {
        "declarant": declarant,
        "broker": broker,
        "officer": user_create(username="o", password=None, role="officer", office_codes=["20BD"]),
        "leader": user_create(username="l", password=None, role="leader", office_codes=["20"]),
        "analyst": user_create(username="a", password=None, role="analyst"),
        "admin": user_create(username="ad", password=None, role="admin"),
        "bank": user_create(username="b", password=None, role="bank"),
    }


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_gets_its_pages_and_is_refused_the_others(
    users: dict[str, Any], role: str
) -> None:
    client = login(Client(), users[role])
    trader, customs, leader = EXPECTED[role]
    for name in TRADER_PAGES:
        assert client.get(reverse(name)).status_code == trader, (role, name)
    for name in CUSTOMS_PAGES:
        assert client.get(reverse(name)).status_code == customs, (role, name)
    for name in LEADER_PAGES:
        assert client.get(reverse(name)).status_code == leader, (role, name)
    for name in BOTH_PAGES:
        expected = 200 if 200 in (trader, customs) else 403
        assert client.get(reverse(name)).status_code == expected, (role, name)


@pytest.mark.parametrize(
    "name",
    [*TRADER_PAGES, *CUSTOMS_PAGES, *LEADER_PAGES, *BOTH_PAGES, "home", "accounts:password_change"],
)
def test_anonymous_users_are_sent_to_log_in(name: str) -> None:
    resp = Client().get(reverse(name))
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("declarant", 200),
        ("broker", 200),
        ("officer", 200),
        ("leader", 200),
        ("analyst", 200),
        ("admin", 200),
        ("bank", 404),
    ],
)
def test_the_declaration_page_follows_the_apis_visibility(
    rates: None, users: dict[str, Any], hoanglong: Enterprise, role: str, status: int
) -> None:
    d = services.declaration_register(actor=users["broker"], data=declaration_input(hoanglong.mst))
    for url in (
        reverse("clearance:declaration_detail", args=[d.pk]),
        reverse("clearance:declaration_pdf", args=[d.pk]),
    ):
        assert login(Client(), users[role]).get(url).status_code == status, (role, url)


def test_system_accounts_are_told_to_use_the_api(users: dict[str, Any]) -> None:
    resp = login(Client(), users["bank"]).get("/")
    assert resp.status_code == 403
    assert "core/no_pages.html" in [t.name for t in resp.templates]
