"""CDCI campaigns: enterprises score units once per campaign; results are weighted means,
ranked, with the change from the previous campaign."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from haiquan.accounts.tests.helpers import login
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.portal.cdci import (
    CriterionInput,
    campaign_create,
    campaign_results,
    campaign_set_status,
    cdci_response_submit,
)
from haiquan.portal.models import CampaignResponse

pytestmark = pytest.mark.django_db

CRITERIA = [
    CriterionInput("minh-bach", "Tính minh bạch", "Transparency", Decimal(2)),
    CriterionInput("thoi-gian", "Chi phí thời gian", "Time cost", Decimal(1)),
]


def campaign(world: Any, code: str, previous: str = "") -> Any:
    c = campaign_create(
        actor=world.users["leader"],
        code=code,
        title=f"CDCI {code}",
        opens_on=date(2026, 1, 1),
        closes_on=date(2026, 3, 31),
        office_codes=["20BD", "20CD"],
        criteria=CRITERIA,
        previous_code=previous,
    )
    return campaign_set_status(actor=world.users["leader"], campaign=c, status="open")


def score(
    world: Any, c: Any, office: str, a: int, b: int, who: str = "declarant", mst: str = ""
) -> Any:
    return cdci_response_submit(
        actor=world.users[who],
        campaign=c,
        enterprise_mst=mst or world.own.enterprise.mst,
        office_code=office,
        scores={"minh-bach": a, "thoi-gian": b},
    )


def test_results_rank_units_and_show_the_change(world: Any) -> None:
    before = campaign(world, "2025")
    score(world, before, "20BD", 6, 6)
    score(world, before, "20CD", 8, 8)
    now = campaign(world, "2026", previous="2025")
    score(world, now, "20BD", 9, 6)  # (2*9 + 6) / 3 = 8
    score(world, now, "20CD", 7, 7)
    results = {r.office.code: r for r in campaign_results(now)}
    assert results["20BD"].score == 8.0 and results["20BD"].rank == 1
    assert results["20BD"].change == 2.0 and results["20BD"].rank_change == 1
    assert results["20CD"].score == 7.0 and results["20CD"].rank == 2
    assert results["20CD"].change == -1.0 and results["20CD"].rank_change == -1


def test_one_response_per_enterprise_and_unit(world: Any) -> None:
    c = campaign(world, "2026")
    score(world, c, "20BD", 5, 5)
    with pytest.raises(Conflict):
        score(world, c, "20BD", 9, 9, who="broker")


def test_responses_are_checked(world: Any) -> None:
    c = campaign(world, "2026")
    with pytest.raises(ValidationFailed) as exc:
        cdci_response_submit(
            actor=world.users["declarant"],
            campaign=c,
            enterprise_mst=world.own.enterprise.mst,
            office_code="43IH",
            scores={"minh-bach": 11, "extra": 3},
        )
    assert {e.field for e in exc.value.errors} == {
        "office_code",
        "scores.minh-bach",
        "scores.thoi-gian",
        "scores.extra",
    }
    with pytest.raises(Forbidden):
        score(world, c, "20BD", 5, 5, who="other_declarant")
    campaign_set_status(actor=world.users["leader"], campaign=c, status="closed")
    with pytest.raises(Conflict):
        score(world, c, "20BD", 5, 5)


def test_only_leaders_run_campaigns(world: Any) -> None:
    with pytest.raises(Forbidden):
        campaign_create(
            actor=world.users["officer"],
            code="x",
            title="x",
            opens_on=date(2026, 1, 1),
            closes_on=date(2026, 2, 1),
            office_codes=["20BD"],
            criteria=CRITERIA,
        )


def test_the_pages(world: Any) -> None:
    c = campaign(world, "2026")
    client = login(Client(), world.users["declarant"])
    url = f"/portal/cdci/{c.code}/respond/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "enterprise_mst": world.own.enterprise.mst,
            "office_code": "20BD",
            "score_minh-bach": "8",
            "score_thoi-gian": "7",
        },
    )
    assert response.status_code == 302
    again = client.post(
        url,
        {
            "enterprise_mst": world.own.enterprise.mst,
            "office_code": "20BD",
            "score_minh-bach": "8",
            "score_thoi-gian": "7",
        },
    )
    assert again.status_code == 409  # a refusal (scored already), with its own status
    assert "already scored this unit" in again.content.decode()
    assert CampaignResponse.objects.filter(campaign=c).count() == 1
    bad = client.post(
        url,
        {
            "enterprise_mst": world.own.enterprise.mst,
            "office_code": "20BD",
            "score_minh-bach": "11",
            "score_thoi-gian": "7",
        },
    )
    assert bad.status_code == 422
    assert 'id="id_score_minh-bach-error"' in bad.content.decode()
    assert CampaignResponse.objects.filter(campaign=c).count() == 1
    leader = login(Client(), world.users["leader"]).get(f"/portal/cdci/{c.code}/")
    assert leader.status_code == 200 and "20BD" in leader.content.decode()
    assert login(Client(), world.users["officer"]).get(f"/portal/cdci/{c.code}/").status_code == 403
    api = Client().get(f"/api/v1/portal/cdci/{c.code}/results", **world.auth("leader"))
    assert api.status_code == 200 and api.json()[0]["office_code"] == "20BD"
    denied = Client().get(f"/api/v1/portal/cdci/{c.code}/results", **world.auth("declarant"))
    assert denied.status_code == 403
