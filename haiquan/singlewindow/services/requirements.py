"""The requirements table: which lines need which permit or inspection result, from which
agency (kiểm tra chuyên ngành), kept by administrators."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.core.revisions import revision_token_read
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind
from haiquan.refdata.models import Country, DeclarationType
from haiquan.tariff.normalise import hs_code_normalise

from ..choices import DocumentKind, Flow
from ..models import (
    Agency,
    Requirement,
    RequirementRevision,
)
from ..permissions import require_requirements_editor

# ---------------------------------------------------------------------------------------------
# The requirements table

# Its revision token, as haiquan.core.revisions reads it with the registration's other tokens.
REVISION_NAME = "singlewindow:requirements"  # a revision token's name (not an event kind)
REVISION_SQL = f"SELECT token FROM {RequirementRevision._meta.db_table} WHERE id = 1"  # noqa: S608


@dataclass(frozen=True)
class RequirementsTable:
    """The active requirements as of one revision, by HS prefix. Shared by every request of
    the process: read it, never change or save its rows."""

    token: str
    by_prefix: Mapping[str, tuple[Requirement, ...]]

    def candidates(self, hs_code: str) -> list[Requirement]:
        """The rows whose prefix starts `hs_code` (in force or not on a given day)."""
        found: list[Requirement] = []
        for n in range(1, len(hs_code) + 1):
            found.extend(self.by_prefix.get(hs_code[:n], ()))
        return found


_table: RequirementsTable | None = None
_table_lock = threading.Lock()


def requirements_token() -> str:
    """The requirements revision token: the one read with the registration's other tokens
    (haiquan.core.revisions) when there is one, else read now."""
    return revision_token_read(REVISION_NAME)


def requirements_table() -> RequirementsTable:
    """The active requirements, kept per process and loaded again when the revision token
    (renewed by triggers on every change of requirements or agencies) is not the one they were
    loaded under. The token is read before the rows, so a change committed in between is
    loaded under the older token and loaded once more on the next use: never the reverse."""
    global _table
    token = requirements_token()
    table = _table
    if table is not None and table.token == token:
        return table
    with _table_lock:
        rows = Requirement.objects.filter(active=True, agency__active=True).select_related("agency")
        by_prefix: dict[str, list[Requirement]] = {}
        for r in rows:
            by_prefix.setdefault(r.hs_prefix, []).append(r)
        table = RequirementsTable(
            token=token,
            by_prefix=MappingProxyType({k: tuple(v) for k, v in by_prefix.items()}),
        )
        _table = table
    return table


def _in_force(req: Requirement, on_day: date) -> bool:
    return (req.valid_from is None or req.valid_from <= on_day) and (
        req.valid_to is None or req.valid_to >= on_day
    )


def _active_requirements(on_day: date, codes: Iterable[str]) -> list[Requirement]:
    """The requirements in force on `on_day` whose prefix starts one of `codes` (the table
    holds thousands of rows built from the inspection lists: a declaration looks at the few
    that concern its lines, from the process's copy)."""
    table = requirements_table()
    seen: set[int] = set()
    out: list[Requirement] = []
    for code in codes:
        for r in table.candidates(code):
            if r.pk not in seen and _in_force(r, on_day):
                seen.add(r.pk)
                out.append(r)
    out.sort(key=lambda r: (r.hs_prefix, r.agency.code, r.kind))  # the model's own ordering
    return out


def requirement_applies(
    req: Requirement, *, flow: str, type_code: str, hs_code: str, origin: str
) -> bool:
    """Whether a goods line (HS code, origin) on a declaration (flow, type) needs `req`."""
    return (
        hs_code.startswith(req.hs_prefix)
        and (not req.flow or req.flow == flow)
        and (not req.type_codes or type_code in req.type_codes)
        and (not req.origins or origin in req.origins)
    )


def requirements_for_lines(
    *, flow: str, type_code: str, lines: Iterable[tuple[int, str, str]], on_day: date
) -> dict[int, list[Requirement]]:
    """line_no → the requirements that line needs, for (line_no, hs_code, origin) triples."""
    lines = list(lines)
    table = _active_requirements(on_day, {hs for _n, hs, _o in lines})
    out: dict[int, list[Requirement]] = {}
    if not table:
        return out
    for line_no, hs_code, origin in lines:
        found = [
            r
            for r in table
            if requirement_applies(
                r, flow=flow, type_code=type_code, hs_code=hs_code, origin=origin
            )
        ]
        if found:
            out[line_no] = found
    return out


@dataclass(frozen=True)
class RequirementInput:
    agency_code: str
    kind: str
    title: str
    hs_prefix: str
    flow: str = ""
    type_codes: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    active: bool = True
    legal_basis: str = ""


def _requirement_clean(data: RequirementInput) -> tuple[Agency, dict[str, Any]]:
    errors: list[FieldProblem] = []
    agency = Agency.objects.filter(code=data.agency_code.strip().upper()).first()
    if agency is None:
        errors.append(
            FieldProblem(
                "agency_code",
                _("no partner agency with code %(c)s") % {"c": data.agency_code},
                "unknown-agency",
            )
        )
    if data.kind not in DocumentKind.values:
        errors.append(
            FieldProblem("kind", _("must be one of %(v)s") % {"v": ", ".join(DocumentKind.values)})
        )
    if not data.title.strip():
        errors.append(FieldProblem("title", _("give the requirement a title"), "required"))
    prefix = hs_code_normalise(data.hs_prefix.strip())
    if not (prefix.isascii() and prefix.isdigit() and 2 <= len(prefix) <= 8):
        errors.append(
            FieldProblem("hs_prefix", _("an HS code prefix is 2 to 8 digits, e.g. 0810 or 02"))
        )
    if data.flow not in Flow.values:
        errors.append(FieldProblem("flow", _("must be 'import', 'export' or empty")))
    types = tuple(sorted({t.strip().upper() for t in data.type_codes if t.strip()}))
    known_types = set(DeclarationType.objects.filter(code__in=types).values_list("code", flat=True))
    for t in types:
        if t not in known_types:
            errors.append(
                FieldProblem("type_codes", _("%(t)s is not a declaration type") % {"t": t})
            )
    origins = tuple(sorted({o.strip().upper() for o in data.origins if o.strip()}))
    known = set(Country.objects.filter(code__in=origins).values_list("code", flat=True))
    for o in origins:
        if o not in known:
            errors.append(FieldProblem("origins", _("%(o)s is not a country code") % {"o": o}))
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        errors.append(FieldProblem("valid_to", _("ends before it starts")))
    if errors:
        raise ValidationFailed(errors)
    assert agency is not None
    return agency, {
        "kind": data.kind,
        "title": data.title.strip(),
        "hs_prefix": prefix,
        "flow": data.flow,
        "type_codes": list(types),
        "origins": list(origins),
        "valid_from": data.valid_from,
        "valid_to": data.valid_to,
        "active": data.active,
        "legal_basis": data.legal_basis.strip(),
    }


@transaction.atomic
def requirement_create(*, actor: User, data: RequirementInput) -> Requirement:
    """Add a row to the requirements table (administrators)."""
    require_requirements_editor(actor)
    agency, fields = _requirement_clean(data)
    req = Requirement.objects.create(agency=agency, **fields)
    _requirement_event(req, kinds.SINGLEWINDOW_REQUIREMENT_CREATED, actor)
    return req


@transaction.atomic
def requirement_update(
    *, actor: User, requirement: Requirement, data: RequirementInput
) -> Requirement:
    """Change a row of the requirements table. Declarations already registered keep the
    requests they have; new registrations and amendments follow the new row."""
    require_requirements_editor(actor)
    agency, fields = _requirement_clean(data)
    requirement.agency = agency
    for k, v in fields.items():
        setattr(requirement, k, v)
    requirement.save()
    _requirement_event(requirement, kinds.SINGLEWINDOW_REQUIREMENT_CHANGED, actor)
    return requirement


def _requirement_event(req: Requirement, kind: EventKind, actor: User) -> None:
    kind.record(
        subject_type="sw_requirement",
        subject_id=req.pk,
        party=Party.CUSTOMS,
        actor=actor,
        data={
            "agency": req.agency.code,
            "kind": req.kind,
            "hs_prefix": req.hs_prefix,
            "flow": req.flow,
            "type_codes": req.type_codes,
            "origins": req.origins,
            "active": req.active,
        },
    )
