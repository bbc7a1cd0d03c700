"""The learned risk score API, mounted at /api/v1/risk-models."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Learned risk score"])
