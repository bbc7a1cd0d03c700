"""haiquan's business settings (`settings.HAIQUAN`), read at call time, never at import."""

from typing import Any

from django.conf import settings


def haiquan_setting(key: str) -> Any:
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    return values[key]
