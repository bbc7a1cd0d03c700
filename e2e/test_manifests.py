"""Cargo before declarations, clicked through in Chromium (issue 21):

a shipping agent files a CUSCAR manifest on its page; the officer at the office of arrival sees
the risky bill flagged before arrival and holds it; the trader's declaration of that bill is
filed on the declaration form against the bill (more packages than the bill carries refused next
to the field), registered red like the bill; the port's gate refuses the container on the hold;
the officer releases the hold after inspection, records the inspection on the declaration, which
is cleared, releases the goods, and the container leaves through the gate.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import totp_code
from haiquan.clearance.models import Declaration
from haiquan.eventlog import kinds
from haiquan.eventlog.models import Event
from haiquan.manifests.tests.cuscar_sample import SampleBill, cuscar_text
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.supervision.services import zone_create

from .pages import CheckResultPage, DeclarationForm, DeclarationPage, LoginPage, expected
from .world import PASSWORD, World, red_profile_for_fresh_fruit, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BILL = "COSU6123456780"
CONTAINER = "CSQU3054383"
AREA = "POLYGON ((107.96 21.52, 107.98 21.52, 107.98 21.54, 107.96 21.54, 107.96 21.52))"


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    return world_build()


def _manifest(hoanglong_mst: str) -> str:
    fruit = ("Quả thanh long tươi", "08109092", 500, "CT", Decimal("6250.000"))
    parts = ("SPARE PARTS FOR MOTORCYCLES", "", 40, "PK", Decimal("1240.000"))
    return cuscar_text(
        [
            SampleBill(
                number=BILL,
                kind="simple",
                master="",
                consignee_mst=hoanglong_mst,
                consignee="CONG TY TNHH HOANG LONG",
                packages=500,
                mass=Decimal("6250.000"),
                goods=[fruit],
                containers=[(CONTAINER, ["CN1234567"])],
            ),
            SampleBill(
                number="COSU6123456799",
                kind="simple",
                master="",
                consignee_mst=hoanglong_mst,
                consignee="CONG TY TNHH HOANG LONG",
                packages=40,
                mass=Decimal("1240.000"),
                goods=[parts],
                containers=[("MSKU1234565", ["CN7654321"])],
            ),
        ],
        office="20BD",
    )


def test_a_manifest_is_filed_the_risky_bill_held_then_declared_released_and_gated_out(
    live_server: Any,
    page: Any,
    new_page: Any,
    world: World,
    artifacts: Any,
    browser_problems: list[str],
) -> None:
    red_profile_for_fresh_fruit(world)
    agent_firm = EnterpriseFactory(mst=valid_mst(31), name="Công ty TNHH Đại lý Hàng hải QN")
    user_create(
        username="hh.quangninh", password=PASSWORD, role="carrier", employer_mst=agent_firm.mst
    )

    # The shipping agent files the manifest as the CUSCAR file its system wrote.
    agent = LoginPage(page, live_server.url, artifacts)
    agent.log_in("hh.quangninh", PASSWORD)
    expect(page).to_have_url(re.compile(r"/manifests/$"))
    page.locator("main a.button[href='/manifests/new/']").click()
    page.locator("#id_file").set_input_files(
        {
            "name": "V2026E.edi",
            "mimeType": "application/EDIFACT",
            "buffer": _manifest(world.enterprise.mst).encode(),
        }
    )
    agent.shot("manifest-01-file")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/manifests/\d+/$"))
    expect(page.locator("[data-testid=bills]")).to_contain_text(BILL)
    agent.shot("manifest-02-accepted")
    voyage_url = page.url

    # The officer at Móng Cái sees the fruit bill flagged before arrival and holds it.
    desk = new_page()
    officer = LoginPage(desk, live_server.url, artifacts)
    officer.log_in("cc.mongcai", PASSWORD)
    officer.second_factor(totp_code(world.officer_device))
    desk.goto(voyage_url)
    flagged = desk.locator("[data-testid=flagged] > li").filter(has_text=BILL)
    expect(flagged).to_contain_text("FRUIT-RED")
    held_form = flagged.locator("form")
    held_form.locator("select[name=kind]").select_option("inspect_at_arrival")
    held_form.locator("input[name=reason]").fill("Trái cây tươi: kiểm tra số lượng khi dỡ hàng")
    officer.shot("manifest-03-flagged")
    held_form.locator("button[type=submit]").click()
    expect(desk.locator("[data-testid=flagged] > li").filter(has_text=BILL)).to_contain_text(
        "Trái cây tươi: kiểm tra số lượng"
    )
    officer.shot("manifest-04-held")

    # The ship arrives: the agent notifies it, and the port records the container discharged.
    arrived = timezone.localtime() - timedelta(hours=2)
    page.locator("#id_arrived_at").fill(arrived.strftime("%Y-%m-%dT%H:%M"))
    page.locator("main form[action$='/arrival/'] button[type=submit]").click()
    expect(page.locator("main dl")).to_contain_text(arrived.strftime("%H:%M"))
    agent.shot("manifest-05-arrival-notified")
    port_firm = EnterpriseFactory(mst=valid_mst(32), name="Công ty CP Cảng Móng Cái")
    user_create(
        username="op.mongcai", password=PASSWORD, role="operator", employer_mst=port_firm.mst
    )
    zone = zone_create(
        actor=world.officer,
        code="20BDP01",
        name="Bãi hàng Móng Cái",
        kind="port",
        operator_mst=port_firm.mst,
        office_code="20BD",
        geometry=AREA,
        storage_limit_days=90,
    )
    gate_page = new_page()
    port = LoginPage(gate_page, live_server.url, artifacts)
    port.log_in("op.mongcai", PASSWORD)
    port.go(f"/supervision/zones/{zone.code}/")
    panel = gate_page.locator("#gate-panel")

    def gate(direction: str) -> Any:
        panel.locator(f"input[name=direction][value={direction}]").check()
        panel.locator("input[name=container_number]").fill(CONTAINER)
        panel.locator("button[type=submit]").click()
        return panel.get_by_test_id("gate-answer")

    expect(gate("in")).to_contain_text(CONTAINER)

    # The trader declares the bill on the declaration form, naming it and its container. More
    # packages than the bill carries is refused next to the field, nothing saved; the bill's
    # 500 are accepted. (E31: no duties, so only the hold and the inspection hold it back.)
    trader_page = new_page()
    trader = LoginPage(trader_page, live_server.url, artifacts)
    trader.log_in("dn.hoanglong", PASSWORD)
    trader_page.locator("main a.button[href='/declarations/new/']").click()
    form = DeclarationForm(trader_page, live_server.url, artifacts)
    expect(trader_page.locator("#declaration-form")).to_be_visible()
    form.header(
        type_code="E31",
        office_code="20BD",
        partner_name="Guangxi Pingxiang Trading Co.",
        partner_country="CN",
        transport_mode="sea",
        bill_of_lading=BILL,
        containers=CONTAINER,
        packages="600",
        invoice_number="INV-2026-021",
        incoterm="CIF",
        currency="USD",
        invoice_value="4800",
    )
    form.fill_line(
        1,
        hs_code="08109092",
        description="Quả thanh long tươi",
        origin="CN",
        quantity="6000",
        unit="KGM",
        unit_price="0.8",
    )
    # The preview says at once that the bill does not carry 600 packages.
    expect(trader_page.locator("[data-testid=preview-problems]")).to_contain_text("500")
    form.continue_to_check()
    expect(trader_page.locator("[data-error-summary]")).to_be_visible()
    expect(trader_page.locator("#id_packages-error")).to_contain_text(BILL)
    expect(trader_page.locator("#id_packages")).to_have_attribute("aria-invalid", "true")
    form.shot("manifest-06-declaration-more-than-the-bill")
    assert not Declaration.objects.exists()
    expected(browser_problems, r"HTTP 422: .*/declarations/new/$", r"status of 422")

    trader_page.locator("#id_packages").fill("500")
    form.expect_preview_total("0")  # the preview settled: the buttons below it stay put
    form.shot("manifest-07-declaration-form")
    form.continue_to_check()
    expect(trader_page).to_have_url(re.compile(r"/declarations/\d+/review/$"))
    expect(trader_page.locator("main")).to_contain_text(BILL)
    packages_row = trader_page.locator("dl.summary > div").filter(
        has=trader_page.locator("a[href$='#id_packages']")
    )
    expect(packages_row.locator("dd").first).to_have_text("500")
    form.shot("manifest-08-check-your-answers")
    trader_page.locator("main form[method=post] button[type=submit]").click()
    on_trader = DeclarationPage(trader_page, live_server.url, artifacts)
    on_trader.expect_lane("red")  # the fruit is red-lane too
    on_trader.expect_status("inspection")
    on_trader.shot("manifest-09-declaration-registered")
    declaration = Declaration.objects.get()
    assert declaration.bill_drawdowns.get().packages == 500
    # Its consignment arrived when the ship did: time release's arrival → release starts there.
    arrival = Event.objects.get(kind=kinds.CARGO_ARRIVED.code, declaration_id=declaration.pk)
    assert arrival.occurred_at == arrived.replace(second=0, microsecond=0)

    # The port's gate: the container may not leave while the bill is held.
    refused = gate("out")
    expect(refused).to_contain_text(BILL)
    expect(refused).to_have_attribute("role", "alert")
    port.shot("manifest-10-gate-refused-on-the-hold")

    # Inspected: nothing found. The officer releases the hold on the voyage's page.
    desk.reload()
    release = desk.locator("[data-testid=flagged] > li").filter(has_text=BILL).locator("form")
    release.locator("select[name=outcome]").select_option("nothing_found")
    release.locator("button[type=submit]").click()
    still_flagged = desk.locator("[data-testid=flagged] > li").filter(has_text=BILL)
    expect(still_flagged).to_contain_text("FRUIT-RED")
    expect(still_flagged.locator("[data-testid=hold-released]")).to_be_visible()
    officer.shot("manifest-11-hold-released")

    # The same inspection is recorded on the declaration, which is cleared; the goods released.
    on_desk = DeclarationPage(desk, live_server.url, artifacts)
    on_desk.open(declaration.pk)
    on_desk.expect_status("inspection")
    desk.locator("a[href$='/check/']").click()
    desk.locator("input[name=outcome][value=match]").check()
    CheckResultPage(desk, live_server.url, artifacts).submit()
    on_desk.expect_status("cleared")
    desk.locator("a[href$='/release/']").click()
    desk.locator("main form button[type=submit]").click()
    on_desk.expect_status("released")
    officer.shot("manifest-12-declaration-released")

    # The container leaves: the gate's screen, opened afresh (Playwright's full-page screenshot
    # leaves empty style attributes on the inputs, which htmx's settling would copy onto the
    # new ones and the CSP would then report).
    gate_page.reload()
    allowed = gate("out")
    expect(allowed).to_have_attribute("role", "status")
    expect(allowed).to_contain_text(CONTAINER)
    port.shot("manifest-13-gate-out-allowed")
    declaration.refresh_from_db()
    assert declaration.status == "released"

    # The officer compares the voyage: the fruit bill declared in full and gone (its first
    # get-out refused on the hold), the parts bill nobody declared.
    desk.goto(voyage_url + "comparison/")
    gaps = desk.locator("[data-testid=gaps]")
    expect(gaps.locator("li[data-code=refused_at_gate]")).to_contain_text(BILL)
    expect(gaps.locator("li[data-code=undeclared]")).to_contain_text("COSU6123456799")
    expect(desk.locator(f"[data-testid=compare] tr[data-bill={BILL}]")).to_contain_text("1/1")
    officer.shot("manifest-14-compare")

    # The agent sees its bill declared in full.
    page.reload()
    expect(page.locator("[data-testid=bills] tr").filter(has_text=BILL)).to_contain_text(
        "Đã khai đủ"
    )
    agent.shot("manifest-15-declared")
