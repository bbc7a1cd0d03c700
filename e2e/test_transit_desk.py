"""The transit desk's map (issue 15, item 9): movements on the road over a base map that ships
with haiquan — land and sea, the national border, provinces and towns — with nothing fetched
from elsewhere; positions written so that they cannot be misread."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .transit import desk_build, desk_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_the_desk_shows_its_movements_on_a_map_of_the_country(
    live_server: Any, page: Any, refdata_reloaded: Any, artifacts: Any
) -> None:
    desk = desk_build()
    page.set_viewport_size({"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    desk_open(page, live_server.url, artifacts, desk)
    base = page.locator("#transit-map")
    # The base layer: the land (Vietnam and its neighbours) under the routes, and the towns.
    expect(base).to_have_class(re.compile("transit-map--based"))
    expect(base.locator(".leaflet-basemap-pane path").first).to_be_attached()
    assert base.locator(".leaflet-basemap-pane path").count() > 50
    expect(base.locator(".transit-town__name", has_text="Móng Cái")).to_be_visible()
    expect(base.locator(".transit-town__name", has_text="Hạ Long")).to_be_visible()
    expect(base.locator(".leaflet-control-attribution")).to_contain_text("Natural Earth")
    # Nothing came from anywhere but haiquan itself.
    assert all(u.startswith(live_server.url) for u in requests), requests
    # The open alerts of the faulty trips are listed beside the map.
    expect(page.locator("#transit-alerts li")).to_have_count(3)
    page.screenshot(path=str(artifacts / "transit-desk.png"), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(artifacts / "transit-desk.png", SCREENSHOTS / "transit-desk.png")

    # A movement's page writes its containers' last positions unambiguously.
    page.goto(f"{live_server.url}/transit/movements/{desk.movements[0].reference}/")
    cell = page.locator("table tbody tr td").nth(2)
    expect(cell).to_contain_text(re.compile(r"\d+\.\d{4}° B, \d+\.\d{4}° Đ"))
