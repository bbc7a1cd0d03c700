"""Training the classification assistant on the installation's history, and measuring it.

The examples are the goods lines of registered declarations as finally classified — the code a
line carries now, after officers' corrections (a check that corrected the code made a new
version; the first version keeps what was declared) — and the goods of advance rulings
(xác định trước mã số), which an officer classified. Cancelled declarations are left out.

Evaluation is by time, as the model is used: train on what was registered before a day, ask
for the lines registered from that day on, and count how often the final code is the first
suggestion (top-1) or among the five (top-5).

The history is clearance's (and online services') data, which those apps give through the
sources they register (`sources.py`), read at training time only, by the `hs-assistant`
command; nothing on a request reads it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party

from ..models import ClassifierVersion
from ..services import tariff_changed
from . import assistant_cache_clear, examples_encode
from .model import Assistant, Example, HistoryIndex, example_text
from .sources import Case, cases_from_sources


def history_cases(
    *, since: datetime | None = None, until: datetime | None = None, batch: int = 20_000
) -> Iterator[Case]:
    """The classified goods of [since, until) from every registered source (`sources.py`):
    registered, not cancelled declarations' goods lines, oldest first, with the code first
    declared where an officer corrected it; then the HS advance rulings issued in that period."""
    return cases_from_sources(since, until, batch)


def examples_from(cases: Iterable[Case]) -> tuple[list[Example], int]:
    """Cases grouped by (folded description, final code): (examples, number of cases)."""
    counts: Counter[tuple[str, str]] = Counter()
    checked: Counter[tuple[str, str]] = Counter()
    corrected: Counter[tuple[str, str]] = Counter()
    declared: dict[tuple[str, str], str] = {}
    n = 0
    for case in cases:
        text = example_text(case.description)
        if not text or len(case.code) != 8:
            continue
        key = (text, case.code)
        counts[key] += 1
        n += 1
        if case.checked:
            checked[key] += 1
        if case.corrected:
            corrected[key] += 1
            if case.declared_code:
                declared[key] = case.declared_code
    examples = [
        Example(
            text=text,
            code=code,
            declared_code=declared.get((text, code), ""),
            count=count,
            checked=checked[(text, code)],
            corrected=corrected[(text, code)],
        )
        for (text, code), count in sorted(counts.items())
    ]
    return examples, n


@dataclass
class Evaluation:
    """How the assistant did on cases it had not learned from."""

    cases: int = 0
    top1: int = 0
    top5: int = 0
    unseen: int = 0  # cases whose folded description was not among the examples
    unseen_top1: int = 0
    unseen_top5: int = 0
    # confidence band → [cases, right at top-1]
    calibration: dict[str, list[int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def rate(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "cases": self.cases,
            "top1": rate(self.top1, self.cases),
            "top5": rate(self.top5, self.cases),
            "unseen_cases": self.unseen,
            "unseen_top1": rate(self.unseen_top1, self.unseen),
            "unseen_top5": rate(self.unseen_top5, self.unseen),
            "calibration": {
                band: {"cases": n, "top1": rate(right, n)}
                for band, (n, right) in sorted(self.calibration.items())
            },
        }


def evaluate(
    assistant: Assistant, cases: Iterable[Case], *, seen: set[str] | None = None
) -> Evaluation:
    """Top-1/top-5 of the assistant on `cases`; `seen`: the folded descriptions it learned."""
    out = Evaluation()
    memo: dict[str, list[str]] = {}
    confidence: dict[str, float] = {}
    for case in cases:
        text = example_text(case.description)
        if not text or len(case.code) != 8:
            continue
        ranked = memo.get(text)
        if ranked is None:
            found = assistant.candidates(text)
            ranked = memo[text] = [c.code for c in found]
            confidence[text] = found[0].confidence if found else 0.0
        out.cases += 1
        first = bool(ranked) and ranked[0] == case.code
        five = case.code in ranked[:5]
        out.top1 += first
        out.top5 += five
        if seen is not None and text not in seen:
            out.unseen += 1
            out.unseen_top1 += first
            out.unseen_top5 += five
        band = f"{min(int(confidence[text] * 10), 9) / 10:.1f}"
        cell = out.calibration.setdefault(band, [0, 0])
        cell[0] += 1
        cell[1] += first
    return out


def classifier_train(
    *,
    until: datetime | None = None,
    evaluate_from: datetime | None = None,
    evaluate_until: datetime | None = None,
    activate: bool = True,
    actor_label: str = "hs-assistant",
) -> ClassifierVersion:
    """Train a version on the history registered before `until` (all of it by default) and,
    when `evaluate_from` is given, measure it on the lines registered from then (to
    `evaluate_until`). The new version becomes the active one unless `activate` is False."""
    from ..search import search_index

    cases = list(history_cases(until=until))
    examples, n = examples_from(cases)
    version = ClassifierVersion(
        trained_at=timezone.now(),
        history_until=until or timezone.now(),
        examples=len(examples),
        declarations=n,
        data=examples_encode(examples),
    )
    if evaluate_from is not None:
        assistant = Assistant(search_index(), HistoryIndex(examples), None)
        held_out = history_cases(since=evaluate_from, until=evaluate_until)
        version.evaluation = evaluate(
            assistant, held_out, seen={e.text for e in examples}
        ).as_dict()
    with transaction.atomic():
        if activate:
            ClassifierVersion.objects.filter(active=True).update(active=False)
            version.active = True
        version.save()
        # The tariff's token is what every process's assistant follows: a new one makes them
        # load this version (the tariff itself is unchanged).
        token = tariff_changed(keep_digest=True) if activate else ""
        kinds.TARIFF_ASSISTANT_TRAINED.record(
            subject_type="tariff",
            subject_id=1,
            party=Party.SYSTEM,
            actor_label=actor_label,
            data={
                "version": version.pk,
                "examples": len(examples),
                "lines": n,
                "active": version.active,
                "evaluation": version.evaluation,
                "token": token,
            },
        )
    assistant_cache_clear()
    return version
