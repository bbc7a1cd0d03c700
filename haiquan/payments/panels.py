"""What payments shows on other apps' pages (`core.panels`)."""

from __future__ import annotations

from typing import Any

from haiquan.core.panels import Panel

from .selectors import receipts_list


def declaration_receipts_panel(user: Any, declaration: Any) -> Panel | None:
    """The receipts issued for a registered declaration, as far as the viewer sees them."""
    if not declaration.number:
        return None
    receipts = list(receipts_list(user=user, declaration_number=declaration.number))
    if not receipts:
        return None
    return Panel("payments/panels/declaration_receipts.html", {"receipts": receipts})
