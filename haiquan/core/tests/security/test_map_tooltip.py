"""The transit map's tooltips are text (issue 16): the vehicle plate is what the declarant
typed, and the map put it into a marker's tooltip as HTML. A plate `<svg onload=X()>` (16
characters: within the 20 a plate may have, and upper-cased by the service) ran script in
the monitoring officer's browser. Now the tooltip shows it as the characters it is.

A browser test: Debian's Chromium against the live server (e2e/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.conftest import (  # noqa: F401 (the browser set-up of e2e/, for this test too)
    artifacts,
    browser_context_args,
    browser_type_launch_args,
)
from e2e.transit import desk_build, desk_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PLATE = "<svg onload=X()>"


def test_a_vehicle_plate_is_shown_as_text_in_the_map_s_tooltip(
    live_server: Any,
    page: Any,
    refdata_reloaded: Any,
    artifacts: Any,  # noqa: F811
) -> None:
    desk = desk_build(plates=[PLATE])
    page.add_init_script("window.X = function () { window.__ranPlate = true; };")
    desk_open(page, live_server.url, artifacts, desk)
    marker = page.locator("#transit-map path.leaflet-interactive[stroke='#0b0c0c']").first
    expect(marker).to_be_attached()
    tooltip = page.locator(".leaflet-tooltip").first
    for _attempt in range(5):  # a busy machine may still be fitting the map when first hovered
        page.mouse.move(0, 0)
        marker.hover(force=True)
        try:
            expect(tooltip).to_be_visible(timeout=3000)
            break
        except AssertionError:
            continue
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(PLATE.upper())
    assert tooltip.locator("svg").count() == 0
    assert page.locator(".leaflet-tooltip svg, .leaflet-tooltip img").count() == 0
    assert page.evaluate("window.__ranPlate === true") is False
    # The list beside the map shows it as text too.
    expect(page.locator("#transit-list")).to_contain_text(PLATE.upper())
