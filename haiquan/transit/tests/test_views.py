"""The monitoring desk's page."""

from __future__ import annotations

import pytest
from django.test import Client

from haiquan.accounts.services import user_create
from haiquan.accounts.tests.helpers import login
from haiquan.transit.views import tile_source

pytestmark = pytest.mark.django_db


def test_the_desk_page_works_without_tiles_and_without_inline_script(on_the_way, leader):
    movement = on_the_way(hours_ago=0.2)
    resp = login(Client(), leader).get("/transit/monitor/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-feed="/api/v1/transit/monitor"' in html and 'data-tiles=""' in html
    assert "transit-map--plain" in html and movement.reference in html
    assert "/static/haiquan/transit/monitor.js" in html
    assert "<script>" not in html  # CSP: no inline script
    assert "img-src 'self' data:" in resp["Content-Security-Policy"]


def test_a_configured_tile_server_is_allowed_its_images(db, leader, settings):
    settings.HAIQUAN = {
        **settings.HAIQUAN,
        "MAP_TILE_URL": "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
        "MAP_TILE_ATTRIBUTION": "© OpenStreetMap",
    }
    resp = login(Client(), leader).get("/transit/monitor/")
    assert "https://*.tile.openstreetmap.org" in resp["Content-Security-Policy"]
    assert "transit-map--plain" not in resp.content.decode()


def test_tile_sources():
    assert tile_source("") == ""
    assert tile_source("https://tiles.example.vn/{z}/{x}/{y}.png") == "https://tiles.example.vn"


def test_a_movement_page_tells_its_steps(on_the_way, leader):
    movement = on_the_way(hours_ago=0.2)
    resp = login(Client(), leader).get(f"/transit/movements/{movement.reference}/")
    # the steps in words (eventlog.kinds), never the event kind
    assert resp.status_code == 200 and b"Departed" in resp.content
    assert b"transit.departed" not in resp.content


def test_traders_do_not_reach_the_desk(db):
    trader = user_create(username="dn.z", password=None, role="declarant")
    assert login(Client(), trader).get("/transit/monitor/").status_code == 403
