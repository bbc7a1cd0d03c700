"""Durations and changes written as the time-release reports write them:
"10 h 05 min 48 s", "−31 min 06 s (−4.88%)". A decrease carries the minus sign (U+2212) of the
reports' form, not a hyphen, so that it reads as one and never breaks a line from its figure."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

MINUS = "\u2212"


def format_duration(seconds: float | None) -> str:
    """Whole seconds as hours, minutes and seconds; hours are not folded into days, as the
    studies report them ("115 h 00 min 00 s")."""
    if seconds is None:
        return "–"
    total = round(abs(seconds))
    sign = MINUS if seconds < 0 and total else ""
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    if h:
        text = _("%(h)d h %(m)02d min %(s)02d s") % {"h": h, "m": m, "s": s}
    elif m:
        text = _("%(m)d min %(s)02d s") % {"m": m, "s": s}
    else:
        text = _("%(s)d s") % {"s": s}
    return sign + text


@dataclass(frozen=True)
class Change:
    """now − before, in seconds and as a share of before (None when there was nothing before)."""

    seconds: float | None
    ratio: float | None

    @property
    def percent(self) -> float | None:
        return None if self.ratio is None else round(self.ratio * 100, 2)


def change(now: float | None, before: float | None) -> Change:
    """Δ = now − before on whole seconds (as the figures are shown); %Δ = Δ / before."""
    if now is None or before is None:
        return Change(None, None)
    delta = round(now) - round(before)
    return Change(delta, delta / round(before) if round(before) else None)


def format_percent(ratio: float | None, places: int = 2, signed: bool = False) -> str:
    if ratio is None:
        return "–"
    value = round(ratio * 100, places)
    text = formats.number_format(abs(value), places, use_l10n=True)
    sign = MINUS if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}{text}%"


def format_change(c: Change) -> str:
    """'−31 min 06 s (−4.88%)'; '+…' for an increase; '–' when there is nothing to compare."""
    if c.seconds is None:
        return "–"
    sign = "+" if c.seconds > 0 else ""
    text = sign + format_duration(c.seconds)
    if c.ratio is None:
        return text
    return f"{text} ({format_percent(c.ratio, signed=True)})"
