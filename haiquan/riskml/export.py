"""Train and test CSV files from the database's declarations (`haiquan risk export`), so that
`haiquan risk evaluate` can be tried on the demo data: the training file holds every
declaration before the split, labelled with what a check had found by then (empty where no
check looked: history, not learned from); the test file every declaration after it, labelled
by the demo's ground truth when there is one (otherwise by the checks).
The `rules` column is what the risk profiles alone said (2 red, 1 yellow, 0 green): pass it as
`--rules rules` to see the rules beside the model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import data
from .features import Frames

COLUMNS = (
    "id",
    "registered_at",
    "office",
    "type_code",
    "flow",
    "enterprise",
    "declarant",
    "seller",
    "broker",
    "rank",
    "transport",
    "partner",
    "hs",
    "origin",
    "preference",
    "n_lines",
    "customs_value_vnd",
    "main_line_value_vnd",
    "quantity",
    "unit",
    "unit_price_vnd",
    "duty_rate",
    "rules",
    "fraud",
    "revenue",
)


def export_csv(
    *, out: Path, split: datetime | None = None, test_share: float = 0.2
) -> dict[str, Any]:
    frames = data.frames_load()
    d = frames.decl
    n = len(d["id"])
    if not n:
        raise ValueError("no registered declarations to export")
    t = d["t"]
    split_t = split.timestamp() if split else float(t.max() - (t.max() - t.min()) * test_share)
    table = _declaration_table(frames)
    labels = data.labels_of(pd.DataFrame(frames.outcomes))
    before = t < split_t
    known = labels[labels["known_at"] < split_t].reindex(d["id"])
    # Every declaration before the split, labelled where a check had found what it found by
    # then (the others empty: nobody checked them, they are history only).
    train = table[before].copy()
    k = known[before]
    train["fraud"] = k["found"].map(lambda v: "" if pd.isna(v) else str(int(v))).to_numpy()
    train["revenue"] = k["revenue"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}").to_numpy()
    test, label_source = _test_rows(table[~before].copy(), d["id"][~before], labels)
    out.mkdir(parents=True, exist_ok=True)
    train.to_csv(out / "train.csv", index=False, columns=list(COLUMNS))
    test.to_csv(out / "test.csv", index=False, columns=list(COLUMNS))
    return {
        "train_rows": len(train),
        "train_checked": int(k["found"].notna().sum()),
        "test_rows": len(test),
        "split": datetime.fromtimestamp(split_t, UTC).isoformat(timespec="seconds"),
        "test_labels": label_source,
    }


def _declaration_table(frames: Frames) -> pd.DataFrame:
    """One row per declaration: its codes, amounts, main line's unit price, duty rate and
    the rules' ranking."""
    d = frames.decl
    t = d["t"]
    lines = pd.DataFrame(frames.lines)
    main = (
        lines.sort_values(["decl_id", "value", "line_no"], ascending=[True, False, True])
        .drop_duplicates("decl_id")
        .set_index("decl_id")
    )
    rates = data.duty_rates()
    table = pd.DataFrame(
        {
            "id": d["id"],
            "registered_at": [
                datetime.fromtimestamp(x, UTC).isoformat(timespec="seconds") for x in t
            ],
            "office": d["office"],
            "type_code": d["type_code"],
            "flow": d["flow"],
            "enterprise": d["mst"],
            "declarant": d["declarant"],
            "seller": d["seller"],
            "broker": d["broker"],
            "rank": d["rank"],
            "transport": d["transport"],
            "partner": d["partner"],
            "hs": d["hs"],
            "origin": d["origin"],
            "preference": d["preference"],
            "n_lines": d["n_lines"],
            "customs_value_vnd": np.round(d["value"]),
            "main_line_value_vnd": np.round(d["main_value"]),
            "quantity": d["quantity"],
            "unit": d["unit"],
            "unit_price_vnd": np.round(main["price"].reindex(d["id"]).to_numpy(), 2),
            "duty_rate": [rates.get(h, np.nan) for h in d["hs"]],
        }
    )
    table["rules"] = (
        data.profile_severity(list(map(int, d["id"])))
        .reindex(d["id"])
        .fillna(0)
        .astype(int)
        .to_numpy()
    )
    return table


def _test_rows(
    test: pd.DataFrame, test_ids: np.ndarray, labels: pd.DataFrame
) -> tuple[pd.DataFrame, str]:
    """The declarations after the split with their labels: the synthetic truth where there
    is one, else only those inspected, with what the inspection found; and which it was."""
    truth = data.truth_load(list(map(int, test_ids)))
    if truth is not None:
        tr = truth.reindex(test_ids)
        test["fraud"] = tr["fraud"].fillna(0).astype(int).to_numpy()
        test["revenue"] = np.round(tr["revenue"].fillna(0).to_numpy())
        label_source = "synthetic truth"
    else:
        lab = labels.reindex(test_ids)
        keep = lab["found"].notna().to_numpy()
        test = test[keep]
        test["fraud"] = lab["found"][keep].astype(int).to_numpy()
        test["revenue"] = np.round(lab["revenue"][keep].to_numpy())
        label_source = "inspections"
    return test, label_source
