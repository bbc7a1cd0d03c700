"""The portal's business settings (`settings.HAIQUAN`), read at call time, with defaults."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Days customs has to answer an inquiry (vướng mắc) before it is escalated.
    "PORTAL_INQUIRY_ANSWER_DAYS": 10,
    # Where the content files live (categories.json, faq.json, handbook.json).
    "PORTAL_CONTENT_DIR": "",
    # How many answers a search returns at most.
    "PORTAL_SEARCH_LIMIT": 20,
}


def portal_setting(key: str) -> Any:
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    return values.get(key, DEFAULTS[key])
