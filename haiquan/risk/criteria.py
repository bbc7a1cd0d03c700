"""What a risk profile matches: checking an analyst's criteria, and matching them at speed.

The one place where the meaning of each criterion lives. A version matches a declaration when
every criterion it gives matches (AND). Header criteria look at the declaration; line criteria
(HS prefixes, origins, unit-price bounds, FTA preference claimed) must all hold on one and the
same goods line, so "fresh fruit from China below 8,000 VND/kg" never fires on fruit from
Thailand declared next to Chinese machinery.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.refdata.choices import ComplianceRank, Flow
from haiquan.refdata.models import Country, DeclarationType, Office
from haiquan.refdata.services import mst_normalise

from .models import CRITERIA_FIELDS, LIST_CRITERIA

if TYPE_CHECKING:
    from .engine import DeclarationFacts, LineFacts

HS_PREFIX_MAX = 10


@dataclass(frozen=True)
class Criteria:
    """A version's criteria, compiled for matching (sets and tuples, no database access)."""

    hs_prefixes: tuple[str, ...] = ()
    origins: frozenset[str] = frozenset()
    enterprise_msts: frozenset[str] = frozenset()
    compliance_ranks: frozenset[str] = frozenset()
    type_codes: frozenset[str] = frozenset()
    office_codes: tuple[str, ...] = ()
    flow: str = ""
    min_value_vnd: Decimal | None = None
    max_unit_price_vnd: Decimal | None = None
    min_unit_price_vnd: Decimal | None = None
    preference_claimed: bool | None = None

    @classmethod
    def from_clean(cls, clean: Mapping[str, Any]) -> Criteria:
        """From a dict as `criteria_clean` returns it (or as a version stores it)."""
        return cls(
            hs_prefixes=tuple(clean.get("hs_prefixes") or ()),
            origins=frozenset(clean.get("origins") or ()),
            enterprise_msts=frozenset(clean.get("enterprise_msts") or ()),
            compliance_ranks=frozenset(clean.get("compliance_ranks") or ()),
            type_codes=frozenset(clean.get("type_codes") or ()),
            office_codes=tuple(clean.get("office_codes") or ()),
            flow=clean.get("flow") or "",
            min_value_vnd=clean.get("min_value_vnd"),
            max_unit_price_vnd=clean.get("max_unit_price_vnd"),
            min_unit_price_vnd=clean.get("min_unit_price_vnd"),
            preference_claimed=clean.get("preference_claimed"),
        )

    @property
    def has_line_criteria(self) -> bool:
        return bool(
            self.hs_prefixes
            or self.origins
            or self.max_unit_price_vnd is not None
            or self.min_unit_price_vnd is not None
            or self.preference_claimed is not None
        )

    def _header_matches(self, facts: DeclarationFacts) -> bool:
        if self.flow and facts.flow != self.flow:
            return False
        if self.type_codes and facts.type_code not in self.type_codes:
            return False
        if self.compliance_ranks and facts.compliance_rank not in self.compliance_ranks:
            return False
        if self.enterprise_msts and _compact_mst(facts.enterprise_mst) not in self.enterprise_msts:
            return False
        # An office matches itself and every office under it: its code is a segment of the path.
        if self.office_codes and not any(
            f"/{code}/" in facts.office_path for code in self.office_codes
        ):
            return False
        return not (
            self.min_value_vnd is not None and facts.total_customs_value_vnd < self.min_value_vnd
        )

    def _line_matches(self, line: LineFacts) -> bool:
        if self.hs_prefixes and not line.hs_code.startswith(self.hs_prefixes):
            return False
        if self.origins and line.origin not in self.origins:
            return False
        if (
            self.max_unit_price_vnd is not None
            and not line.unit_price_vnd < self.max_unit_price_vnd
        ):
            return False
        if (
            self.min_unit_price_vnd is not None
            and not line.unit_price_vnd > self.min_unit_price_vnd
        ):
            return False
        return not (
            self.preference_claimed is not None and bool(line.preference) != self.preference_claimed
        )

    def match(self, facts: DeclarationFacts) -> tuple[bool, int | None]:
        """(matched, number of the first goods line that matched, or None for header-only)."""
        if not self._header_matches(facts):
            return False, None
        if not self.has_line_criteria:
            return True, None
        for line in facts.lines:
            if self._line_matches(line):
                return True, line.line_no
        return False, None


def _compact_mst(value: str) -> str:
    return value.replace("-", "").replace(" ", "").replace(".", "")


def _as_list(raw: Any, name: str, errors: list[FieldProblem]) -> list[str] | None:
    if raw is None:
        return []
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        errors.append(FieldProblem(name, _("must be a list"), "not-a-list"))
        return None
    items = list(raw)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            errors.append(FieldProblem(f"{name}[{i}]", _("must be text"), "not-text"))
            return None
    return [item.strip() for item in items]


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _as_amount(
    raw: Any, name: str, errors: list[FieldProblem], *, positive: bool
) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        errors.append(FieldProblem(name, _("must be a number"), "not-a-number"))
        return None
    if not value.is_finite():
        errors.append(FieldProblem(name, _("must be a number"), "not-a-number"))
        return None
    if positive and value <= 0:
        errors.append(FieldProblem(name, _("must be greater than zero"), "not-positive"))
        return None
    if value < 0:
        errors.append(FieldProblem(name, _("must not be negative"), "negative"))
        return None
    return value


def criteria_clean(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check an analyst's criteria and return them normalised (upper-case codes, no repeats).

    Raises `ValidationFailed` naming each wrong item (e.g. `origins[1]`). A profile needs at
    least one criterion: one with none would send every declaration to its lane.
    """
    errors: list[FieldProblem] = []
    for key in raw:
        if key not in CRITERIA_FIELDS:
            errors.append(
                FieldProblem(
                    key,
                    _("is not a criterion; the criteria are: %(names)s")
                    % {"names": ", ".join(CRITERIA_FIELDS)},
                    "unknown-criterion",
                )
            )
    lists = {name: _as_list(raw.get(name), name, errors) for name in LIST_CRITERIA}
    clean: dict[str, Any] = {}
    _lists_clean(lists, clean, errors)
    _scalars_clean(raw, clean, errors)
    if not errors and Criteria.from_clean(clean) == Criteria():
        errors.append(
            FieldProblem(
                "criteria",
                _("give at least one criterion: a profile with none would match every declaration"),
                "required",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    for name in LIST_CRITERIA:
        clean.setdefault(name, [])
    return clean


def _lists_clean(
    lists: dict[str, list[str] | None], clean: dict[str, Any], errors: list[FieldProblem]
) -> None:
    """The list criteria given, each item checked; into `clean` without repeats."""
    hs = lists["hs_prefixes"]
    if hs is not None:
        for i, p in enumerate(hs):
            if not (p.isascii() and p.isdigit() and 2 <= len(p) <= HS_PREFIX_MAX):
                errors.append(
                    FieldProblem(
                        f"hs_prefixes[{i}]",
                        _("'%(value)s' is not an HS prefix: give 2 to %(max)d digits, e.g. 2402")
                        % {"value": p, "max": HS_PREFIX_MAX},
                        "invalid-hs-prefix",
                    )
                )
        clean["hs_prefixes"] = _dedupe(hs)
    origins = lists["origins"]
    if origins is not None:
        clean["origins"] = _codes_clean(
            origins,
            "origins",
            Country,
            _("'%(value)s' is not an ISO 3166 alpha-2 country code"),
            "unknown-country",
            errors,
        )
    msts = lists["enterprise_msts"]
    if msts is not None:
        normalised = []
        for i, mst in enumerate(msts):
            try:
                normalised.append(mst_normalise(mst, field=f"enterprise_msts[{i}]"))
            except ValidationFailed as exc:
                errors += exc.errors
        clean["enterprise_msts"] = _dedupe(normalised)
    ranks = lists["compliance_ranks"]
    if ranks is not None:
        for i, rank in enumerate(ranks):
            if rank not in ComplianceRank.values:
                errors.append(
                    FieldProblem(
                        f"compliance_ranks[{i}]",
                        _("'%(value)s' is not a compliance rank; use one of: %(ranks)s")
                        % {"value": rank, "ranks": ", ".join(ComplianceRank.values)},
                        "unknown-rank",
                    )
                )
        clean["compliance_ranks"] = _dedupe(ranks)
    types = lists["type_codes"]
    if types is not None:
        clean["type_codes"] = _codes_clean(
            types,
            "type_codes",
            DeclarationType,
            _("'%(value)s' is not a declaration type code"),
            "unknown-type",
            errors,
        )
    offices = lists["office_codes"]
    if offices is not None:
        clean["office_codes"] = _codes_clean(
            offices,
            "office_codes",
            Office,
            _("'%(value)s' is not a customs office code"),
            "unknown-office",
            errors,
        )


def _codes_clean(
    values: list[str],
    name: str,
    model: type[Country] | type[DeclarationType] | type[Office],
    text: str,
    code: str,
    errors: list[FieldProblem],
) -> list[str]:
    """Reference codes (upper-cased), each one that exists; without repeats."""
    upper = [v.upper() for v in values]
    known = set(model.objects.filter(code__in=upper).values_list("code", flat=True))
    for i, value in enumerate(upper):
        if value not in known:
            errors.append(FieldProblem(f"{name}[{i}]", text % {"value": values[i]}, code))
    return _dedupe(upper)


def _scalars_clean(
    raw: Mapping[str, Any], clean: dict[str, Any], errors: list[FieldProblem]
) -> None:
    """The flow, the amounts (a unit price range that can match) and the preference claim."""
    flow = raw.get("flow") or ""
    if flow not in ("", *Flow.values):
        errors.append(
            FieldProblem(
                "flow",
                _("must be empty, or one of: %(flows)s") % {"flows": ", ".join(Flow.values)},
                "invalid-choice",
            )
        )
    clean["flow"] = flow

    clean["min_value_vnd"] = _as_amount(
        raw.get("min_value_vnd"), "min_value_vnd", errors, positive=False
    )
    below = _as_amount(raw.get("max_unit_price_vnd"), "max_unit_price_vnd", errors, positive=True)
    above = _as_amount(raw.get("min_unit_price_vnd"), "min_unit_price_vnd", errors, positive=False)
    if below is not None and above is not None and above >= below:
        errors.append(
            FieldProblem(
                "min_unit_price_vnd",
                _("must be less than max_unit_price_vnd, or no unit price can match both"),
                "empty-range",
            )
        )
    clean["max_unit_price_vnd"] = below
    clean["min_unit_price_vnd"] = above

    pref = raw.get("preference_claimed")
    if pref is not None and not isinstance(pref, bool):
        errors.append(
            FieldProblem("preference_claimed", _("must be true, false or empty"), "not-a-boolean")
        )
        pref = None
    clean["preference_claimed"] = pref
