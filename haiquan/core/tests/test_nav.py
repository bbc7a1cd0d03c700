"""The header's menu: entries in a few groups, a group of one entry a plain link."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from haiquan.core.nav import nav_menu_for

from .test_page_words import _client
from .world import World

pytestmark = pytest.mark.django_db


def _header(client: Client) -> str:
    html = client.get("/portal/faq/").content.decode()
    start = html.index('<ul class="nav">')
    return html[start : html.index('<div class="header-tools">', start)]


def test_staff_see_a_few_menus_not_a_wall_of_links(world: World) -> None:
    menu = nav_menu_for(world.users["leader"], None)
    groups = [m for m in menu if m.get("entries")]
    assert len(menu) <= 7 and len(groups) >= 3
    assert sum(len(m.get("entries", [])) or 1 for m in menu) >= 12  # every page still reachable
    client = _client(world, world.users["leader"], "en")
    header = _header(client)
    assert header.count("<details data-menu>") == len(groups)
    assert not re.search(r"<script|\son[a-z]+=", header)  # menus work without script


def test_a_group_of_one_entry_is_a_link(world: World) -> None:
    menu = nav_menu_for(world.users["operator"], None)
    assert all("entries" not in m for m in menu), menu
    client = _client(world, world.users["operator"], "en")
    header = _header(client)
    assert "<details" not in header and 'href="/supervision/zones/"' in header
