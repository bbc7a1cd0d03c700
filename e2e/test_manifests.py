"""Cargo before declarations, clicked through in Chromium (issue 21):

a shipping agent files a CUSCAR manifest on its page; the officer at the office of arrival sees
the risky bill flagged before arrival and holds it; the trader's declaration of that bill is
registered (red, like the bill), the port's gate refuses the container on the hold; the officer
releases the hold after inspection and records it on the declaration, which is cleared, and the
container leaves.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import totp_code
from haiquan.clearance import services as clearance
from haiquan.clearance.choices import CheckKind, CheckOutcome
from haiquan.clearance.inputs import DeclarationInput, LineInput
from haiquan.manifests.tests.cuscar_sample import SampleBill, cuscar_text
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.supervision.choices import RefusalCode
from haiquan.supervision.services import GateReport, gate_event_report, zone_create

from .pages import LoginPage
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
    live_server: Any, page: Any, new_page: Any, world: World, artifacts: Any
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

    # The trader declares the bill (E31: no duties, so only the hold keeps it from clearance).
    declaration = clearance.declaration_register(
        actor=world.declarant,
        data=DeclarationInput(
            type_code="E31",
            office_code="20BD",
            enterprise_mst=world.enterprise.mst,
            transport_mode="sea",
            incoterm="CIF",
            currency="USD",
            invoice_value=Decimal("4800"),
            partner_name="Guangxi Pingxiang Trading Co.",
            partner_country="CN",
            invoice_number="INV-2026-021",
            bill_of_lading=BILL,
            containers=(CONTAINER,),
            packages=500,
            lines=(
                LineInput(
                    hs_code="08109092",
                    description="Quả thanh long tươi",
                    origin="CN",
                    quantity=Decimal(6000),
                    unit="KGM",
                    unit_price=Decimal("0.8"),
                    value=Decimal(4800),
                ),
            ),
        ),
    )
    port_firm = EnterpriseFactory(mst=valid_mst(32), name="Công ty CP Cảng Móng Cái")
    operator = user_create(
        username="op.mongcai", password=None, role="operator", employer_mst=port_firm.mst
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

    def gate_out(n: int) -> Any:
        return gate_event_report(
            actor=operator,
            zone=zone,
            report=GateReport(message_id=f"OUT-{n}", direction="out", container_number=CONTAINER),
        )

    refused = gate_out(1)
    assert refused.allowed is False and refused.event.refusal_code == RefusalCode.HELD

    # Inspected: nothing found. The officer releases the hold on the page.
    desk.reload()
    release = desk.locator("[data-testid=flagged] > li").filter(has_text=BILL).locator("form")
    release.locator("select[name=outcome]").select_option("nothing_found")
    release.locator("button[type=submit]").click()
    expect(desk.locator("[data-testid=flagged] > li").filter(has_text=BILL)).to_contain_text(
        "FRUIT-RED"
    )
    officer.shot("manifest-05-released")
    # The fruit is red-lane too: the same inspection is recorded on the declaration.
    declaration.refresh_from_db()
    assert declaration.status == "inspection"
    clearance.declaration_check_record(
        actor=world.officer,
        declaration=declaration,
        kind=CheckKind.INSPECTION,
        outcome=CheckOutcome.MATCH,
    )
    declaration.refresh_from_db()
    assert declaration.status == "cleared"
    assert gate_out(2).allowed is True

    # The officer compares the voyage: the fruit bill declared in full and gone (its first
    # get-out refused on the hold), the parts bill nobody declared.
    desk.goto(voyage_url + "comparison/")
    gaps = desk.locator("[data-testid=gaps]")
    expect(gaps.locator("li[data-code=refused_at_gate]")).to_contain_text(BILL)
    expect(gaps.locator("li[data-code=undeclared]")).to_contain_text("COSU6123456799")
    expect(desk.locator(f"[data-testid=compare] tr[data-bill={BILL}]")).to_contain_text("1/1")
    officer.shot("manifest-07-compare")

    # The agent sees its bill declared in full.
    page.reload()
    expect(page.locator("[data-testid=bills] tr").filter(has_text=BILL)).to_contain_text(
        "Đã khai đủ"
    )
    agent.shot("manifest-06-declared")
