"""A report's summary from its sums: the measured row (released, not outliers), the statuses
counted apart, and the figures (means, shares, parties, steps, the time inside declared
outages apart). Pure: the SQL that gives the sums is in `reports.py`."""

from __future__ import annotations

from typing import Any

from .choices import Bucket, Step
from .facts import BUCKETS, OUTLIER_CAP_SECONDS, STEPS


def _measured(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The row of released non-outliers (zeros when there is none)."""
    for r in rows:
        if r["status"] == "released" and not r["outlier"]:
            return r
    return dict.fromkeys(rows[0], 0) if rows else _ZERO_SUMS


_ZERO_SUMS: dict[str, Any] = {
    "n": 0,
    "sum_s": 0,
    "span_s": 0,
    "pre_s": 0,
    **{f"bucket_{b}": 0 for b in BUCKETS},
    **{f"step_{s}": 0 for s in STEPS},
    **{f"with_{s}": 0 for s in STEPS},
    "amended": 0,
    "inspected": 0,
    "outage_s": 0,
    "with_outage": 0,
}


def _statuses(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"registered": 0, "open": 0, "cancelled": 0, "released": 0, "outliers": 0}
    outlier_sum = 0.0
    for r in rows:
        n = int(r["n"] or 0)
        out["registered"] += n
        if r["status"] == "released":
            out["released"] += n
            if r["outlier"]:
                out["outliers"] += n
                outlier_sum += float(r["sum_s"] or 0)
        elif r["status"] in ("open", "cancelled"):
            out[r["status"]] += n
    out["outliers_mean_s"] = outlier_sum / out["outliers"] if out["outliers"] else None
    return out


def _num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def _share(value: Any, total: float) -> float | None:
    return _num(value) / total if total else None


def _bucket_rows(row: dict[str, Any], n: int, total: float) -> list[dict[str, Any]]:
    """Each party's time: in all, per consignment, and its share of the measured time."""
    return [
        {
            "bucket": b.value,
            "label": str(b.label),
            "seconds": _num(row[f"bucket_{b.value}"]),
            "mean_s": _num(row[f"bucket_{b.value}"]) / n if n else None,
            "share": _share(row[f"bucket_{b.value}"], total),
        }
        for b in Bucket
    ]


def _step_rows(row: dict[str, Any], n: int, total: float) -> list[dict[str, Any]]:
    """Each step's time: in all, per consignment, its share, and per consignment that had it."""
    steps = []
    for s in Step:
        seconds, present = _num(row[f"step_{s.value}"]), int(row[f"with_{s.value}"] or 0)
        steps.append(
            {
                "step": s.value,
                "label": str(s.label),
                "seconds": seconds,
                "mean_s": seconds / n if n else None,
                "share": _share(seconds, total),
                "consignments": present,
                "mean_when_present_s": seconds / present if present else None,
            }
        )
    return steps


def _summary_from(
    row: dict[str, Any],
    statuses: dict[str, Any],
    released_row: dict[str, Any],
    waiting: dict[str, Any],
    within_hours: float,
) -> dict[str, Any]:
    n = int(row["n"] or 0)
    total = _num(row["sum_s"])  # registration → release: the shares' denominator
    span_total = _num(row.get("span_s", row["sum_s"]))  # the span measured (timerelease.Span)
    outage_s = _num(row.get("outage_s"))
    median_s, p90_s, p95_s = released_row["q"] or (None, None, None)

    def share(value: Any) -> float | None:
        return _share(value, total)

    released = statuses["released"]
    within = int(released_row["within"] or 0)
    return {
        "registered": statuses["registered"],
        "consignments": n,
        "mean_s": span_total / n if n else None,
        "median_s": median_s,
        "p90_s": p90_s,
        "p95_s": p95_s,
        "min_s": released_row["min_s"],
        "max_s": released_row["max_s"],
        "total_s": total,
        "customs_share": share(row["bucket_customs"]),
        "buckets": _bucket_rows(row, n, total),
        "steps": _step_rows(row, n, total),
        "amended": int(row["amended"] or 0),
        "inspected": int(row["inspected"] or 0),
        # Time inside declared outages, apart: its share, and the mean without it.
        "outage": {
            "seconds": outage_s,
            "share": share(outage_s),
            "consignments": int(row["with_outage"] or 0),
            "mean_without_s": (total - outage_s) / n if n else None,
        },
        "unfinished": {
            "open": statuses["open"],
            "median_age_s": waiting["median_age"],
            "max_age_s": waiting["max_age"],
            "cancelled": statuses["cancelled"],
        },
        "outliers": {
            "count": statuses["outliers"],
            "mean_s": statuses["outliers_mean_s"],
            "cap_s": OUTLIER_CAP_SECONDS,
        },
        "within": {
            "hours": within_hours,
            "released": released,
            "count": within,
            "share": within / released if released else None,
        },
    }
