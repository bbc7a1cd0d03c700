"""The online public services API, mounted at /api/v1/eservices."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Online public services"])
