"""The trader's notification pages in Chromium (issue 22): how it is told of each kind, and its
systems' webhook endpoints — added (a bad address refused next to the field), the secret shown
once, the delivery log in the reader's language (a refusal and a success), disabled, a new
secret made; another trader's endpoint is not found."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from haiquan.clearance import services as clearance
from haiquan.clearance.tests.conftest import declaration_input
from haiquan.notifications import services as notifications
from haiquan.notifications.models import WebhookEndpoint
from haiquan.notifications.ops import deliver
from haiquan.notifications.tests.servers import Receiver
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

from .pages import LoginPage, expected
from .test_clearance_control import trader_logs_in
from .world import World, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    return world_build()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def test_the_trader_manages_its_systems_and_reads_the_delivery_log(
    live_server: Any,
    page: Any,
    world: World,
    artifacts: Path,
    receiver: Receiver,
    browser_problems: list[str],
) -> None:
    url = live_server.url
    page.set_default_timeout(60_000)  # a shared machine under load: slow, not wrong
    deliver(max_seconds=5)  # the worker runs: it tells from now on
    trader = trader_logs_in(page, url, artifacts)

    # How it is told: e-mail off for "goods released".
    page.locator("header .bell").click()
    page.get_by_role("link", name="Cách bạn nhận thông báo").click()
    expect(page).to_have_url(re.compile(r"/notifications/settings/$"))
    released = page.locator("[data-testid=subscriptions] tr", has_text="giải phóng hàng")
    released.locator("input[name^='email:']").uncheck()
    trader.shot("notifications-settings-vi")
    page.locator("[data-testid=subscriptions] button[type=submit]").click()
    expect(
        page.locator("[data-testid=subscriptions] tr", has_text="giải phóng hàng").locator(
            "input[name^='email:']"
        )
    ).not_to_be_checked()

    # Its systems: a bad address is refused next to the field.
    page.goto(url + "/portal/notifications/")
    page.get_by_role("link", name="Hệ thống của bạn (webhook)").click()
    form = page.locator("[data-testid=endpoint-form]")
    form.locator("#id_url").fill("ftp://erp.hoanglong.vn/hooks")
    form.locator("button[type=submit]").click()
    expect(page.locator("#id_url-error")).to_contain_text("https://")
    expected(browser_problems, r"HTTP 422: .*/notifications/webhooks/$", r"status of 422")
    trader.shot("notifications-endpoint-refused-vi")

    # A good one: the secret is shown this once.
    form = page.locator("[data-testid=endpoint-form]")
    form.locator("#id_url").fill(receiver.url)
    form.locator("#id_description").fill("ERP Hoàng Long")
    form.locator("button[type=submit]").click()
    secret = page.locator("[data-testid=secret-once] code").inner_text()
    assert secret == WebhookEndpoint.objects.get().secret
    receiver.secret = secret
    trader.shot("notifications-endpoint-secret-vi")
    page.reload()
    expect(page.locator("[data-testid=secret-once]")).to_have_count(0)

    # The system refuses once, then accepts: the log says so in words.
    receiver.fail_first = [500]
    clearance.declaration_register(
        actor=world.declarant, data=declaration_input(world.enterprise.mst)
    )
    deliver(max_seconds=5)
    page.reload()
    log = page.locator("[data-testid=deliveries]")
    expect(log.locator("[data-testid=last-error]").first).to_have_text(
        "Hệ thống từ chối (mã trả lời 500)"
    )
    expect(log).to_contain_text("Phân luồng")
    trader.shot("notifications-log-refused-vi")
    while not receiver.applied:
        deliver(max_seconds=5)
    page.reload()
    expect(log.locator("tr[data-state=delivered]").first).to_contain_text(
        "Đã nhận (mã trả lời 200)"
    )
    trader.shot("notifications-log-vi")

    # Disabled by its owner; a new secret, shown once.
    page.locator("[data-action=disable]").click()
    expect(page.locator("[data-testid=endpoint-state]")).to_have_text("Đã tắt")
    page.locator("[data-action=rotate]").click()
    new_secret = page.locator("[data-testid=secret-once] code").inner_text()
    assert new_secret != secret and new_secret == WebhookEndpoint.objects.get().secret

    # In English, the same log.
    LoginPage(page, url, artifacts).switch_language("en")
    expect(page.locator("[data-testid=endpoint-state]")).to_have_text("Disabled")
    expect(page.locator("[data-testid=deliveries]")).to_contain_text("Accepted (answer 200)")
    trader.shot("notifications-log-en")

    # Another trader's endpoint is not found.
    other = EnterpriseFactory(mst=valid_mst(2), name="Công ty Minh Anh")
    from haiquan.accounts.services import user_create

    someone = user_create(
        username="dn.minhanh",
        password="Minh-anh-2026!",
        role="declarant",
        enterprise_msts=[other.mst],
    )
    theirs, _secret = notifications.endpoint_register(
        actor=someone, enterprise_mst=other.mst, url=receiver.url
    )
    answer = page.goto(f"{url}/notifications/webhooks/{theirs.pk}/")
    assert answer is not None and answer.status == 404
    expected(browser_problems, rf"HTTP 404: .*/notifications/webhooks/{theirs.pk}/$", "404")
