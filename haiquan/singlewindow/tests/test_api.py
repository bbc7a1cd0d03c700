"""/api/v1/single-window through HTTP, as agency systems, partner endpoints and traders use it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.clearance import services as clearance
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.clearance.tests.conftest import declaration_input, line
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Enterprise
from haiquan.singlewindow.models import Agency, Certificate, Document, PartnerEndpoint, Requirement

from .conftest import result_message

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

URL = "/api/v1/single-window"


def post(client: Client, path: str, body: Any) -> Response:
    return client.post(f"{URL}{path}", json.dumps(body), content_type="application/json")


def fields(resp: Response) -> dict[str, str]:
    assert resp["Content-Type"] == "application/problem+json", resp.content
    return {e["field"]: e["code"] for e in resp.json().get("errors", [])}


@pytest.fixture
def held(
    rates: None, declarant: User, hoanglong: Enterprise, quarantine_required: Requirement
) -> Declaration:
    """A declaration of dragon fruit with nothing to pay, held for plant quarantine."""
    return clearance.declaration_register(
        actor=declarant, data=declaration_input(hoanglong.mst, type_code="E31")
    )


class TestAgencyMessages:
    def test_a_pass_clears_the_declaration_and_the_trader_sees_it(
        self,
        held: Declaration,
        hoanglong: Enterprise,
        quarantine_officer: User,
        declarant: User,
        as_system: Callable[[User], Client],
        api: Callable[[User], Client],
    ) -> None:
        trader = api(declarant)
        seen = trader.get(f"{URL}/declarations/{held.pk}").json()
        assert seen["status"] == Status.AWAITING_PAYMENT
        assert seen["blockers"] == [
            "Line 1 (HS 08109092) needs a specialised-inspection result from "
            "Chi cục Kiểm dịch thực vật vùng VII."
        ]
        assert seen["lines"][0]["requests"][0]["state"] == "waiting"

        resp = post(
            as_system(quarantine_officer),
            "/documents",
            result_message(hoanglong.mst, declaration_number=held.number),
        )
        assert resp.status_code == 201, resp.content
        body = resp.json()
        assert body["cleared"] == [held.number]
        assert body["linked"][0] == {
            "declaration_number": held.number,
            "line_no": 1,
            "state": "satisfied",
            "quantity_drawn": "10000.000",
        }
        assert body["document"]["goods"][0]["remaining"] == "0.000"
        seen = trader.get(f"{URL}/declarations/{held.pk}").json()
        assert seen["status"] == Status.CLEARED and seen["blockers"] == []
        assert seen["lines"][0]["requests"][0]["reference"] == "KDTV-2026-000123"

    def test_the_agency_sees_its_requests(
        self,
        held: Declaration,
        quarantine_officer: User,
        trade_agency: Agency,
        as_system: Callable[[User], Client],
    ) -> None:
        from .conftest import agency_user

        mine = as_system(quarantine_officer).get(f"{URL}/requests?state=waiting").json()
        assert [r["declaration_number"] for r in mine["items"]] == [held.number]
        other = as_system(agency_user(trade_agency, "bct.khac")).get(f"{URL}/requests").json()
        assert other["items"] == []
        # ...and the declaration's page of requirements, through its request.
        resp = as_system(quarantine_officer).get(f"{URL}/declarations/{held.pk}")
        assert resp.status_code == 200 and resp.json()["lines"][0]["line_no"] == 1


class TestBadInput:
    """Each is a clear 4xx naming the problem, and changes nothing."""

    def unchanged(self, before: tuple[int, int]) -> bool:
        return (Document.objects.count(), Event.objects.count()) == before

    def snapshot(self) -> tuple[int, int]:
        return Document.objects.count(), Event.objects.count()

    def test_unknown_declaration(
        self,
        held: Declaration,
        hoanglong: Enterprise,
        quarantine_officer: User,
        as_system: Callable[[User], Client],
    ) -> None:
        before = self.snapshot()
        resp = post(
            as_system(quarantine_officer),
            "/documents",
            result_message(hoanglong.mst, declaration_number="109999999999"),
        )
        assert resp.status_code == 422
        assert fields(resp) == {"declaration_number": "unknown-declaration"}
        assert self.unchanged(before)

    def test_holder_that_does_not_match(
        self,
        held: Declaration,
        other_enterprise: Enterprise,
        quarantine_officer: User,
        as_system: Callable[[User], Client],
    ) -> None:
        before = self.snapshot()
        resp = post(
            as_system(quarantine_officer),
            "/documents",
            result_message(other_enterprise.mst, declaration_number=held.number),
        )
        assert resp.status_code == 422 and fields(resp) == {"holder_mst": "holder-mismatch"}
        assert self.unchanged(before)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            (
                {"goods": [{"hs_code": "0810", "quantity": "lots", "unit": "KGM"}]},
                "goods[0].quantity",
            ),
            ({"result": "maybe"}, "result"),
            ({"issued_on": "25/11/2026"}, "issued_on"),
            ({"message_id": None}, "message_id"),
            ({"goods": "08109092"}, "goods"),
        ],
    )
    def test_malformed_payload(
        self,
        held: Declaration,
        hoanglong: Enterprise,
        quarantine_officer: User,
        as_system: Callable[[User], Client],
        change: dict[str, Any],
        field: str,
    ) -> None:
        before = self.snapshot()
        resp = post(
            as_system(quarantine_officer), "/documents", result_message(hoanglong.mst, **change)
        )
        assert resp.status_code == 422
        assert field in fields(resp)
        assert self.unchanged(before)

    def test_not_json(self, quarantine_officer: User, as_system: Callable[[User], Client]) -> None:
        resp = as_system(quarantine_officer).post(
            f"{URL}/documents", "{not json", content_type="application/json"
        )
        assert 400 <= resp.status_code < 500

    def test_replayed_message(
        self,
        held: Declaration,
        hoanglong: Enterprise,
        quarantine_officer: User,
        as_system: Callable[[User], Client],
    ) -> None:
        client = as_system(quarantine_officer)
        body = result_message(hoanglong.mst, declaration_number=held.number)
        assert post(client, "/documents", body).status_code == 201
        before = self.snapshot()
        resp = post(client, "/documents", body)
        assert resp.status_code == 409
        assert resp.json()["type"] == "urn:haiquan:problem:replayed-message"
        assert "changed nothing" in resp.json()["detail"]
        assert self.unchanged(before)

    def test_a_trader_cannot_send_results(
        self,
        held: Declaration,
        hoanglong: Enterprise,
        declarant: User,
        api: Callable[[User], Client],
    ) -> None:
        before = self.snapshot()
        resp = post(api(declarant), "/documents", result_message(hoanglong.mst))
        assert resp.status_code == 403
        assert self.unchanged(before)

    def test_another_trader_cannot_read_the_declaration(
        self, held: Declaration, other_declarant: User, api: Callable[[User], Client]
    ) -> None:
        assert api(other_declarant).get(f"{URL}/declarations/{held.pk}").status_code == 404


class TestCertificatesApi:
    def body(self, mst: str) -> dict[str, Any]:
        issued = timezone.localdate() - timedelta(days=3)
        return {
            "ID": "TH2026-D-000999",
            "TypeCode": "D",
            "IssueDate": issued.isoformat(),
            "IssuingCountryCode": "TH",
            "ImportationCountryCode": "VN",
            "Exporter": {"Name": "Chanthaburi Fruit Export Co., Ltd.", "ID": "0105556000001"},
            "Importer": {"Name": "Hoàng Long", "ID": mst},
            "GoodsItem": [
                {
                    "SequenceNumeric": 1,
                    "Description": "Fresh dragon fruit",
                    "ClassificationID": "0810.90",
                    "OriginCriterionCode": "WO",
                    "TariffQuantity": "10000",
                    "QuantityUnitCode": "KGM",
                    "FOBValueAmount": "7200.00",
                    "CurrencyCode": "USD",
                }
            ],
        }

    def test_received_with_wco_names_and_used_by_a_claim(
        self,
        rates: None,
        hoanglong: Enterprise,
        declarant: User,
        thai_endpoint: PartnerEndpoint,
        as_system: Callable[[User], Client],
        api: Callable[[User], Client],
    ) -> None:
        client = as_system(thai_endpoint.user)
        resp = post(client, "/certificates", self.body(hoanglong.mst))
        assert resp.status_code == 201, resp.content
        out = resp.json()
        assert out["ID"] == "TH2026-D-000999" and out["AgreementCode"] == "ATIGA"
        assert out["GoodsItem"][0]["ClassificationID"] == "081090"
        replay = post(client, "/certificates", self.body(hoanglong.mst))
        assert replay.status_code == 409 and Certificate.objects.count() == 1

        decl = clearance.declaration_register(
            actor=declarant,
            data=declaration_input(
                hoanglong.mst,
                lines=(
                    line(
                        origin="TH",
                        preference="ATIGA",
                        co_number="TH2026-D-000999",
                        co_date=timezone.localdate() - timedelta(days=3),
                    ),
                ),
            ),
        )
        assert decl.lines.get().import_rate_kind == "preferential:ATIGA"
        mine = api(declarant).get(f"{URL}/certificates").json()["items"]
        assert mine[0]["GoodsItem"][0]["RemainingQuantity"] == "0.000"

    def test_a_malformed_certificate_names_its_fields(
        self,
        hoanglong: Enterprise,
        thai_endpoint: PartnerEndpoint,
        as_system: Callable[[User], Client],
    ) -> None:
        body = self.body(hoanglong.mst)
        body["TypeCode"] = "Z"
        body["GoodsItem"][0]["QuantityUnitCode"] = "BASKETS"
        resp = post(as_system(thai_endpoint.user), "/certificates", body)
        assert resp.status_code == 422
        assert set(fields(resp)) == {"TypeCode", "GoodsItem[0].QuantityUnitCode"}
        assert not Certificate.objects.exists()

    def test_a_trader_cannot_send_certificates(
        self, hoanglong: Enterprise, declarant: User, api: Callable[[User], Client]
    ) -> None:
        assert post(api(declarant), "/certificates", self.body(hoanglong.mst)).status_code == 403


class TestRequirementsApi:
    def test_administrators_edit_the_table(
        self, plant_agency: Agency, declarant: User, api: Callable[[User], Client]
    ) -> None:
        admin = user_create(username="admin.sw", password="pw-ad-2026!", role="admin")
        body = {
            "agency_code": plant_agency.code,
            "kind": "inspection",
            "title": "Kiểm dịch thực vật",
            "hs_prefix": "0805",
            "flow": "import",
            "origins": ["CN", "TH"],
        }
        resp = post(api(admin), "/requirements", body)
        assert resp.status_code == 201, resp.content
        assert resp.json()["origins"] == ["CN", "TH"]
        req_id = resp.json()["id"]
        resp = api(admin).put(
            f"{URL}/requirements/{req_id}",
            json.dumps({**body, "hs_prefix": "08x"}),
            content_type="application/json",
        )
        assert resp.status_code == 422 and set(fields(resp)) == {"hs_prefix"}
        assert post(api(declarant), "/requirements", body).status_code == 403
        listed = api(declarant).get(f"{URL}/requirements").json()
        assert [r["hs_prefix"] for r in listed] == ["0805"]
        assert Requirement.objects.count() == 1
