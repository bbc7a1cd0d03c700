"""The clearance holes a first day in a real office found (issue 15), clicked through in Chromium:

1. a cleared declaration is cancelled only by an officer's decision on the trader's request, and
   the page does not promise the duty back;
2. copying a declaration unchanged does not register the same goods twice (and the API refuses
   the same invoice and container again, naming the first declaration);
4. an officer finds any declaration of its offices by its number;
5. the page says what the declaration really waits for (a plant-quarantine result, not payment);
7. after an inspection finds more duty, the officer sees that the trader must pay the
   difference, records a penalty decision, and releases the goods once everything is paid.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from haiquan.accounts.services import token_create, user_create
from haiquan.accounts.tests.helpers import totp_code
from haiquan.clearance import services
from haiquan.clearance.inputs import LineCorrection
from haiquan.clearance.models import Declaration
from haiquan.singlewindow.choices import AgencyKind, DocumentKind
from haiquan.singlewindow.models import Agency
from haiquan.singlewindow.services import RequirementInput, requirement_create

from .pages import DeclarationPage, LoginPage
from .test_flows import dragon_fruit
from .world import PASSWORD, World, red_profile_for_fresh_fruit, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# HAIQUAN_DOCS_SCREENSHOTS=1 writes the officer's declaration page into the README's screenshots.
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    return world_build()


def trader_logs_in(page: Any, url: str, artifacts: Path) -> DeclarationPage:
    LoginPage(page, url, artifacts).log_in("dn.hoanglong", PASSWORD)
    expect(page).to_have_url(re.compile(r"/declarations/$"))
    return DeclarationPage(page, url, artifacts)


def officer_logs_in(desk: Any, url: str, artifacts: Path, world: World) -> DeclarationPage:
    login = LoginPage(desk, url, artifacts)
    login.log_in("cc.mongcai", PASSWORD)
    login.second_factor(totp_code(world.officer_device))
    expect(desk).to_have_url(re.compile(r"/officer/queue/$"))
    return DeclarationPage(desk, url, artifacts)


def waits(page: Any) -> list[str]:
    return page.locator("[data-testid=waiting-for] [data-wait]").evaluate_all(
        "els => els.map(e => e.dataset.wait)"
    )


def test_a_cleared_declaration_is_cancelled_only_by_an_officers_decision(
    live_server: Any, page: Any, new_page: Any, world: World, artifacts: Path
) -> None:
    cleared = services.declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    trader = trader_logs_in(page, live_server.url, artifacts)
    trader.open(cleared.pk)
    trader.pay_at_the_bank("62.500.000")
    trader.back_to_declaration()
    trader.expect_status("cleared")

    # The trader opens the cancellation page (as dn.hoanglong did on the demo).
    trader.go(f"/declarations/{cleared.pk}/cancel/")
    # It promises no duty back, and says what a request does.
    expect(page.locator("main")).not_to_contain_text("sẽ được hoàn")
    expect(page.locator("[data-testid=cancel-terms]")).to_contain_text("62.500.000")
    page.locator("#id_reason").fill("Xuất nhầm lô hàng, đề nghị hủy")
    page.locator("main form button[type=submit]").click()
    trader.expect_status("cleared")  # the trader alone cannot cancel it
    assert waits(page)[0] == "cancellation_decision"
    assert Declaration.objects.get(pk=cleared.pk).status == "cleared"

    desk = new_page()
    officer = officer_logs_in(desk, live_server.url, artifacts, world)
    officer.open(cleared.pk)
    # The decision is the next step: the main button; the goods are not released meanwhile.
    main = desk.locator("[data-testid=actions] a.button:not(.button--secondary)")
    expect(main).to_have_attribute("data-action", "decide_cancellation")
    expect(desk.locator("[data-action=release]")).to_have_count(0)
    main.click()
    expect(desk.locator("[data-testid=request]")).to_contain_text("Xuất nhầm lô hàng")
    desk.locator("input[name=decision][value=approve]").check()
    desk.locator("#id_reason").fill("Hàng còn trong khu vực giám sát, chưa qua cổng")
    desk.locator("main form button[type=submit]").click()
    officer.expect_status("cancelled")

    trader.open(cleared.pk)
    trader.expect_status("cancelled")
    expect(page.locator("[data-testid=still-due]")).to_have_count(0)
    expect(page.locator("[data-testid=refund-note]").first).to_contain_text("62.500.000")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("Hàng còn trong khu vực")


def test_copying_a_declaration_unchanged_does_not_declare_the_goods_twice(
    live_server: Any, page: Any, world: World, artifacts: Path
) -> None:
    first = services.declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    trader = trader_logs_in(page, live_server.url, artifacts)
    trader.open(first.pk)
    page.locator(f"a[href$='?from={first.pk}']").first.click()  # "Copy to a new declaration"
    expect(page.locator("#id_invoice_number")).to_have_value("INV-2026-007")
    # The copy's duties are previewed as the page loads; the preview's table then pushes the
    # buttons down, so the trader (and the test) acts once it has settled.
    expect(page.locator("[data-testid=preview-total]")).to_have_text("62.500.000")
    page.locator("button[name=action][value=continue]").click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    refused = page.locator("[data-testid=duplicate-refused]")
    expect(refused).to_contain_text(first.number)
    expect(page.locator("main form[method=post] button[type=submit]")).to_be_disabled()
    trader.shot("clearance-duplicate-refused")
    refused.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/declarations/{first.pk}/$"))
    assert Declaration.objects.exclude(status="draft").count() == 1

    # The same container through the API a second and a third time: refused, naming the first.
    _token, raw = token_create(
        user=world.declarant,
        name="ERP",
        scopes=["read", "file"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {
        "type_code": "A11",
        "office_code": "20BD",
        "enterprise_mst": world.enterprise.mst,
        "transport_mode": "road",
        "incoterm": "CIF",
        "currency": "USD",
        "invoice_value": "8000",
        "invoice_number": "INV-2026-007",
        "containers": ["CSQU3054383"],
        "lines": [
            {
                "hs_code": "08109092",
                "description": "Quả thanh long tươi",
                "origin": "CN",
                "quantity": "10000",
                "unit": "KGM",
                "unit_price": "0.8",
                "value": "8000",
            }
        ],
    }
    for _attempt in range(2):
        resp = client.post("/api/v1/declarations", body, content_type="application/json")
        assert resp.status_code == 409, resp.content
        assert first.number in resp.json()["detail"]
    assert Declaration.objects.exclude(status="draft").count() == 1


def test_an_officer_finds_a_declaration_by_its_number(
    live_server: Any, page: Any, world: World, artifacts: Path
) -> None:
    wanted = services.declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    services.declaration_register(
        actor=world.declarant,
        data=replace(dragon_fruit(world.enterprise.mst), invoice_number="INV-2026-008"),
    )
    # Green and not paid: in no officer's queue.
    officer = officer_logs_in(page, live_server.url, artifacts, world)
    expect(page.locator("[data-testid=queue]")).to_have_count(0)
    # The declarations of the officer's offices, whatever their status.
    officer.go("/declarations/")
    rows = page.locator("[data-testid=search-results] tbody tr")
    expect(rows).to_have_count(2)
    page.locator("#id_enterprise").fill(world.enterprise.mst)
    page.locator("#id_status").select_option("awaiting_payment")
    expect(rows).to_have_count(2)

    # From the queue, by the number.
    officer.go("/officer/queue/")
    page.locator("#find-q").fill(wanted.number)
    page.locator("[data-testid=find-declaration] button").click()
    expect(page).to_have_url(re.compile(r"/declarations/\?q="))
    expect(rows).to_have_count(1)
    officer.shot("clearance-officer-search")
    rows.get_by_role("link", name=wanted.number).click()
    expect(page.locator("[data-testid=declaration-number]")).to_have_text(wanted.number)


def test_the_page_says_what_the_declaration_really_waits_for(
    live_server: Any, page: Any, world: World, artifacts: Path
) -> None:
    # Fresh fruit needs a plant-quarantine result through the single window.
    Agency.objects.create(
        code="BVTV-KD",
        name="Chi cục Kiểm dịch thực vật vùng VII",
        ministry="Bộ Nông nghiệp và Môi trường",
        kind=AgencyKind.PLANT_QUARANTINE,
    )
    requirement_create(
        actor=user_create(username="qt.admin", password=PASSWORD, role="admin"),
        data=RequirementInput(
            agency_code="BVTV-KD",
            kind=DocumentKind.INSPECTION,
            title="Giấy chứng nhận kiểm dịch thực vật",
            hs_prefix="0810",
            flow="import",
        ),
    )
    held = services.declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    trader = trader_logs_in(page, live_server.url, artifacts)
    trader.open(held.pk)
    assert waits(page) == ["payment", "partner_agency"]
    # No promise of clearance on payment above a hold.
    expect(page.locator("main")).not_to_contain_text("ngay khi ngân hàng")
    expect(page.locator("[data-wait=partner_agency]")).to_contain_text("Kiểm dịch thực vật")

    trader.pay_at_the_bank("62.500.000")
    trader.back_to_declaration()
    trader.expect_status("awaiting_payment")
    # Paid: the page waits for the quarantine result only, and says no "awaiting payment".
    assert waits(page) == ["partner_agency"]
    expect(page.locator(".object-header")).not_to_contain_text("Chờ nộp thuế")
    expect(page.locator(".object-header [data-payment]")).to_have_attribute("data-payment", "paid")
    trader.shot("clearance-held-by-quarantine")

    # A cancelled declaration owes nothing and says so.
    other = services.declaration_register(
        actor=world.declarant,
        data=replace(
            dragon_fruit(world.enterprise.mst),
            invoice_number="INV-2026-009",
            containers=("MSKU1234565",),
        ),
    )
    services.declaration_cancel(actor=world.declarant, declaration=other, reason="Hàng không về")
    trader.open(other.pk)
    trader.expect_status("cancelled")
    expect(page.locator("[data-testid=still-due]")).to_have_count(0)
    expect(page.locator("[data-testid=pay]")).to_have_count(0)
    assert waits(page) == []


def test_after_an_inspection_finds_more_duty_the_officer_has_a_way_to_release(
    live_server: Any, page: Any, new_page: Any, world: World, artifacts: Path
) -> None:
    red_profile_for_fresh_fruit(world)
    d = services.declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    trader = trader_logs_in(page, live_server.url, artifacts)
    trader.open(d.pk)
    trader.pay_at_the_bank("62.500.000")
    services.declaration_check_record(
        actor=world.officer,
        declaration=d,
        kind="inspection",
        outcome="discrepancy",
        findings="Thực tế 12.000 kg, khai 10.000 kg",
        corrections=[LineCorrection(line_no=1, quantity=Decimal(12000))],
        fraud_kind="quantity",
    )

    desk = new_page()
    officer = officer_logs_in(desk, live_server.url, artifacts, world)
    officer.open(d.pk)
    # The officer reads that the declarant must pay the difference.
    payment = desk.locator("[data-wait=payment]")
    expect(payment).to_contain_text("12.500.000")
    # Cancelling is not the page's main action.
    expect(desk.locator("[data-testid=actions] a.button[data-action=cancel]")).to_have_count(0)
    desk.locator("[data-action=record_penalty]").click()
    desk.locator("#id_number").fill("125/QĐ-XPHC")
    desk.locator("#id_amount_vnd").fill("5.000.000")
    desk.locator("#id_legal_basis").fill("Nghị định 128/2020/NĐ-CP, Điều 9 khoản 1")
    desk.locator("#id_reason").fill("Khai sai số lượng hàng hóa thực nhập")
    desk.locator("main form button[type=submit]").click()
    expect(desk.locator("[data-testid=penalties]")).to_contain_text("125/QĐ-XPHC")
    expect(desk.locator("[data-wait=payment]")).to_contain_text("17.500.000")
    officer.shot("clearance-officer-declaration")
    if os.environ.get("HAIQUAN_DOCS_SCREENSHOTS") == "1":  # refresh the one in the README
        desk.screenshot(path=str(DOCS / "officer-declaration.png"), full_page=True)

    # The trader pays the difference and the fine in one bank payment; clearance follows.
    trader.open(d.pk)
    expect(page.locator("[data-testid=penalties]")).to_contain_text("Nghị định 128/2020")
    trader.pay_at_the_bank("17.500.000")
    trader.back_to_declaration()
    trader.expect_status("cleared")

    officer.open(d.pk)
    main = desk.locator("[data-testid=actions] a.button:not(.button--secondary)")
    expect(main).to_have_attribute("data-action", "release")
    main.click()
    desk.locator("main form button[type=submit]").click()
    officer.expect_status("released")
    d.refresh_from_db()
    assert d.status == "released" and d.paid_vnd == d.owed_vnd == Decimal(80_000_000)
