"""What the notifications need of the single window (registered in apps.py): which partner
agencies a declaration concerns, and which agency a user acts for. An agency's systems hear of
a declaration only when customs asked that agency for a document on it, as its people see only
the requests addressed to it (`selectors.requests_visible_to`)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .models import Request
from .permissions import agency_of


def declaration_agencies(ids: list[int]) -> dict[int, frozenset[str]]:
    """The codes of the active agencies asked for a document on each declaration."""
    found: dict[int, set[str]] = defaultdict(set)
    for declaration_id, code in Request.objects.filter(
        declaration_id__in=ids, agency__active=True
    ).values_list("declaration_id", "agency__code"):
        found[declaration_id].add(code)
    return {pk: frozenset(codes) for pk, codes in found.items()}


def user_agencies(user: Any) -> list[tuple[str, str]]:
    """The agency an active agency user acts for, as (code, name)."""
    agency = agency_of(user)
    return [(agency.code, agency.name)] if agency is not None else []
