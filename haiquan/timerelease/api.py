"""The time-release measurement API, mounted at /api/v1/time-release."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Time-release measurement"])
