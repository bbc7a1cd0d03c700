"""The main menu, assembled from what each app registers.

Apps add their entries in `AppConfig.ready()` with `nav_item_register`, so the base template does
not need to know every app: each entry names its URL, its label (lazily translated) and who sees it.
Entries keep the order of registration within their `order` (lower first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse

Visible = Callable[[Any], bool]


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Any  # a lazy translation
    visible: Visible
    order: int = 100
    # Other view names under which this entry is the current one (aria-current="page").
    also_current: tuple[str, ...] = field(default=())


_items: list[NavItem] = []


def nav_item_register(
    url_name: str,
    label: Any,
    visible: Visible,
    *,
    order: int = 100,
    also_current: tuple[str, ...] = (),
) -> None:
    """Add a menu entry (once per URL name; registering it again replaces it)."""
    item = NavItem(url_name, label, visible, order, also_current)
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
        out.append({"href": href, "label": item.label, "current": current})
    return out
