"""What the first walk through haiquan's pages found (issue 15), checked as a person sees it:

- the gate form shows a refused report (a wrong check digit, a second get-in of a container
  already inside) and keeps its direction; what is inside is fresh after each report; an error
  page answered to an htmx form (an expired form) is shown by the form, not swallowed (item 3);
- the API docs render their operations from assets inside the package (item 6);
- a declaration's history reads in words, in the reader's language, oldest first (item 10);
- detail panels keep each label beside its value (item 11);
- a statistics dashboard in Japanese, photographed for the README (item 13).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect
from stdnum import iso6346

import haiquan
from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.clearance.services import declaration_register
from haiquan.payments.services import bank_create
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.supervision.services import zone_create

from .pages import expected
from .test_flows import dragon_fruit
from .world import PASSWORD, World, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(haiquan.__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    return world_build()


def signed_in(page: Any, base_url: str, user: User, language: str = "vi") -> None:
    """The browser holds `user`'s session (second factor done for customs staff) and language:
    what the log-in pages do, which e2e/test_flows.py clicks through."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if user.is_customs:
        device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
            user=user, name="e2e", confirmed=True
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    page.context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base_url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url},
        ]
    )


def _container(n: int) -> str:
    body = f"TGHU{n:06d}"
    return body + str(iso6346.calc_check_digit(body))


# ---------------------------------------------------------------------------------------------
# Item 3: htmx forms show their 4xx answers


def test_the_gate_form_shows_what_was_refused_and_keeps_the_gate(
    live_server: Any, page: Any, world: World, browser_problems: list[str]
) -> None:
    admin = user_create(username="e2e.admin", password=PASSWORD, role="admin")
    firm = EnterpriseFactory(mst=valid_mst(8801), name="Cảng Hoàng Long")
    zone = zone_create(
        actor=admin,
        code="WE2E",
        name="Bãi cửa khẩu Móng Cái",
        kind="border_gate",
        operator_mst=firm.mst,
        office_code="20BD",
        geometry="POLYGON ((107.96 21.52, 107.97 21.52, 107.97 21.53, 107.96 21.53, 107.96 21.52))",
        storage_limit_days=90,
    )
    operator = user_create(
        username="op.e2e", password=PASSWORD, role="operator", employer_mst=firm.mst
    )
    signed_in(page, live_server.url, operator, "en")
    page.goto(f"{live_server.url}/supervision/zones/{zone.code}/")
    gate = page.locator("#gate-panel")
    inside = page.locator("#inside-panel")
    expect(inside).to_contain_text("Nothing is inside")

    # A mistyped check digit: the refusal and its reason appear by the field
    good = _container(1)
    gate.get_by_label("Container number").fill(good[:-1] + str((int(good[-1]) + 1) % 10))
    gate.get_by_role("button", name="Record").click()
    expect(gate.locator(".error-summary")).to_be_visible()
    expect(gate.locator(".field-error")).to_contain_text(re.compile("check digit", re.I))

    # A good one: recorded, and the list of what is inside shows it without a reload
    gate.get_by_label("Container number").fill(good)
    gate.get_by_role("button", name="Record").click()
    expect(gate.get_by_test_id("gate-answer")).to_contain_text("Get-in recorded")
    expect(inside).to_contain_text(good)
    expect(page.locator("#gate-events")).to_contain_text(good)

    # The same container again: refused, and said so
    gate.get_by_label("Container number").fill(good)
    gate.get_by_role("button", name="Record").click()
    expect(gate.locator(".error-summary")).to_be_visible()
    expect(gate.locator(".error-summary")).to_contain_text(good[:4])

    # The gate stays on "out" once chosen: the next report goes the same way
    gate.get_by_label("Container number").fill("")
    gate.locator("input[name=direction][value=out]").check()
    gate.get_by_label("Container number").fill(_container(2))
    gate.get_by_role("button", name="Record").click()
    expect(gate.locator("input[name=direction][value=out]")).to_be_checked()

    # An answer that is a whole error page (the form expired: CSRF refused) is shown too
    page.wait_for_load_state("networkidle")  # the out-of-band refreshes set the cookie again
    page.context.clear_cookies(name=settings.CSRF_COOKIE_NAME)
    page.evaluate(
        "document.body.setAttribute('hx-headers', JSON.stringify({'X-CSRFToken': 'stale'}));"
        "document.querySelectorAll('input[name=csrfmiddlewaretoken]')"
        ".forEach(e => { e.value = 'stale'; });"
    )
    gate.get_by_label("Container number").fill(_container(3))
    gate.get_by_role("button", name="Record").click()
    notice = page.locator("[role=alert][data-htmx-error]")
    expect(notice).to_be_visible()
    expect(notice).not_to_be_empty()
    # 422: a mistyped check digit; 409: the second get-in; 403: the CSRF page
    expected(browser_problems, r"HTTP 4(22|09|03)", r"status of 4(22|09|03)")


# ---------------------------------------------------------------------------------------------
# Item 6: the API docs


def test_the_api_docs_show_the_operations(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/api/v1/docs")
    # Swagger UI builds the page from the OpenAPI document: give it time on a busy machine
    expect(page.locator(".opblock").first).to_be_visible(timeout=60_000)
    assert page.locator(".opblock").count() > 20
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/declarations")


# ---------------------------------------------------------------------------------------------
# Item 10: histories in words


KIND_CODE = re.compile(r"\b[a-z_]+\.[a-z]+_[a-z_]+\b|\b(?:declaration|payment|cargo)\.[a-z_]+\b")


def test_a_declaration_s_history_reads_in_words_oldest_first(
    live_server: Any, page: Any, world: World
) -> None:
    from haiquan.core.tests.world import bank_message
    from haiquan.payments.services import bank_confirmation_receive, payment_order_create

    declaration = declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    bank, secret = bank_create(code="VCB", name="Vietcombank")
    order = payment_order_create(declaration=declaration, actor=world.declarant)
    msg = bank_message(
        secret,
        {
            "order_reference": order.reference,
            "bank_transaction_id": "FT-E2E-1",
            "amount_vnd": int(order.amount_vnd),
            # paid a minute ago, confirmed now: the payment stays where it happened
            "paid_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        },
    )
    bank_confirmation_receive(
        bank_code=bank.code,
        timestamp=msg["timestamp"],
        signature=msg["signature"],
        raw_body=msg["raw"],
    )
    signed_in(page, live_server.url, world.officer, "ja")
    page.goto(f"{live_server.url}/declarations/{declaration.pk}/")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("銀行 VCB")  # the bank, in Japanese
    expect(timeline).to_contain_text("リスク管理システム")  # the lane decided by the system
    text = timeline.inner_text()
    assert not KIND_CODE.search(text), text
    for internal in ("bank:", "selectivity", "automatic", "clearance"):
        assert internal not in text, (internal, text)
    times = [t.get_attribute("datetime") for t in timeline.locator("time").all()]
    assert times == sorted(times), times


# ---------------------------------------------------------------------------------------------
# Item 11: detail panels


ALIGNMENT = """
() => {
  const problems = [];
  for (const dl of document.querySelectorAll("main dl")) {
    const terms = [...dl.querySelectorAll("dt")];
    if (!terms.length) continue;
    const left = terms[0].getBoundingClientRect().left;
    for (const dt of terms) {
      const box = dt.getBoundingClientRect();
      if (Math.abs(box.left - left) > 1) problems.push(`term "${dt.textContent.trim()}" not in the first column`);
      let dd = dt.nextElementSibling;
      if (!dd || dd.tagName !== "DD") continue;
      const value = dd.getBoundingClientRect();
      if (Math.abs(value.top - box.top) > 2 || value.left <= box.left)
        problems.push(`value of "${dt.textContent.trim()}" is not beside it: "${dd.textContent.trim().slice(0, 40)}"`);
    }
  }
  return problems;
}
"""


def test_detail_panels_keep_each_label_beside_its_value(
    live_server: Any, page: Any, world: World
) -> None:
    declaration = declaration_register(
        actor=world.declarant, data=dragon_fruit(world.enterprise.mst)
    )
    signed_in(page, live_server.url, world.analyst, "en")
    for path in (
        f"/post-audit/traders/{world.enterprise.mst}/",  # the trader profile
        f"/declarations/{declaration.pk}/",
    ):
        page.goto(live_server.url + path)
        expect(page.locator("main dl").first).to_be_visible()
        assert page.evaluate(ALIGNMENT) == [], path
    # on a phone each label sits above its value instead
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/post-audit/traders/{world.enterprise.mst}/")
    first = page.locator("main dl.summary dt").first.bounding_box()
    value = page.locator("main dl.summary dd").first.bounding_box()
    assert first and value and value["y"] >= first["y"] + first["height"] - 1


# ---------------------------------------------------------------------------------------------
# Item 13: a dashboard in Japanese, photographed for the README


def _trade_history(world: World) -> User:
    """Fourteen months of Quảng Ninh's trade up to today (the month under way included), built
    as the statistics tests build theirs, and the leader who reads it."""
    from datetime import date

    from haiquan.refdata.services import exchange_rate_set
    from haiquan.stats.aggregates import stats_refresh
    from haiquan.stats.models import Target as StatsTarget
    from haiquan.stats.tests.builders import declaration, receipt

    today = timezone.localdate()
    exchange_rate_set(
        currency="USD", day=date(today.year - 2, 1, 1), rate_vnd=Decimal(25000), source="e2e"
    )
    firms = [
        EnterpriseFactory(mst=valid_mst(8900 + i), name=name, province_code=province)
        for i, (name, province) in enumerate(
            [
                ("Công ty TNHH Hoàng Long", "22"),
                ("Công ty CP Hạ Long Foods", "22"),
                ("Công ty TNHH Điện tử Kinh Bắc", "27"),
                ("Công ty CP Dệt may Hà Nội", "01"),
            ]
        )
    ]
    bank, _secret = bank_create(code="VTB", name="VietinBank")
    goods = [  # chapter, country, lane, type, transport, value (million VND)
        ("08109092", "CN", "green", "A11", "road", 900),
        ("84713020", "KR", "yellow", "A12", "sea", 2400),
        ("85171300", "CN", "red", "A11", "road", 1800),
        ("27101943", "SG", "green", "A11", "sea", 3100),
        ("61091010", "JP", "green", "B11", "sea", 700),
        ("39011012", "TH", "yellow", "E31", "sea", 1200),
        ("03061719", "US", "green", "B11", "air", 500),
    ]
    n = 0
    for back in range(14, -1, -1):
        year, month = today.year, today.month - back
        while month < 1:
            year, month = year - 1, month + 12
        days = today.day if back == 0 else 28
        for k in range(6 + (month % 4) * 2):
            day = 1 + (k * 5) % days
            hs, country, lane, type_code, mode, millions = goods[(k + month) % len(goods)]
            n += 1
            d = declaration(
                actor=world.declarant,
                office="20BD" if k % 3 else "20CD",
                enterprise=firms[(k + n) % len(firms)],
                registered=f"{year}-{month:02d}-{day:02d} {8 + k % 9:02d}:00",
                value_vnd=millions * 1_000_000 * (1 + (n % 5) / 10),
                lines=[(hs, millions * 1_000_000 * (1 + (n % 5) / 10))],
                flow="export" if type_code.startswith("B") else "import",
                type_code=type_code,
                lane=lane,
                country=country,
                transport=mode,
            )
            if not type_code.startswith("B"):
                receipt(
                    bank=bank,
                    actor=world.declarant,
                    declaration=d,
                    amount=millions * 120_000,
                    issued=f"{year}-{month:02d}-{day:02d} 17:00",
                )
    leader = user_create(
        username="ld.quangninh", password=PASSWORD, role="leader", office_codes=["20"]
    )
    from haiquan.refdata.models import Office

    for authority, billions in (("mof", 120), ("gdvc", 135)):
        StatsTarget.objects.create(
            office=Office.objects.get(code="20"),
            year=today.year,
            authority=authority,
            amount_vnd=billions * 1_000_000_000,
            updated_by=leader,
        )
    stats_refresh(full=True)
    return leader


def test_a_statistics_dashboard_in_japanese(
    live_server: Any, new_page: Any, world: World, artifacts: Path
) -> None:
    leader = _trade_history(world)
    page = new_page(locale="ja-JP")  # a Japanese browser: its own date widgets read Japanese too
    signed_in(page, live_server.url, leader, "ja")
    today = timezone.localdate()
    first = f"{today.year}-01"
    page.goto(f"{live_server.url}/statistics/?office=20&month_from={first}&month_to={today:%Y-%m}")
    expect(page.locator("h1")).to_contain_text("統計")
    country = page.get_by_test_id("breakdown-country")
    expect(country.locator("thead th").first).to_have_text("取引先の国")  # not "Value"
    expect(country).to_contain_text("中国")  # not "China"
    expect(page.get_by_test_id("partial-month")).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('canvas')].every(c => c.width > 0)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "statistics-dashboard-ja.png"), full_page=True)
