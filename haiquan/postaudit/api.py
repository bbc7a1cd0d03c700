"""The trader analysis and post-clearance audit API, mounted at /api/v1/post-audit."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Trader analysis and post-clearance audit"])
