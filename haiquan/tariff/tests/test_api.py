"""The tariff API through HTTP at /api/v1/tariff: search, one line, agreements, problem+json."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import ApiToken, hash_token
from haiquan.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    c = Client()
    c.force_login(UserFactory())
    return c


def test_search_by_code_prefix_is_paginated(client):
    resp = client.get("/api/v1/tariff/lines", {"q": "8703.23", "limit": 2})
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 4
    assert [item["code"] for item in body["items"]] == ["87032361", "87032363"]
    resp = client.get("/api/v1/tariff/lines", {"q": "8703.23", "limit": 2, "offset": 2})
    assert [item["code"] for item in resp.json()["items"]] == ["87032365", "87032369"]


def test_search_by_unaccented_vietnamese_words(client):
    body = client.get("/api/v1/tariff/lines", {"q": "qua vai tuoi"}).json()
    assert [item["code"] for item in body["items"]] == ["08109020"]
    item = body["items"][0]
    assert item["description_vi"] == "Quả vải, tươi"
    assert item["description_en"] == "Lychees, fresh"
    assert item["unit"] == "KGM"


def test_one_line_with_its_rates(client):
    resp = client.get("/api/v1/tariff/lines/8703.23.61")
    assert resp.status_code == 200
    body = resp.json()
    assert body["code"] == "87032361"
    assert float(body["mfn_rate"]) == 70 and float(body["ordinary_rate"]) == 105
    assert float(body["sct_rate"]) == 40 and float(body["vat_rate"]) == 10
    prefs = {p["agreement"]: float(p["rate"]) for p in body["preferential"]}
    assert prefs["VJEPA"] == 40 and prefs["ATIGA"] == 0 and "ACFTA" not in prefs


def test_description_follows_the_language(client):
    vi = client.get("/api/v1/tariff/lines/08109020", headers={"accept-language": "vi"}).json()
    en = client.get("/api/v1/tariff/lines/08109020", headers={"accept-language": "en"}).json()
    ja = client.get("/api/v1/tariff/lines/08109020", headers={"accept-language": "ja"}).json()
    assert (vi["description"], en["description"], ja["description"]) == (
        "Quả vải, tươi",
        "Lychees, fresh",
        "Quả vải, tươi",  # no Japanese yet: Vietnamese
    )


def test_unknown_code_is_a_404_problem(client):
    resp = client.get("/api/v1/tariff/lines/99999999")
    assert resp.status_code == 404
    assert resp["Content-Type"] == "application/problem+json"
    body = resp.json()
    assert body["type"] == "urn:haiquan:problem:not-found"
    assert "99999999" in body["detail"]


def test_agreements_with_their_parties(client):
    body = client.get("/api/v1/tariff/agreements").json()
    by_code = {a["code"]: a for a in body}
    assert by_code["ACFTA"]["co_form"] == "E"
    assert "CN" in by_code["ACFTA"]["parties"] and "JP" not in by_code["ACFTA"]["parties"]


def test_without_authentication_401():
    resp = Client().get("/api/v1/tariff/lines", {"q": "8703"})
    assert resp.status_code == 401
    assert resp["Content-Type"] == "application/problem+json"


def test_bearer_token(db):
    user = UserFactory()
    ApiToken.objects.create(
        user=user,
        name="erp",
        prefix="hq_test",
        key_hash=hash_token("hq_test_secret"),
        scopes=["read"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    resp = Client().get(
        "/api/v1/tariff/lines/27011100", headers={"authorization": "Bearer hq_test_secret"}
    )
    assert resp.status_code == 200
    assert float(resp.json()["export_rate"]) == 10
