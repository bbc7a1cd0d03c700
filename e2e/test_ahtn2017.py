"""AHTN 2017 codes as traders still write them (issue 20), seen in the browser: the HS look-up
opens the line the code became and says so; an advance-ruling request written with one shows
the trader what it became."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from haiquan.accounts.services import user_create
from haiquan.eservices import services as eservices
from haiquan.eservices.catalogue import catalogue_load
from haiquan.eservices.models import Procedure
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

from .test_pages import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_hs_look_up_opens_the_line_an_ahtn_2017_code_became(
    live_server: Any, page: Any, refdata_reloaded: Any, artifacts: Any
) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "vi", "url": live_server.url}])
    page.goto(f"{live_server.url}/tariff/lines/8419.39.11/")
    assert page.url.endswith(reverse("tariff:line", args=["84193930"]))
    expect(page.get_by_role("status")).to_contain_text("8419.39.11 (AHTN 2017) nay là 8419.39.30")
    page.screenshot(path=str(artifacts / "ahtn2017-tariff-line.png"), full_page=False)


def test_an_advance_ruling_request_shows_what_its_ahtn_2017_code_became(
    live_server: Any, page: Any, refdata_reloaded: Any, artifacts: Any
) -> None:
    catalogue_load()
    enterprise = EnterpriseFactory(mst=valid_mst(7), name="Công ty TNHH Sấy Miền Nam")
    trader = user_create(
        username="dn.saymiennam",
        password="pw-smn-2026!",
        role="declarant",
        enterprise_msts=[enterprise.mst],
    )
    filing = eservices.filing_create(
        actor=trader,
        procedure=Procedure.objects.get(code="hs-ruling"),
        enterprise_mst=enterprise.mst,
        office_code="",
        data={
            "goods_name": "Lò sấy reflow",
            "goods_description": "Lò sấy gia nhiệt dùng để hàn linh kiện lên tấm mạch in, điện",
            "origin": "CN",
            "proposed_hs_code": "8419.39.11",
        },
    )
    assert filing.data["proposed_hs_code"] == "84193930"
    assert filing.data["proposed_hs_code_as_written"] == "84193911"
    signed_in(page, live_server.url, trader)
    page.goto(f"{live_server.url}{reverse('eservices:filing_detail', args=[filing.pk])}")
    note = page.get_by_test_id("hs-note")
    expect(note).to_contain_text("8419.39.11 (AHTN 2017) nay là 8419.39.30")
    note.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "ahtn2017-filing.png"), full_page=False)
