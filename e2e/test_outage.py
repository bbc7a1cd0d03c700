"""A declared outage as people see it (issue 23): the banner on the pages of each kind of
user, the officer's page for paper declarations taken meanwhile (a problem next to its field,
then the declaration registered at its paper time), the time-release figures with the outage
time apart. Screenshots in e2e/artifacts/outage-*.png."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from haiquan.accounts.services import user_create
from haiquan.clearance.models import Declaration
from haiquan.outage.services import outage_declare

from .pages import expected
from .test_pages import signed_in
from .world import World, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    return world_build()


def test_the_banner_on_every_kind_of_page_and_the_paper_capture(
    page: Any, live_server: Any, world: World, artifacts: Path, browser_problems: list[str]
) -> None:
    admin = user_create(username="qt.admin", password=None, role="admin")
    leader = user_create(username="ld.qn", password=None, role="leader", office_codes=["20"])
    now = timezone.now()
    outage_declare(
        actor=admin,
        office_code="20BD",
        starts_at=now - timedelta(hours=6),
        ends_at=now - timedelta(hours=4),
        reason="Mất kết nối VNACCS (cáp quang bị đứt)",
    )
    outage_declare(
        actor=admin, office_code="", starts_at=now - timedelta(minutes=20), reason="Mất điện"
    )
    cache.clear()
    url = live_server.url
    # A shared, loaded machine: the first pages (catalogues, static files) may be slow.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(120_000)

    # The public, a trader, an officer, a leader: each sees the banner on its page.
    page.goto(f"{url}/portal/faq/")
    expect(page.locator(".outage-banner")).to_contain_text("Mất điện")
    page.screenshot(path=str(artifacts / "outage-banner-public.png"), full_page=False)
    for who, path, name in (
        (world.declarant, "/declarations/", "trader"),
        (world.officer, "/officer/queue/", "officer"),
        (leader, "/time-release/", "leader"),
    ):
        page.context.clear_cookies()
        signed_in(page, url, who)
        page.goto(f"{url}{path}")
        expect(page.locator(".outage-banner")).to_be_visible()
        page.screenshot(path=str(artifacts / f"outage-banner-{name}.png"), full_page=False)
    expect(page.locator("[data-testid=outage-time]")).to_be_visible()
    page.locator("[data-testid=figures]").screenshot(path=str(artifacts / "outage-figures.png"))

    # The officer captures a paper declaration taken during the ended outage at Móng Cái.
    page.context.clear_cookies()
    signed_in(page, url, world.officer)
    page.goto(f"{url}/officer/paper/")
    expect(page.locator("h1")).to_be_visible()
    paper_time = timezone.localtime(now - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    page.locator("#id_registered_at").fill(paper_time)
    page.locator("#id_lane").select_option("yellow")
    for name, value in {
        "type_code": "A11",
        "office_code": "20BD",
        "transport_mode": "road",
        "incoterm": "CIF",
        "currency": "USD",
        "partner_country": "CN",
    }.items():
        field = page.locator(f"#id_{name}")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.locator("#id_enterprise_mst").fill(world.enterprise.mst)
    page.locator("#id_partner_name").fill("Guangxi Pingxiang Trading Co.")
    page.locator("#id_invoice_number").fill("INV-GIAY-01")
    page.locator("#id_invoice_value").fill("8000")
    line = page.locator("[data-paper-line]").first
    line.locator("[name=hs_code]").fill("08109092")
    line.locator("[name=description]").fill("Quả thanh long tươi")
    line.locator("[name=origin]").fill("CN")
    line.locator("[name=quantity]").fill("10000")
    line.locator("[name=unit]").select_option("KGM")
    line.locator("[name=unit_price]").fill("0.8")
    page.locator("button[value=capture]").click()
    # No paper number: said next to its field, nothing saved.
    expect(page.locator("#id_paper_number-error")).to_be_visible()
    page.screenshot(path=str(artifacts / "outage-paper-problem.png"), full_page=True)
    assert not Declaration.objects.exists()
    expected(browser_problems, r"HTTP 422", r"status of 422")

    page.locator("#id_paper_number").fill("GIAY-20BD-0001")
    page.locator("button[value=capture]").click()
    expect(page.locator(".outage-banner")).to_be_visible()
    decl = Declaration.objects.get()
    expect(page).to_have_url(f"{url}/declarations/{decl.pk}/")
    page.screenshot(path=str(artifacts / "outage-paper-captured.png"), full_page=False)
    assert decl.lane == "yellow"
    assert timezone.localtime(decl.registered_at).strftime("%Y-%m-%dT%H:%M") == paper_time
