"""Where the classification assistant learns from, without the tariff importing the apps above
it: each app that holds goods classified by customs registers a source of `Case`s in its
`AppConfig.ready()` (clearance: declarations' goods lines as finally classified; online
services: the goods of advance rulings). Training reads the sources in their `order`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Case:
    """One past goods line: what was written, the code it ended under, when."""

    description: str
    code: str
    declared_code: str
    registered_at: datetime | None
    checked: bool = False
    corrected: bool = False


# (since, until, batch) → the cases of that period [since, until), oldest first.
CaseSource = Callable[[datetime | None, datetime | None, int], Iterable[Case]]

_sources: list[tuple[int, CaseSource]] = []


def case_source_register(source: CaseSource, *, order: int) -> None:
    """Add a source of classified goods; `order` places its cases among the others'."""
    if all(known is not source for _, known in _sources):
        _sources.append((order, source))
        _sources.sort(key=lambda entry: entry[0])


def cases_from_sources(
    since: datetime | None = None, until: datetime | None = None, batch: int = 20_000
) -> Iterator[Case]:
    for _, source in _sources:
        yield from source(since, until, batch)
