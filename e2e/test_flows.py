"""What people do in haiquan, clicked through in Chromium as a new user would.

1. An enterprise fills a declaration, checks its answers, registers it, it goes green, it pays
   at the bank and sees it cleared.
2. A declaration goes red; an officer (password + authenticator code) inspects it and records a
   discrepancy; the enterprise pays the difference; it is cleared and released.
3. A bad entry (a wrong tax code, an unknown HS code) is shown next to its field; nothing saved.
4. The language switch changes the pages to Japanese and to Korean.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils.translation import to_locale
from playwright.sync_api import expect

import haiquan
from haiquan.accounts.tests.helpers import totp_code
from haiquan.clearance import services
from haiquan.clearance.inputs import DeclarationInput, LineInput
from haiquan.clearance.models import Declaration

from .pages import CheckResultPage, DeclarationForm, DeclarationPage, LoginPage, expected
from .world import PASSWORD, World, red_profile_for_fresh_fruit, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    return world_build()


def dragon_fruit(mst: str) -> DeclarationInput:
    """10,000 kg of fresh dragon fruit from China at USD 0.80, CIF USD 8,000, by road."""
    return DeclarationInput(
        type_code="A11",
        office_code="20BD",
        enterprise_mst=mst,
        transport_mode="road",
        incoterm="CIF",
        currency="USD",
        invoice_value=Decimal("8000"),
        partner_name="Guangxi Pingxiang Trading Co.",
        partner_country="CN",
        invoice_number="INV-2026-007",
        containers=("CSQU3054383",),
        lines=(
            LineInput(
                hs_code="08109092",
                description="Quả thanh long tươi",
                origin="CN",
                quantity=Decimal(10000),
                unit="KGM",
                unit_price=Decimal("0.8"),
                value=Decimal(8000),
            ),
        ),
    )


def test_a_green_declaration_is_registered_paid_and_cleared(
    live_server: Any, page: Any, new_page: Any, world: World, artifacts: Any
) -> None:
    login = LoginPage(page, live_server.url, artifacts)
    login.log_in("dn.hoanglong", PASSWORD)
    expect(page).to_have_url(re.compile(r"/declarations/$"))

    form = DeclarationForm(page, live_server.url, artifacts)
    form.open_new()
    expect(page.locator("#id_enterprise_mst")).to_have_value(world.enterprise.mst)
    form.header(
        type_code="A11",
        office_code="20BD",
        partner_name="Guangxi Pingxiang Trading Co.",
        partner_country="CN",
        transport_mode="road",
        containers="CSQU3054383",
        invoice_number="INV-2026-001",
        incoterm="CIF",
        currency="USD",
        invoice_value="8000",
    )
    form.find_hs(1, "thanh long", "08109092")
    form.fill_line(1, origin="CN", quantity="10000", unit_price="0.8")
    # 10,000 kg × USD 0.80 × 25,000 VND = 200,000,000 customs value; import duty (MFN) 25% =
    # 50,000,000; VAT 5% of 250,000,000 = 12,500,000; total 62,500,000 (Vietnamese grouping).
    form.expect_preview_total("62.500.000")

    # A copied line doubles the goods (the preview then says the invoice does not add up);
    # removing it brings the declaration back.
    form.line(1).locator("button[value^=copy-line]").click()
    expect(page.locator("[data-line]")).to_have_count(2)
    expect(form.line(2).locator("[name=hs_code]")).to_have_value("08109092")
    expect(form.line(2).locator("[data-line-number]")).to_have_text("2")
    expect(page.locator("[data-testid=preview-problems]")).to_be_visible()
    form.line(2).locator("[data-action=remove-line]").click()
    expect(page.locator("[data-line]")).to_have_count(1)
    form.expect_preview_total("62.500.000")
    form.shot("01-declaration-form")

    form.continue_to_check()
    expect(page).to_have_url(re.compile(r"/declarations/\d+/review/$"))
    form.shot("02-check-your-answers")
    page.locator("main form[method=post] button[type=submit]").click()

    declaration = DeclarationPage(page, live_server.url, artifacts)
    declaration.expect_lane("green")
    declaration.expect_status("awaiting_payment")
    expect(page.locator("[data-testid=still-due]")).to_have_text("62.500.000 VND")
    declaration.shot("03-declaration-green-awaiting-payment")

    declaration.pay_at_the_bank("62.500.000", shot="04-bank-payment-page")
    declaration.shot("05-receipt")
    declaration.back_to_declaration()
    declaration.expect_status("cleared")
    expect(page.locator("[data-testid=still-due]")).to_have_text("0 VND")
    declaration.shot("06-declaration-cleared")
    assert Declaration.objects.get().status == "cleared"

    # The same page on a phone.
    phone = new_page(
        viewport={"width": 390, "height": 844}, storage_state=page.context.storage_state()
    )
    phone_site = DeclarationPage(phone, live_server.url, artifacts)
    phone_site.open(Declaration.objects.get().pk)
    phone_site.expect_status("cleared")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone_site.shot("07-declaration-on-a-phone")


def test_a_red_declaration_is_inspected_paid_with_the_difference_cleared_and_released(
    live_server: Any, page: Any, new_page: Any, world: World, artifacts: Any
) -> None:
    red_profile_for_fresh_fruit(world)
    registered = services.declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    assert registered.lane == "red"

    # The enterprise pays what the declaration owes as declared.
    LoginPage(page, live_server.url, artifacts).log_in("dn.hoanglong", PASSWORD)
    trader = DeclarationPage(page, live_server.url, artifacts)
    trader.open(registered.pk)
    trader.expect_lane("red")
    trader.expect_status("inspection")
    expect(page.locator("[data-testid=lane-reasons]")).to_have_count(0)  # not for traders
    trader.pay_at_the_bank("62.500.000")

    # The officer logs in with the password and the authenticator's code.
    desk = new_page()
    officer_login = LoginPage(desk, live_server.url, artifacts)
    officer_login.log_in("cc.mongcai", PASSWORD)
    expect(desk).to_have_url(re.compile(r"/accounts/second-factor/"))
    officer_login.second_factor(totp_code(world.officer_device))
    expect(desk).to_have_url(re.compile(r"/officer/queue/$"))
    expect(desk.locator("[data-testid=queue]")).to_contain_text(registered.number)
    officer_login.shot("08-officer-queue")
    desk.get_by_role("link", name=registered.number).click()
    expect(desk.locator("[data-testid=lane-reasons]")).to_contain_text("trái cây tươi")
    officer_login.shot("09-officer-declaration-with-risk-reasons")

    desk.locator("a[href$='/check/']").click()
    check = CheckResultPage(desk, live_server.url, artifacts)
    check.record_discrepancy("Thực tế 12.000 kg, khai 10.000 kg", 1, quantity="12000")
    # 2,000 kg more: customs value +40,000,000; duty 25% +10,000,000; VAT 5% of
    # 50,000,000 = +2,500,000; the difference is +12,500,000.
    expect(desk.locator("#check-preview [data-testid=difference]")).to_have_text("+12.500.000 VND")
    check.submit()
    expect(desk.locator("input[name=confirmed_for]")).to_have_count(1)
    check.shot("10-inspection-difference-before-saving")
    check.submit()
    officer_view = DeclarationPage(desk, live_server.url, artifacts)
    officer_view.expect_status("awaiting_payment")

    # The enterprise pays the difference; the declaration is cleared at once.
    trader.open(registered.pk)
    expect(page.locator("[data-testid=still-due]")).to_have_text("12.500.000 VND")
    trader.pay_at_the_bank("12.500.000")
    trader.back_to_declaration()
    trader.expect_status("cleared")

    # The officer releases the goods.
    officer_view.open(registered.pk)
    desk.locator("a[href$='/release/']").click()
    desk.locator("main form button[type=submit]").click()
    officer_view.expect_status("released")
    officer_view.shot("11-officer-released")
    registered.refresh_from_db()
    assert registered.status == "released"
    assert registered.total_duties_vnd == registered.paid_vnd == Decimal(75_000_000)


def test_a_bad_entry_is_shown_next_to_its_field_and_nothing_is_saved(
    live_server: Any,
    page: Any,
    new_page: Any,
    world: World,
    artifacts: Any,
    browser_problems: list[str],
) -> None:
    LoginPage(page, live_server.url, artifacts).log_in("dn.hoanglong", PASSWORD)
    form = DeclarationForm(page, live_server.url, artifacts)
    form.open_new()
    form.header(
        type_code="A11",
        office_code="20BD",
        enterprise_mst="0100109105",  # the check digit is wrong
        transport_mode="road",
        incoterm="CIF",
        currency="USD",
        invoice_value="8000",
    )
    form.fill_line(
        1,
        hs_code="08109092",
        description="Quả thanh long tươi",
        origin="CN",
        quantity="10000",
        unit="KGM",
        unit_price="0.8",
    )
    form.continue_to_check()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.locator("#id_enterprise_mst-error")).to_contain_text("0100109105")
    expect(page.locator("#id_enterprise_mst")).to_have_attribute("aria-invalid", "true")
    form.shot("12-wrong-mst")
    summary.locator("a[href='#id_enterprise_mst']").click()
    expect(page.locator("#id_enterprise_mst")).to_be_focused()
    assert Declaration.objects.count() == 0

    page.locator("#id_enterprise_mst").fill(world.enterprise.mst)
    form.fill_line(1, hs_code="99999999")
    form.continue_to_check()
    expect(page.locator("#line-0-hs_code-error")).to_contain_text("99999999")
    expect(page.locator("#id_enterprise_mst-error")).to_have_count(0)
    form.shot("13-unknown-hs-code")
    # Both refusals were answered 422 (the form again, each problem next to its field).
    expected(browser_problems, r"HTTP 422: .*/declarations/new/$", r"status of 422")
    assert Declaration.objects.count() == 0

    # The form on a phone: every field reachable, nothing wider than the screen.
    phone = new_page(
        viewport={"width": 390, "height": 844}, storage_state=page.context.storage_state()
    )
    phone_form = DeclarationForm(phone, live_server.url, artifacts)
    phone_form.open_new()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone_form.shot("14-declaration-form-on-a-phone")


def assert_no_untranslated_text(text: str, language: str) -> None:
    """No sentence of haiquan's catalogues shows in English (the source) or in Vietnamese (the
    fallback of a missing translation) on a page in `language`: every one of them appears, if at
    all, in that language."""
    import polib

    locale_dir = Path(haiquan.__file__).resolve().parent / "locale"
    target = polib.pofile(str(locale_dir / to_locale(language) / "LC_MESSAGES" / "django.po"))
    vietnamese = {
        e.msgid: e.msgstr for e in polib.pofile(str(locale_dir / "vi/LC_MESSAGES/django.po"))
    }
    leftovers = []
    for entry in target:
        if entry.msgid_plural or len(entry.msgid.split()) < 2 or "%(" in entry.msgid:
            continue  # short labels and templates with values are checked by the catalogue test
        for shown in {entry.msgid, vietnamese.get(entry.msgid, "")} - {entry.msgstr, ""}:
            if len(shown.split()) >= 2 and shown in text:
                leftovers.append(shown)
    assert not leftovers, f"untranslated on a {language} page: {leftovers}"


def test_the_pages_switch_to_japanese_and_korean(
    live_server: Any, page: Any, world: World, artifacts: Any
) -> None:
    login = LoginPage(page, live_server.url, artifacts)
    login.go("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    vietnamese = page.locator("h1").inner_text()

    login.switch_language("ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    japanese = page.locator("h1").inner_text()
    assert japanese != vietnamese
    login.shot("15-log-in-in-japanese")

    login.log_in("dn.hoanglong", PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "ja")  # remembered
    declarations_in_japanese = page.locator("h1").inner_text()
    assert_no_untranslated_text(page.inner_text("body"), "ja")
    login.switch_language("ko")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    assert page.locator("h1").inner_text() not in (declarations_in_japanese, vietnamese)
    assert_no_untranslated_text(page.inner_text("body"), "ko")
    login.shot("16-declarations-in-korean")
    world.declarant.refresh_from_db()
    assert world.declarant.language == "ko"


def test_an_administrator_uses_the_admin_after_the_second_factor(
    live_server: Any, page: Any, world: World, artifacts: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from haiquan.accounts.services import user_create

    admin = user_create(username="qt.admin", password=PASSWORD, role="admin")
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    site = LoginPage(page, live_server.url, artifacts)
    site.go("/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    site.log_in("qt.admin", PASSWORD)
    site.second_factor(totp_code(device))
    site.go("/admin/refdata/office/")
    expect(page.locator("#result_list")).to_contain_text("20BD")
    site.shot("17-admin-offices")
