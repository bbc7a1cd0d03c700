"""The classification assistant (trợ lý phân loại mã HS): a goods description in, the five
likeliest tariff lines out, each with a confidence and why (the words that matched, the similar
past declarations and what they were finally classified as).

It runs in the process, offline: the tariff's texts are indexed at first use and the history is
the active `ClassifierVersion` (trained by `haiquan hs-assistant train` on this installation's
declarations as finally classified); nothing is downloaded. Without a trained version it answers
from the tariff's texts alone.

`disagreements` is what the lane decision asks: the lines whose declared code the assistant is
confident is wrong (another heading altogether), to show officers as a reason.
"""

from __future__ import annotations

import functools
import gzip
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..normalise import hs_code_normalise
from ..search import search_index
from ..snapshot import HsLineData, Tariff, tariff_token_seen
from .model import Assistant, Candidate, Example, HistoryIndex, example_text

MAX_DESCRIPTION = 500
# A declared code "disagrees strongly" when the assistant puts another heading first with at
# least this confidence and the declared line is not among its five.
DISAGREEMENT_CONFIDENCE = 0.75

__all__ = [
    "DISAGREEMENT_CONFIDENCE",
    "MAX_DESCRIPTION",
    "Classification",
    "Disagreement",
    "Suggestion",
    "assistant_cache_clear",
    "classify",
    "current_assistant",
    "disagreements",
    "examples_decode",
    "examples_encode",
]


def examples_encode(examples: Sequence[Example]) -> bytes:
    rows = [[e.text, e.code, e.declared_code, e.count, e.checked, e.corrected] for e in examples]
    return gzip.compress(json.dumps(rows, ensure_ascii=False).encode(), compresslevel=6)


def examples_decode(data: bytes | memoryview) -> list[Example]:
    rows = json.loads(gzip.decompress(bytes(data)).decode())
    return [Example(*row) for row in rows]


@dataclass(frozen=True)
class Suggestion:
    code: str
    description: str
    context: str
    unit: str
    confidence: float
    matched: tuple[str, ...]
    similar: tuple[dict[str, Any], ...]
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": self.description,
            "context": self.context,
            "unit": self.unit,
            "confidence": round(self.confidence, 4),
            "matched": list(self.matched),
            "similar": list(self.similar),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Classification:
    version: int | None
    suggestions: tuple[Suggestion, ...]


class _AssistantCache:
    """The assistant of the current tariff and active trained version, per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str | None, int | None] | None = None
        self._assistant: Assistant | None = None
        # The tariff token for which no trained version was active (nothing to build for
        # the lane decision), and whether a build for it runs in the background.
        self._untrained: str | None = None
        self._building = False
        self._building_lock = threading.Lock()  # never held while building

    def get(self, token: str | None = None) -> Assistant:
        from ..models import ClassifierVersion, TariffVersion

        if token is None:
            token = TariffVersion.objects.filter(pk=1).values_list("token", flat=True).first()
        with self._lock:
            if self._assistant is not None and self._key is not None and self._key[0] == token:
                return self._assistant
            row = (
                ClassifierVersion.objects.filter(active=True)
                .order_by("-trained_at")
                .values_list("pk", "data")
                .first()
            )
            version, examples = (row[0], examples_decode(row[1])) if row else (None, [])
            self._assistant = Assistant(search_index(), HistoryIndex(examples), version)
            self._key = (token, version)
            self._untrained = token if version is None else None
            _disagreement_cached.cache_clear()
            return self._assistant

    def ready(self, token: str | None) -> Assistant | None:
        """The assistant for `token` if built already; no query, no waiting."""
        assistant, key = self._assistant, self._key
        if assistant is not None and key is not None and key[0] == token:
            return assistant
        return None

    def untrained(self, token: str | None) -> bool:
        return token is not None and self._untrained == token

    def build_soon(self, token: str | None) -> None:
        """Build the assistant for `token` in a background thread (once at a time): what the
        lane decision asks must not wait the seconds the tariff's index takes to build."""
        if getattr(settings, "TARIFF_ASSISTANT_BUILD_WAIT", False):
            self.get(token)
            return
        with self._building_lock:
            if self._building:
                return
            self._building = True

        def build() -> None:
            from django.db import connections

            try:
                self._version_or_build(token)
            finally:
                self._building = False
                connections.close_all()

        threading.Thread(target=build, name="hs-assistant-build", daemon=True).start()

    def _version_or_build(self, token: str | None) -> None:
        from ..models import ClassifierVersion

        if not ClassifierVersion.objects.filter(active=True).exists():
            self._untrained = token  # nothing to say until a version is trained
            return
        self.get(token)

    def clear(self) -> None:
        with self._lock:
            self._assistant = None
            self._key = None
            self._untrained = None
        _disagreement_cached.cache_clear()


_cache = _AssistantCache()


def current_assistant(token: str | None = None) -> Assistant:
    """This process's assistant (built on first use; rebuilt when the tariff or the active
    trained version changes: activating a version marks the tariff as changed)."""
    return _cache.get(token)


def assistant_cache_clear() -> None:
    _cache.clear()


def _text(line: HsLineData, stem: str) -> str:
    """The line's text in the active language: Vietnamese, or English for the others."""
    english = str(getattr(line, f"{stem}_en", ""))
    if (get_language() or "vi").startswith("vi") or not english:
        return str(getattr(line, f"{stem}_vi", ""))
    return english


def _reason(cand: Candidate) -> str:
    parts = []
    if cand.matched:
        parts.append(
            _("The words %(words)s are in the line's texts.")
            % {"words": ", ".join(f"“{w}”" for w in cand.matched)}
        )
    if cand.similar:
        n = sum(s.count for s in cand.similar)
        corrected = [s for s in cand.similar if s.declared_code and s.declared_code != s.code]
        if corrected:
            parts.append(
                _(
                    "%(n)d similar past goods lines were finally classified here, some after "
                    "an officer corrected them from %(from)s."
                )
                % {"n": n, "from": ", ".join(sorted({s.declared_code for s in corrected}))}
            )
        else:
            parts.append(
                _("%(n)d similar past goods lines were finally classified here.") % {"n": n}
            )
    if not parts:
        parts.append(_("Its heading matches the description best."))
    return " ".join(parts)


def classify(description: str, *, day: date | None = None, limit: int = 5) -> Classification:
    """The likeliest lines for a goods description, best first (see the module's docstring)."""
    assistant = current_assistant()
    found = assistant.candidates(description, limit=limit)
    tariff = Tariff.load([c.code for c in found])
    out = []
    for cand in found:
        line = tariff.line(cand.code)
        if line is None or (day is not None and not line.in_force_on(day)):
            continue
        out.append(
            Suggestion(
                code=cand.code,
                description=_text(line, "description"),
                context=_text(line, "context"),
                unit=line.unit,
                confidence=cand.confidence,
                matched=cand.matched,
                similar=tuple(
                    {
                        "description": s.description,
                        "code": s.code,
                        "declared_code": s.declared_code or s.code,
                        "count": s.count,
                        "similarity": s.similarity,
                    }
                    for s in cand.similar
                ),
                reason=_reason(cand),
            )
        )
    return Classification(version=assistant.version, suggestions=tuple(out))


@dataclass(frozen=True)
class Disagreement:
    line_no: int
    declared: str
    suggested: str
    confidence: float
    similar: int  # past goods lines like it classified under the suggestion

    def text(self) -> str:
        if self.similar:
            return _(
                "Line %(line)d is declared under HS %(declared)s, but its description reads "
                "like %(suggested)s (classification assistant, %(pct)d%% confident; %(n)d "
                "similar past goods lines were finally classified there)."
            ) % {
                "line": self.line_no,
                "declared": self.declared,
                "suggested": self.suggested,
                "pct": round(self.confidence * 100),
                "n": self.similar,
            }
        return _(
            "Line %(line)d is declared under HS %(declared)s, but its description reads like "
            "%(suggested)s (classification assistant, %(pct)d%% confident, from the tariff's "
            "texts)."
        ) % {
            "line": self.line_no,
            "declared": self.declared,
            "suggested": self.suggested,
            "pct": round(self.confidence * 100),
        }


@functools.lru_cache(maxsize=20_000)
def _disagreement_cached(text: str, declared: str) -> tuple[str, float, int] | None:
    assistant = _cache._assistant
    if assistant is None:
        return None
    found = assistant.candidates(text)
    if not found:
        return None
    top = found[0]
    if (
        top.confidence < DISAGREEMENT_CONFIDENCE
        or top.code[:4] == declared[:4]
        or any(c.code == declared for c in found)
    ):
        return None
    return top.code, top.confidence, sum(s.count for s in top.similar)


def disagreements(lines: Sequence[tuple[int, str, str]]) -> list[Disagreement]:
    """(line number, description, declared code) → the lines the assistant is confident belong
    to another heading. No query: it follows the tariff token the registration has just read;
    nothing is said before a trained version is active (`TARIFF_ASSISTANT_IN_RISK`), nor while
    this process builds the assistant for a new tariff or version in the background (the
    registration never waits for it; `TARIFF_ASSISTANT_BUILD_WAIT` makes it wait)."""
    if not getattr(settings, "TARIFF_ASSISTANT_IN_RISK", True):
        return []
    token = tariff_token_seen()
    assistant = _cache.ready(token)
    if assistant is None:
        if not _cache.untrained(token):
            _cache.build_soon(token)  # meanwhile (seconds after a start or a change) nothing
        assistant = _cache.ready(token)
        if assistant is None:
            return []
    if assistant.version is None:
        return []
    out = []
    for line_no, description, code in lines:
        declared = hs_code_normalise(code)
        text = example_text(description)
        if not text or len(declared) != 8:
            continue
        found = _disagreement_cached(text, declared)
        if found is not None:
            out.append(Disagreement(line_no, declared, found[0], found[1], found[2]))
    return out
