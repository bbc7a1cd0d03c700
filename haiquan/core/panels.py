"""Panels on an object's page that another app fills (the receipts payments issued for a
declaration, say), without the page's app importing that app: the same plug-in shape as
`core.links`, for content rather than links.

An app registers a provider for a slot (`DECLARATION_PAYMENT`) in its `AppConfig.ready()`:
given the viewer and the object, it answers a `Panel` (a template of its own and what it
shows) or None. The page asks `object_panels_for(slot, user, obj)` and includes each panel's
template with its `data`; what the viewer may see is the provider's to decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    template: str
    data: dict[str, Any] = field(default_factory=dict)


PanelProvider = Callable[[Any, Any], Panel | None]

# The slots pages offer (a colon, so that no slot reads as an event kind).
DECLARATION_PAYMENT = "declaration:payment"  # the declaration page's duties and payment panel

_providers: dict[str, list[PanelProvider]] = {}


def object_panel_provider_register(slot: str, provider: PanelProvider) -> None:
    providers = _providers.setdefault(slot, [])
    if provider not in providers:
        providers.append(provider)


def object_panels_for(slot: str, user: Any, obj: Any) -> list[Panel]:
    """The panels the registered providers give for `obj` in `slot`, in registration order."""
    panels = (provider(user, obj) for provider in _providers.get(slot, []))
    return [panel for panel in panels if panel is not None]
