"""Declarations as they were registered, and what inspections found, read from the database.

A check that found a discrepancy rewrites the declaration's goods lines with the corrected
values (and an amendment rewrites them too): features must see what the declarant declared,
so a declaration with more than one version is read from its version 1. An outcome is dated
when the officer recorded it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import FloatField, Q
from django.db.models.functions import Cast

from haiquan.clearance.choices import CheckOutcome
from haiquan.clearance.models import CheckResult, Declaration, DeclarationLine, DeclarationVersion
from haiquan.tariff.snapshot import Tariff

from .features import DECL_COLUMNS, LINE_COLUMNS, OUTCOME_COLUMNS, OUTCOME_KEYS, Frames

BATCH = 50_000


def _ts(moment: datetime) -> float:
    return moment.timestamp()


def duty_rates() -> dict[str, float]:
    """MFN import duty rate (%) of every national tariff line: public, so no leak."""
    tariff = Tariff.load(None)
    return {code: float(line.mfn_rate) for code, line in tariff.lines.items()}


def _declaration_filter(
    *,
    since: datetime | None,
    until: datetime | None,
    ids: Sequence[int] | None,
    after_id: int,
    via: str = "",
) -> Q:
    q = Q(**{f"{via}registered_at__isnull": False, f"{via}id__gt": after_id})
    if since is not None:
        q &= Q(**{f"{via}registered_at__gte": since})
    if until is not None:
        q &= Q(**{f"{via}registered_at__lt": until})
    if ids is not None:
        q &= Q(**{f"{via}id__in": list(ids)})
    return q


def seller_key(name: str) -> str:
    """A foreign partner's name as a key: upper case, spaces collapsed."""
    return " ".join(str(name or "").upper().split())


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def _declaration_rows(q: Q) -> list[tuple[Any, ...]]:
    """The declarations of `q`, oldest first, with what the frames need of them."""
    return list(
        Declaration.objects.filter(q)
        .annotate(cv_f=Cast("customs_value_vnd", FloatField()))
        .order_by("registered_at", "id")
        .values_list(
            "id",
            "registered_at",
            "office__code",
            "type_id",
            "flow",
            "enterprise__mst",
            "enterprise__compliance_rank",
            "transport_mode",
            "partner_country_id",
            "cv_f",
            "version",
            "created_by_id",
            "partner_name",
            "broker_id",
        )
    )


def _amended(decl_ids: list[int]) -> set[int]:
    """Those of the declarations that were amended (have a second version)."""
    amended: set[int] = set()
    for part in _chunks(decl_ids):
        amended.update(
            DeclarationVersion.objects.filter(declaration_id__in=part, number=2).values_list(
                "declaration_id", flat=True
            )
        )
    return amended


def _add_registered_lines(
    lines: list[tuple[Any, ...]], line_filters: list[Q], amended: set[int], t_of: dict[int, float]
) -> None:
    """The lines of the declarations not amended, as registered."""
    for lq in line_filters:
        for did, line_no, hs, origin, qty, cv, pref, unit in (
            DeclarationLine.objects.filter(lq)
            .annotate(
                qty_f=Cast("quantity", FloatField()),
                cv_f=Cast("customs_value_vnd", FloatField()),
            )
            .values_list(
                "declaration_id",
                "line_no",
                "hs_code",
                "origin_id",
                "qty_f",
                "cv_f",
                "preference",
                "unit",
            )
            .iterator(chunk_size=20_000)
        ):
            if did in amended or did not in t_of:
                continue
            lines.append(
                (
                    did,
                    t_of[did],
                    line_no,
                    hs,
                    origin,
                    cv / qty if qty else 0.0,
                    cv,
                    bool(pref),
                    qty,
                    unit,
                )
            )


def _add_declared_lines(
    lines: list[tuple[Any, ...]],
    amended: set[int],
    t_of: dict[int, float],
    value_of: dict[int, float],
    seller_of: dict[int, str],
) -> None:
    """The lines of the amended declarations as first declared (version 1), with their
    value and seller then."""
    for part in _chunks(sorted(amended)):
        for did, content in DeclarationVersion.objects.filter(
            declaration_id__in=part, number=1
        ).values_list("declaration_id", "content"):
            declared = content.get("lines", [])
            total_cv = float(Decimal(str(content.get("duties", {}).get("customs_value_vnd", 0))))
            invoice = sum(float(Decimal(str(ln.get("value", 0)))) for ln in declared) or 1.0
            value_of[did] = total_cv
            if content.get("partner_name"):
                seller_of[did] = seller_key(content["partner_name"])
            for i, ln in enumerate(declared):
                share = float(Decimal(str(ln.get("value", 0)))) / invoice
                line_cv = total_cv * share
                line_qty = float(Decimal(str(ln.get("quantity", 0))))
                lines.append(
                    (
                        did,
                        t_of[did],
                        i + 1,
                        str(ln.get("hs_code", "")),
                        str(ln.get("origin", "")).upper(),
                        line_cv / line_qty if line_qty else 0.0,
                        line_cv,
                        bool(ln.get("preference")),
                        line_qty,
                        str(ln.get("unit", "")),
                    )
                )


def frames_load(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    ids: Sequence[int] | None = None,
    after_id: int = 0,
    outcomes_until: datetime | None = None,
    after_check_id: int = 0,
    with_outcomes: bool = True,
) -> Frames:
    """Declarations registered in [since, until) (or those of `ids`, or those after
    `after_id`), their lines as registered, and the outcomes recorded before `outcomes_until`
    (default `until`) for all declarations (outcomes are history of their enterprise, HS
    subheading and origin, whichever declaration they belong to)."""
    q = _declaration_filter(since=since, until=until, ids=ids, after_id=after_id)
    rows = _declaration_rows(q)
    decl_ids = [r[0] for r in rows]
    t_of = {r[0]: _ts(r[1]) for r in rows if r[1] is not None}
    value_of: dict[int, float] = {r[0]: float(r[9]) for r in rows}
    lines: list[tuple[Any, ...]] = []
    seller_of: dict[int, str] = {r[0]: seller_key(r[12]) for r in rows}
    amended: set[int] = set()
    if decl_ids:
        amended = _amended(decl_ids)
        # The same declarations' lines: through the relation when the filter is a range (no
        # long IN lists), by ids otherwise.
        line_filters = (
            [Q(declaration_id__in=part) for part in _chunks(decl_ids)]
            if ids is not None
            else [
                _declaration_filter(
                    since=since, until=until, ids=None, after_id=after_id, via="declaration__"
                )
            ]
        )
        _add_registered_lines(lines, line_filters, amended, t_of)
        _add_declared_lines(lines, amended, t_of, value_of, seller_of)
    line_df = pd.DataFrame(lines, columns=[*LINE_COLUMNS, "pref", "qty", "unit"])
    decl_df = _declarations_frame(rows, value_of, seller_of, line_df)
    outcomes = (
        outcomes_load(
            until=outcomes_until if outcomes_until is not None else until,
            after_check_id=after_check_id,
            known=decl_df,
        )
        if with_outcomes
        else pd.DataFrame({c: [] for c in OUTCOME_COLUMNS})
    )
    return Frames.build(decl_df, line_df[list(LINE_COLUMNS)], outcomes)


def _declarations_frame(
    rows: list[tuple[Any, ...]],
    value_of: dict[int, float],
    seller_of: dict[int, str],
    line_df: pd.DataFrame,
) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: [] for c in DECL_COLUMNS})
    main = (
        line_df.sort_values(["decl_id", "value", "line_no"], ascending=[True, False, True])
        .drop_duplicates("decl_id")
        .set_index("decl_id")
    )
    per = line_df.groupby("decl_id").agg(n_lines=("line_no", "size"), pref=("pref", "max"))
    ids = np.array([r[0] for r in rows], dtype="int64")
    decl = pd.DataFrame(
        {
            "id": ids,
            "t": [_ts(r[1]) for r in rows],
            "office": [r[2] for r in rows],
            "type_code": [r[3] for r in rows],
            "flow": [r[4] for r in rows],
            "mst": [r[5] for r in rows],
            "rank": [r[6] or "" for r in rows],
            "transport": [r[7] or "" for r in rows],
            "partner": [r[8] or "" for r in rows],
            "value": [value_of[r[0]] for r in rows],
            "declarant": [str(r[11] or "") for r in rows],
            "seller": [seller_of.get(r[0], "") for r in rows],
            "broker": [str(r[13] or "") for r in rows],
        }
    )
    decl["n_lines"] = per["n_lines"].reindex(ids).fillna(0).to_numpy(dtype="int64")
    decl["hs"] = main["hs"].reindex(ids).fillna("").to_numpy(dtype=object)
    decl["origin"] = main["origin"].reindex(ids).fillna("").to_numpy(dtype=object)
    decl["preference"] = per["pref"].reindex(ids).fillna(False).to_numpy(dtype="int64")
    decl["main_value"] = main["value"].reindex(ids).fillna(0.0).to_numpy(dtype="float64")
    decl["quantity"] = main["qty"].reindex(ids).to_numpy(dtype="float64")
    decl["unit"] = main["unit"].reindex(ids).fillna("").to_numpy(dtype=object)
    return decl[list(DECL_COLUMNS)]


def outcomes_load(
    *,
    until: datetime | None = None,
    after_check_id: int = 0,
    known: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per check result (a label event of the history): when it was recorded, whether
    it found a violation (a discrepancy that raised the duties) and the revenue it added; with
    the keys of the declaration it examined, as registered (`OUTCOME_KEYS`)."""
    q = Q(id__gt=after_check_id)
    if until is not None:
        q &= Q(recorded_at__lt=until)
    checks = list(
        CheckResult.objects.filter(q)
        .order_by("id")
        .values_list("id", "declaration_id", "recorded_at", "outcome", "difference_vnd")
    )
    columns = [*OUTCOME_COLUMNS, "check_id"]
    if not checks:
        return pd.DataFrame({c: [] for c in columns})
    keys = known.set_index("id") if known is not None and len(known) else None
    wanted = sorted({c[1] for c in checks})
    missing = wanted if keys is None else [i for i in wanted if i not in keys.index]
    if missing:
        extra = _declaration_keys(missing)
        keys = extra if keys is None else pd.concat([keys, extra])
    assert keys is not None
    keys = keys[~keys.index.duplicated()]
    rows = []
    for check_id, did, recorded, outcome, diff in checks:
        found = outcome == CheckOutcome.DISCREPANCY and diff > 0
        rows.append((did, _ts(recorded), int(found), float(diff) if found else 0.0, check_id))
    out = pd.DataFrame(rows, columns=["decl_id", "t", "found", "revenue", "check_id"])
    k = keys.reindex(out["decl_id"].to_numpy())
    for c in OUTCOME_KEYS:
        if c in ("main_value", "quantity"):
            out[c] = k[c].to_numpy(dtype="float64")
        else:
            out[c] = k[c].fillna("").to_numpy(dtype=object)
    return out[columns].sort_values(["t", "check_id"])


def labels_of(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per checked declaration: found (any check found a violation), the revenue the checks
    added, and when the last result was recorded (from then on the label is known)."""
    if not len(outcomes):
        return pd.DataFrame(columns=["found", "revenue", "known_at"], dtype="float64")
    return outcomes.groupby("decl_id").agg(
        found=("found", "max"), revenue=("revenue", "sum"), known_at=("t", "max")
    )


def _declaration_keys(decl_ids: list[int]) -> pd.DataFrame:
    """The keys of these declarations as registered (`OUTCOME_KEYS`), indexed by id."""
    parts = []
    for part in _chunks(decl_ids):
        sub = frames_load(ids=part, with_outcomes=False).decl
        parts.append(pd.DataFrame({c: sub[c] for c in ("id", *OUTCOME_KEYS)}))
    return pd.concat(parts).set_index("id") if parts else pd.DataFrame()


# Where the ground truth of a history comes from: for some declaration ids, their (id, fraud
# kind, revenue at stake) rows. The demo generator registers the reader of its `SyntheticTruth`
# (haiquan.demo.apps), so that riskml does not import the demo; real data has none.
TruthRows = Callable[[list[int]], Iterable[tuple[int, str, Decimal]]]
TRUTH_SOURCES: list[TruthRows] = []


def truth_source_register(source: TruthRows) -> None:
    """Have `truth_load` read the ground truth `source` gives (once per source)."""
    if source not in TRUTH_SOURCES:
        TRUTH_SOURCES.append(source)


def truth_load(decl_ids: Sequence[int]) -> pd.DataFrame | None:
    """The demo generator's ground truth for these declarations (fraud 0/1, revenue at stake),
    or None when the database has none (real data: evaluate on inspected declarations)."""
    rows: list[tuple[int, str, Decimal]] = []
    for source in TRUTH_SOURCES:
        for part in _chunks(list(decl_ids)):
            rows.extend(source(part))
    if not rows or len(rows) < len(decl_ids) * 0.99:
        return None
    df = pd.DataFrame(rows, columns=["decl_id", "kind", "revenue"])
    df["revenue"] = df["revenue"].astype("float64").clip(lower=0)
    df["fraud"] = ((df["kind"] != "") & (df["revenue"] > 0)).astype("int64")
    return df.set_index("decl_id")[["fraud", "revenue"]]


def profile_severity(decl_ids: Sequence[int]) -> pd.Series:
    """What the rules alone said about each declaration: 2 when a profile sent it red, 1 when
    yellow, 0 otherwise (random selection and the learned score left out)."""
    severity = {"red": 2, "yellow": 1}
    out: dict[int, int] = {}
    for part in _chunks(list(decl_ids)):
        for did, reasons in Declaration.objects.filter(id__in=part).values_list(
            "id", "lane_reasons"
        ):
            best = 0
            for r in reasons or []:
                if r.get("source") == "profile":
                    best = max(best, severity.get(r.get("lane", ""), 0))
            out[did] = best
    return pd.Series(out, dtype="int64")
