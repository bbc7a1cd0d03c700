"""The national and asean single window API, mounted at /api/v1/single-window."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["National and ASEAN Single Window"])
