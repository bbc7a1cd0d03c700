"""The tariff API through HTTP at /api/v1/tariff: search, one line, agreements, the
classification assistant, problem+json."""

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
    resp = client.get("/api/v1/tariff/lines", {"q": "0810.90", "limit": 2})
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] >= 5
    first = [item["code"] for item in body["items"]]
    resp = client.get("/api/v1/tariff/lines", {"q": "0810.90", "limit": 2, "offset": 2})
    assert first + [item["code"] for item in resp.json()["items"]] == sorted(
        first + [item["code"] for item in resp.json()["items"]]
    )


def test_search_by_unaccented_vietnamese_words_is_ranked(client):
    body = client.get("/api/v1/tariff/lines", {"q": "qua vai tuoi"}).json()
    item = body["items"][0]
    assert item["code"] == "08109020"
    assert item["description"] == "Quả vải" and item["context"].startswith("Quả khác, tươi")
    assert item["matched"] == ["qua", "vai", "tuoi"] and item["score"] > 0
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_one_line_with_its_rates(client):
    resp = client.get("/api/v1/tariff/lines/8703.23.61")
    assert resp.status_code == 200
    body = resp.json()
    assert body["code"] == "87032361"
    assert float(body["mfn_rate"]) == 70 and float(body["ordinary_rate"]) == 105
    assert float(body["sct_rate"]) == 40 and float(body["vat_rate"]) == 10
    prefs = {(p["agreement"], p["schedule"]): p for p in body["preferential"]}
    assert float(prefs[("CPTPP", "")]["rate"]) == 28
    assert float(prefs[("CPTPP", "MX")]["rate"]) == 35
    assert prefs[("RCEP", "D")]["rate"] is None  # excluded for Japan
    assert float(prefs[("EVFTA", "")]["rate"]) == 28.3
    assert body["rates"][0]["valid_to"] is None


def test_description_follows_the_language(client):
    vi = client.get("/api/v1/tariff/lines/08109020", headers={"accept-language": "vi"}).json()
    en = client.get("/api/v1/tariff/lines/08109020", headers={"accept-language": "en"}).json()
    ja = client.get("/api/v1/tariff/lines/08109020", headers={"accept-language": "ja"}).json()
    assert (vi["description"], en["description"], ja["description"]) == (
        "Quả vải",
        "Lychees",
        "Quả vải",  # no Japanese yet: Vietnamese
    )


def test_an_ahtn_2017_code_answers_with_the_line_it_became(client):
    resp = client.get("/api/v1/tariff/lines/8419.39.11", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 200
    body = resp.json()
    assert body["code"] == "84193930" and body["converted_from"] == "84193911"
    assert body["conversion_note"].startswith("8419.39.11 (AHTN 2017) is now 8419.39.30")
    vi = client.get("/api/v1/tariff/lines/84193911", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert (
        vi["conversion_note"] != body["conversion_note"] and "8419.39.30" in vi["conversion_note"]
    )
    current = client.get("/api/v1/tariff/lines/84193930").json()
    assert (current["converted_from"], current["conversion_note"]) == ("", "")
    divided = client.get("/api/v1/tariff/lines/84193919")
    assert divided.status_code == 404
    assert divided["Content-Type"] == "application/problem+json"
    assert "8419.33.90" in divided.json()["detail"] and "8419.39.90" in divided.json()["detail"]


def test_unknown_code_is_a_404_problem(client):
    resp = client.get("/api/v1/tariff/lines/99999999")
    assert resp.status_code == 404
    assert resp["Content-Type"] == "application/problem+json"
    body = resp.json()
    assert body["type"] == "urn:haiquan:problem:not-found"
    assert "99999999" in body["detail"]


def test_agreements_with_their_parties_and_schedules(client):
    body = client.get("/api/v1/tariff/agreements").json()
    by_code = {a["code"]: a for a in body}
    assert by_code["ACFTA"]["co_form"] == "E"
    assert "CN" in by_code["ACFTA"]["parties"] and "JP" not in by_code["ACFTA"]["parties"]
    assert by_code["RCEP"]["schedules"]["CN"] == "C" and by_code["RCEP"]["schedules"]["TH"] == "A"
    assert len(body) == 16


def test_the_classification_assistant(client):
    resp = client.get("/api/v1/tariff/classify", {"description": "Thanh long ruột trắng tươi"})
    assert resp.status_code == 200
    body = resp.json()
    top = body["suggestions"][0]
    assert top["code"] == "08109092" and 0 < top["confidence"] <= 1
    assert "thanh" in top["matched"] and top["reason"]
    assert len(body["suggestions"]) == 5
    assert sum(s["confidence"] for s in body["suggestions"]) <= 1.0001


@pytest.mark.parametrize(("description", "code"), [("", "required"), ("x" * 501, "too-long")])
def test_the_assistant_refuses_an_empty_or_long_description(client, description, code):
    resp = client.get("/api/v1/tariff/classify", {"description": description})
    assert resp.status_code == 422
    assert resp["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [("description", code)]


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
