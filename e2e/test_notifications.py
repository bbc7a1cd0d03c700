"""The bell in the page header, in Chromium: a trader's declaration is decided and cleared, the
notifications worker runs, and the trader sees the unread count in the header of every page,
reads the notifications in its language, marks them read, and the count goes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import transaction
from playwright.sync_api import expect

from haiquan.clearance import services as clearance
from haiquan.clearance.tests.conftest import declaration_input
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.services import event_record
from haiquan.notifications.dispatch import dispatch_once

from .pages import LoginPage
from .world import PASSWORD, World, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(refdata_reloaded: Any) -> World:
    return world_build()


def _cleared_declaration(world: World) -> Any:
    dispatch_once()  # the worker has been running: it tells from now on
    declaration = clearance.declaration_register(
        actor=world.declarant, data=declaration_input(world.enterprise.mst)
    )
    with transaction.atomic():
        event_record(
            kind=kinds.DECLARATION_CLEARED.code,
            subject_type="declaration",
            subject_id=declaration.pk,
            party=Party.CUSTOMS,
            declaration_id=declaration.pk,
            office_code="20BD",
        )
    while dispatch_once() or dispatch_once():
        pass
    return declaration


def test_the_bell_shows_unread_notifications_in_the_readers_language(
    live_server: Any, page: Any, new_page: Any, world: World, artifacts: Any
) -> None:
    declaration = _cleared_declaration(world)

    # Vietnamese (the browser's language).
    LoginPage(page, live_server.url, artifacts).log_in("dn.hoanglong", PASSWORD)
    page.goto(live_server.url + "/declarations/")
    bell = page.locator("header .bell")
    expect(bell.locator(".bell__count")).to_have_text("2")
    expect(bell).to_contain_text("Thông báo: 2 chưa đọc")
    page.locator("header").screenshot(path=str(artifacts / "notifications-bell-vi.png"))
    bell.click()
    expect(page).to_have_url(re.compile("/portal/notifications/$"))
    items = page.locator("ul.notifications")
    expect(items).to_contain_text(f"Tờ khai {declaration.number} đã được thông quan")
    expect(items).to_contain_text(f"Tờ khai {declaration.number}: đã phân luồng")
    page.screenshot(path=str(artifacts / "notifications-list-vi.png"), full_page=True)

    # English, in another browser (the same user).
    english = new_page(locale="en-GB")
    LoginPage(english, live_server.url, artifacts).log_in("dn.hoanglong", PASSWORD)
    english.goto(live_server.url + "/portal/notifications/")
    english_bell = english.locator("header .bell")
    expect(english_bell).to_contain_text("Notifications: 2 unread")
    expect(english.locator("ul.notifications")).to_contain_text(
        f"Declaration {declaration.number} cleared"
    )
    english.locator("header").screenshot(path=str(artifacts / "notifications-bell-en.png"))
    english.get_by_role("button", name="Mark all read").click()
    expect(english_bell.locator(".bell__count")).to_have_count(0)
    expect(english_bell).to_contain_text("Notifications: none unread")
    english.screenshot(path=str(artifacts / "notifications-list-en.png"), full_page=True)

    # Read in one browser, read in the other.
    page.reload()
    expect(page.locator("header .bell .bell__count")).to_have_count(0)
