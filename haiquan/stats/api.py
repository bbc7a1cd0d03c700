"""The statistics API, mounted at /api/v1/statistics."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Statistics"])
