"""Train and test CSV files from the database's declarations (`haiquan risk export`), so that
`haiquan risk evaluate` can be tried on the demo data: the training file holds the checked
declarations before the split with what the checks found; the test file every declaration
after it, labelled by the demo's ground truth when there is one (otherwise by the checks).
The `rules` column is what the risk profiles alone said (2 red, 1 yellow, 0 green): pass it as
`--rules rules` to see the rules beside the model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import data

COLUMNS = (
    "id",
    "registered_at",
    "office",
    "type_code",
    "flow",
    "enterprise",
    "rank",
    "transport",
    "partner",
    "hs",
    "origin",
    "preference",
    "n_lines",
    "customs_value_vnd",
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
            "rank": d["rank"],
            "transport": d["transport"],
            "partner": d["partner"],
            "hs": d["hs"],
            "origin": d["origin"],
            "preference": d["preference"],
            "n_lines": d["n_lines"],
            "customs_value_vnd": np.round(d["value"]),
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
    labels = data.labels_of(pd.DataFrame(frames.outcomes))
    before = t < split_t
    known = labels[labels["known_at"] < split_t].reindex(d["id"])
    train = table[before & known["found"].notna().to_numpy()].copy()
    train["fraud"] = known["found"].dropna().astype(int).to_numpy()
    train["revenue"] = np.round(known["revenue"].dropna().to_numpy())
    test_ids = d["id"][~before]
    truth = data.truth_load(list(map(int, test_ids)))
    test = table[~before].copy()
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
    out.mkdir(parents=True, exist_ok=True)
    train.to_csv(out / "train.csv", index=False, columns=list(COLUMNS))
    test.to_csv(out / "test.csv", index=False, columns=list(COLUMNS))
    return {
        "train_rows": len(train),
        "test_rows": len(test),
        "split": datetime.fromtimestamp(split_t, UTC).isoformat(timespec="seconds"),
        "test_labels": label_source,
    }
