"""Links from an object's page to what other apps offer about it (rate a cleared declaration in
the portal, say), without the page's app knowing those apps: the same plug-in shape as
`core.help`.

An app registers a provider in its `AppConfig.ready()`: given the viewer and the object (a
declaration...), it answers (label, url) pairs, or nothing. A page asks with
`{% object_links "declaration" declaration %}` (core's `hq` library).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LinkProvider = Callable[[Any, Any], list[tuple[str, str]]]

_providers: dict[str, list[LinkProvider]] = {}


def object_link_provider_register(kind: str, provider: LinkProvider) -> None:
    providers = _providers.setdefault(kind, [])
    if provider not in providers:
        providers.append(provider)


def object_links_for(kind: str, user: Any, obj: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for provider in _providers.get(kind, []):
        out.extend(provider(user, obj))
    return out
