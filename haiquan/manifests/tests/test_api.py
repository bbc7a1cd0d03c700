"""The manifests API through HTTP: the carrier's own-and-other cells the matrix has no column
for, CUSCAR files in the body, problems as problem+json."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.manifests.models import Voyage

from .cuscar_sample import cuscar_text, sample_bills

pytestmark = pytest.mark.django_db

Api = Callable[[User], Client]


def _report_json(hoanglong: Any) -> dict[str, Any]:
    return {
        "transport_mode_code": "sea",
        "transport_means_id": "9321483",
        "transport_means_name": "WAN HAI 307",
        "conveyance_reference_number": "V2026W",
        "loading_location_id": "CNSHA",
        "office_of_arrival": "20CD",
        "estimated_arrival": (timezone.now() + timedelta(days=2)).isoformat(),
        "consignments": [
            {
                "transport_contract_document_id": "COSU6123456780",
                "consignor_name": "Guangxi Pingxiang Trading Co., Ltd",
                "consignee_name": "Công ty TNHH Hoàng Long",
                "consignee_id": hoanglong.mst,
                "total_package_quantity": 500,
                "total_gross_mass_measure": "6250.000",
                "goods_items": [
                    {
                        "description": "Fresh dragon fruit",
                        "package_quantity": 500,
                        "gross_mass_measure": "6250.000",
                        "commodity_classification": "08109092",
                        "package_type_code": "CT",
                    }
                ],
                "transport_equipment": [{"identification": "CSQU3054383", "seals": ["CN1234567"]}],
            }
        ],
    }


def test_a_carrier_files_by_json_and_reads_its_bills(
    api: Api, carrier: User, hoanglong: Any
) -> None:
    client = api(carrier)
    resp = client.post(
        "/api/v1/manifests/voyages", json.dumps(_report_json(hoanglong)), "application/json"
    )
    assert resp.status_code == 201, resp.content
    voyage = resp.json()
    assert voyage["office_of_arrival"] == "20CD" and voyage["bills"] == 1
    bills = client.get(f"/api/v1/manifests/voyages/{voyage['id']}/bills").json()
    assert bills == [
        {
            "transport_contract_document_id": "COSU6123456780",
            "transport_contract_document_type": "simple",
            "master_transport_contract_document_id": "",
            "consignee_name": "Công ty TNHH Hoàng Long",
            "consignee_id": hoanglong.mst,
            "total_package_quantity": 500,
            "total_gross_mass_measure": "6250.000",
            "containers": 1,
            "declared_package_quantity": 0,
            "status": "undeclared",
            "risk_flags": [],
            "hold": None,
        }
    ]


def test_problems_are_problem_json_naming_the_field(
    api: Api, carrier: User, hoanglong: Any
) -> None:
    body = _report_json(hoanglong)
    body["consignments"][0]["transport_equipment"][0]["identification"] = "CSQU3054384"
    resp = api(carrier).post("/api/v1/manifests/voyages", json.dumps(body), "application/json")
    assert resp.status_code == 422
    assert resp["Content-Type"] == "application/problem+json"
    assert resp.json()["errors"] == [
        {
            "field": "consignments[0].transport_equipment[0].identification",
            "problem": "'CSQU3054384' is not a valid ISO 6346 container number (e.g. CSQU3054383)",
            "code": "invalid-container",
        }
    ]
    assert not Voyage.objects.exists()


def test_a_cuscar_file_is_accepted_or_refused_by_segment(
    api: Api, carrier: User, hoanglong: Any
) -> None:
    text = cuscar_text(sample_bills(12, [(hoanglong.mst, hoanglong.name)]))
    client = api(carrier)
    broken = text.replace("CNT+11:", "CNT+11:x", 1)
    resp = client.post("/api/v1/manifests/cuscar", broken.encode(), "application/EDIFACT")
    assert resp.status_code == 422
    [problem] = resp.json()["errors"]
    assert problem["field"].endswith("(CNT+01:2)") and problem["code"] == "not-a-number"
    resp = client.post("/api/v1/manifests/cuscar", text.encode(), "application/EDIFACT")
    assert resp.status_code == 201, resp.content
    assert resp.json()["accepted"] is True and resp.json()["voyage"]["bills"] == 12
    resp = client.post("/api/v1/manifests/cuscar", b"\xff\xfe", "application/EDIFACT")
    assert resp.status_code == 415


def test_a_carrier_sees_and_changes_only_its_own_voyages(
    api: Api, carrier: User, other_carrier: User, manifest: Voyage
) -> None:
    mine, theirs = api(carrier), api(other_carrier)
    assert [v["id"] for v in mine.get("/api/v1/manifests/voyages").json()] == [manifest.pk]
    assert theirs.get("/api/v1/manifests/voyages").json() == []
    assert theirs.get(f"/api/v1/manifests/voyages/{manifest.pk}").status_code == 404
    arrival = json.dumps({"arrived_at": timezone.now().isoformat()})
    url = f"/api/v1/manifests/voyages/{manifest.pk}/arrival"
    assert theirs.post(url, arrival, "application/json").status_code == 404
    resp = mine.post(url, arrival, "application/json")
    assert resp.status_code == 200 and resp.json()["actual_arrival"]
    amend = json.dumps({"reason": "Short-shipped", "withdrawn": ["COSU6123456799"]})
    resp = mine.post(
        f"/api/v1/manifests/voyages/{manifest.pk}/amendments", amend, "application/json"
    )
    assert resp.status_code == 201
    assert resp.json()["after_arrival"] is True and resp.json()["reason"] == "Short-shipped"


def test_officers_read_the_voyages_arriving_at_their_office(
    api: Api, officer: User, officer_elsewhere: User, manifest: Voyage
) -> None:
    assert api(officer).get(f"/api/v1/manifests/voyages/{manifest.pk}").status_code == 200
    assert api(officer_elsewhere).get(f"/api/v1/manifests/voyages/{manifest.pk}").status_code == 404


def test_an_officer_holds_a_bill_and_releases_it(
    api: Api, officer: User, officer_elsewhere: User, manifest: Voyage
) -> None:
    url = f"/api/v1/manifests/voyages/{manifest.pk}/bills/COSU6123456780/holds"
    body = json.dumps({"kind": "inspect_at_arrival", "reason": "Fruit from a new consignee"})
    assert api(officer_elsewhere).post(url, body, "application/json").status_code == 404
    resp = api(officer).post(url, body, "application/json")
    assert resp.status_code == 201 and resp.json()["kind"] == "inspect_at_arrival"
    bills = api(officer).get(f"/api/v1/manifests/voyages/{manifest.pk}/bills").json()
    assert bills[0]["hold"]["reason"] == "Fruit from a new consignee"
    resp = api(officer).post(url + "/release", json.dumps({"outcome": "maybe"}), "application/json")
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "outcome"
    resp = api(officer).post(
        url + "/release", json.dumps({"outcome": "nothing_found"}), "application/json"
    )
    assert resp.status_code == 200 and resp.json()["released_at"]
