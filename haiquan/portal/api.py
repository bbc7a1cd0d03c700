"""The customs-business partnership portal API, mounted at /api/v1/portal."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Customs-business partnership portal"])
