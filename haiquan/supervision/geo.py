"""Positions written so that nobody can misread them: decimal degrees with a point (whatever the
page's language, so that the comma between latitude and longitude is the only comma) and the
hemisphere in the reader's words — "21.1144° N, 107.3286° E"; in Vietnamese
"21.1144° B, 107.3286° Đ" (in Vietnamese "N" is Nam, south)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def position_text(lat: float | None, lon: float | None, places: int = 4) -> str:
    if lat is None or lon is None:
        return ""
    la, lo = f"{abs(lat):.{places}f}", f"{abs(lon):.{places}f}"
    latitude = _("%(deg)s° N") % {"deg": la} if lat >= 0 else _("%(deg)s° S") % {"deg": la}
    longitude = _("%(deg)s° E") % {"deg": lo} if lon >= 0 else _("%(deg)s° W") % {"deg": lo}
    return f"{latitude}, {longitude}"
