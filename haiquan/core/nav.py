"""The main menu, assembled from what each app registers.

Apps add their entries in `AppConfig.ready()` with `nav_item_register`, so the base template does
not need to know every app: each entry names its URL, its label (lazily translated) and who sees it.
Entries keep the order of registration within their `order` (lower first).

Staff see up to twenty entries, so entries sit in a few menus (`GROUPS`): an entry names its
group, or takes the one of its URL's namespace (`GROUP_OF_NAMESPACE`); `nav_menu_for` gives
the header its menus, a group of one entry being a plain link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

Visible = Callable[[Any], bool]


# The header's menus, in this order.
GROUPS: dict[str, Any] = {
    "clearance": _("Clearance"),
    "supervision": _("Supervision"),
    "analysis": _("Analysis"),
    "services": _("Services"),
    "partnership": _("Help and partnership"),
}
GROUP_OF_NAMESPACE = {
    "clearance": "clearance",
    "payments": "clearance",
    "supervision": "supervision",
    "transit": "supervision",
    "stats": "analysis",
    "timerelease": "analysis",
    "riskml": "analysis",
    "postaudit": "analysis",
    "singlewindow": "services",
    "eservices": "services",
    "portal": "partnership",
}


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Any  # a lazy translation
    visible: Visible
    order: int = 100
    # Other view names under which this entry is the current one (aria-current="page").
    also_current: tuple[str, ...] = field(default=())
    group: str = ""

    @property
    def group_key(self) -> str:
        return self.group or GROUP_OF_NAMESPACE.get(self.url_name.split(":")[0], "")


_items: list[NavItem] = []


def nav_item_register(
    url_name: str,
    label: Any,
    visible: Visible,
    *,
    order: int = 100,
    also_current: tuple[str, ...] = (),
    group: str = "",
) -> None:
    """Add a menu entry (once per URL name; registering it again replaces it)."""
    item = NavItem(url_name, label, visible, order, also_current, group)
    for i, existing in enumerate(_items):
        if existing.url_name == url_name:
            _items[i] = item
            return
    _items.append(item)


def nav_items_for(user: Any, current_view: str | None) -> list[dict[str, Any]]:
    """The entries `user` sees, in order, each with its href and whether it is the current page."""
    out = []
    for item in sorted(_items, key=lambda i: i.order):
        if not item.visible(user):
            continue
        try:
            href = reverse(item.url_name)
        except NoReverseMatch:
            continue
        current = current_view is not None and (
            current_view == item.url_name or current_view in item.also_current
        )
        out.append({"href": href, "label": item.label, "current": current, "group": item.group_key})
    return out


def nav_menu_for(user: Any, current_view: str | None) -> list[dict[str, Any]]:
    """The header's menu: one entry per group in `GROUPS` order (its entries under `entries`),
    or the entry itself where a group has one; entries of no group come last, as links."""
    items = nav_items_for(user, current_view)
    menu: list[dict[str, Any]] = []
    for key, label in GROUPS.items():
        members = [i for i in items if i["group"] == key]
        if len(members) == 1:
            menu.append(members[0])
        elif members:
            current = any(i["current"] for i in members)
            menu.append({"key": key, "label": label, "entries": members, "current": current})
    menu += [i for i in items if i["group"] not in GROUPS]
    return menu
