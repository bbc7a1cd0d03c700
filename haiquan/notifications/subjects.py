"""What the notifications need to know of an event's subject, told by the app that owns it.

The notifications sit below the parts of the service (clearance, e-services, supervision,
the portal), which send through them; so they never import those parts. Each part registers,
in its AppConfig.ready(), a resolver for its subject type: given subject ids, what each is
called, where its page is, and which enterprises it belongs to. Only those enterprises'
people and systems hear of it: a declaration's importer or exporter (its declarants) and the
broker firm that filed it (its brokers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Subject:
    reference: str  # what people call it: a declaration number, an application's reference
    url: str = ""  # its page, site-relative
    api_url: str = ""  # where a system reads it (for webhook bodies)
    enterprise_ids: frozenset[int] = field(default_factory=frozenset)  # heard by declarants
    broker_ids: frozenset[int] = field(default_factory=frozenset)  # heard by the broker firm
    ordering_key: str = ""  # deliveries of one key go out in order (a declaration)
    detail: str = ""  # a catalogue text (gettext_noop) shown under the title, if any


SubjectResolver = Callable[[list[int]], dict[int, Subject]]

_resolvers: dict[str, SubjectResolver] = {}


def subject_resolver_register(subject_type: str, resolver: SubjectResolver) -> None:
    if subject_type in _resolvers and _resolvers[subject_type] is not resolver:
        raise ValueError(f"subject type {subject_type!r} has two notification resolvers")
    _resolvers[subject_type] = resolver


def subjects_resolve(subject_type: str, ids: Iterable[int]) -> dict[int, Subject]:
    """The subjects by id; an id no resolver knows (or that is gone) is left out."""
    resolver = _resolvers.get(subject_type)
    wanted = sorted(set(ids))
    if resolver is None or not wanted:
        return {}
    return resolver(wanted)


# --- partner agencies ---------------------------------------------------------------------------
# The single window knows which agencies a subject concerns (the agencies asked for a document on a
# declaration) and which agency a user acts for; it registers both. An agency's systems hear only
# of the subjects it was asked about, as an agency user sees only its own requests.

AgencyResolver = Callable[[list[int]], dict[int, frozenset[str]]]
AgencyOfUser = Callable[[Any], list[tuple[str, str]]]

_agency_resolvers: dict[str, AgencyResolver] = {}
_agency_of_user: list[AgencyOfUser] = []


def subject_agencies_register(subject_type: str, resolver: AgencyResolver) -> None:
    if subject_type in _agency_resolvers and _agency_resolvers[subject_type] is not resolver:
        raise ValueError(f"subject type {subject_type!r} has two agency resolvers")
    _agency_resolvers[subject_type] = resolver


def subjects_agencies(subject_type: str, ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """The codes of the agencies each subject concerns; a subject of none is left out."""
    resolver = _agency_resolvers.get(subject_type)
    wanted = sorted(set(ids))
    if resolver is None or not wanted:
        return {}
    return resolver(wanted)


def agency_of_user_register(resolver: AgencyOfUser) -> None:
    if resolver not in _agency_of_user:
        _agency_of_user[:] = [resolver]


def agencies_of_user(user: Any) -> list[tuple[str, str]]:
    """(code, name) of the agencies the user acts for (none without the single window)."""
    return _agency_of_user[0](user) if _agency_of_user else []
