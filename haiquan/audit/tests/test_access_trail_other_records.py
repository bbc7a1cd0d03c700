"""Beyond declarations: an enterprise's risk profile, its post-clearance audit cases, its
online-service filings and their documents. Customs users opening them leave a row in the
trail, by the API and by the pages; the enterprise's own people do not."""

from __future__ import annotations

import pytest
from django.test import Client

from haiquan.accounts.tests.helpers import login
from haiquan.audit.choices import Part, Via
from haiquan.audit.models import AccessRecord
from haiquan.audit.selectors import access_records
from haiquan.core.tests.world import World
from haiquan.postaudit.tests.helpers import plan_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]


def _get(world: World, role: str, url: str) -> int:
    return Client().get(url, **world.auth(role)).status_code


def test_an_enterprise_risk_profile_read_by_an_analyst_is_recorded(world: World) -> None:
    ent = world.own.enterprise
    assert _get(world, "analyst", f"/api/v1/post-audit/enterprises/{ent.mst}") == 200
    page = login(Client(), world.users["analyst"]).get(f"/post-audit/traders/{ent.mst}/")
    assert page.status_code == 200
    records = access_records(enterprise_mst=ent.mst)
    assert [(r.part, r.via, r.subject_reference) for r in records] == [
        (Part.PROFILE, Via.PAGE, ent.mst),
        (Part.PROFILE, Via.API, ent.mst),
    ]
    assert {r.user for r in records} == {world.users["analyst"]}


def test_an_audit_case_read_by_its_officer_is_recorded_with_its_office(world: World) -> None:
    plan = plan_body(world)
    made = Client().post(
        "/api/v1/post-audit/cases",
        plan,
        content_type="application/json",
        **world.auth("analyst"),
    )
    assert made.status_code == 201, made.content
    case = made.json()
    assert not AccessRecord.objects.exists()  # planning is not reading
    assert _get(world, "officer", f"/api/v1/post-audit/cases/{case['id']}") == 200
    assert (
        login(Client(), world.users["officer"]).get(f"/post-audit/cases/{case['id']}/").status_code
        == 200
    )
    rows = list(access_records(part=Part.AUDIT_CASE, subject_id=case["id"]))
    assert [(r.via, r.office_code, r.subject_reference) for r in rows] == [
        (Via.PAGE, "20BD", case["reference"]),
        (Via.API, "20BD", case["reference"]),
    ]
    assert {r.enterprise for r in rows} == {world.own.enterprise}


def test_a_filing_and_its_document_read_by_an_officer_are_recorded(world: World) -> None:
    filing = world.eservices["own"].filings["draft"]
    doc = world.eservices["own"].document
    detail = f"/api/v1/eservices/filings/{filing.pk}"
    download = f"{detail}/documents/{doc.pk}"
    for role in ("declarant", "broker"):  # the enterprise's own side
        assert _get(world, role, detail) == 200
        assert _get(world, role, download) == 200
    assert not AccessRecord.objects.exists()

    assert _get(world, "officer", detail) == 200
    assert _get(world, "officer", download) == 200
    page = login(Client(), world.users["officer"])
    assert page.get(f"/eservices/filings/{filing.pk}/documents/{doc.pk}/").status_code == 200
    rows = list(access_records(user_id=world.users["officer"].pk))
    assert [(r.part, r.via, r.subject_id) for r in rows] == [
        (Part.FILING_DOCUMENT, Via.PAGE, doc.pk),
        (Part.FILING_DOCUMENT, Via.API, doc.pk),
        (Part.FILING, Via.API, filing.pk),
    ]
    assert {(r.enterprise, r.subject_reference, r.office_code) for r in rows} == {
        (world.own.enterprise, filing.reference, filing.office.code)
    }


def test_another_offices_filing_is_refused_and_nothing_is_recorded(world: World) -> None:
    filing = world.eservices["other"].filings["draft"]
    assert _get(world, "officer", f"/api/v1/eservices/filings/{filing.pk}") == 404
    assert not AccessRecord.objects.exists()
