"""`haiquan risk evaluate` on any CSV: columns typed from their values and names in any style
(the same file in five header styles and shuffled column orders gives the same figures),
printed and overridable; the history features never see a later label; the two public-format
datasets built from the demo generator."""

from __future__ import annotations

import json
import random
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from haiquan.riskml.columns import BOTH, CODE, normalise, plan_columns, role_of
from haiquan.riskml.tabular import TabularError, evaluate_csv

pytestmark = pytest.mark.django_db

# The `importers` dataset's headers in four more styles.
STYLES: dict[str, dict[str, str]] = {
    "snake": {
        "Declaration Date": "declaration_date", "Importer ID": "importer_id",
        "Consignor": "consignor", "Customs Broker": "customs_broker", "HS6 Code": "hs6_code",
        "Country of Origin": "country_of_origin", "Port of Entry": "port_of_entry",
        "Mode of Transport": "mode_of_transport", "Quantity": "quantity", "Unit": "unit",
        "Net Mass (kg)": "net_mass_kg", "Invoice Value (USD)": "invoice_value_usd",
        "Duty Rate (%)": "duty_rate_pct", "Preference Claimed": "preference_claimed",
        "Inspection Channel": "inspection_channel", "Fraud Found": "fraud_found",
        "Revenue Recovered (USD)": "revenue_recovered_usd",
    },
    "camel": {
        "Declaration Date": "declarationDate", "Importer ID": "importerId",
        "Consignor": "consignorName", "Customs Broker": "customsBroker", "HS6 Code": "hs6Code",
        "Country of Origin": "countryOfOrigin", "Port of Entry": "portOfEntry",
        "Mode of Transport": "modeOfTransport", "Quantity": "qty", "Unit": "unitCode",
        "Net Mass (kg)": "netMassKg", "Invoice Value (USD)": "invoiceValueUsd",
        "Duty Rate (%)": "dutyRatePct", "Preference Claimed": "preferenceClaimed",
        "Inspection Channel": "inspectionChannel", "Fraud Found": "fraudFound",
        "Revenue Recovered (USD)": "revenueRecoveredUsd",
    },
    "upper": {
        "Declaration Date": "DECLARATION.DATE", "Importer ID": "IMPORTER.TIN",
        "Consignor": "EXPORTER.NAME", "Customs Broker": "BROKER.CODE", "HS6 Code": "TARIFF.CODE",
        "Country of Origin": "ORIGIN.CODE", "Port of Entry": "OFFICE.CODE",
        "Mode of Transport": "TRANSPORT.MODE", "Quantity": "QUANTITY", "Unit": "UNIT.CODE",
        "Net Mass (kg)": "NET.WEIGHT", "Invoice Value (USD)": "CIF.VALUE",
        "Duty Rate (%)": "DUTY.RATE", "Preference Claimed": "PREFERENCE",
        "Inspection Channel": "RISK.CHANNEL", "Fraud Found": "ILLICIT",
        "Revenue Recovered (USD)": "RAISED.TAX.AMOUNT",
    },
    "vietnamese": {
        "Declaration Date": "Ngày đăng ký", "Importer ID": "Mã người nhập khẩu",
        "Consignor": "Người bán", "Customs Broker": "Đại lý hải quan", "HS6 Code": "Mã HS",
        "Country of Origin": "Xuất xứ", "Port of Entry": "Chi cục hải quan",
        "Mode of Transport": "Phương thức vận tải", "Quantity": "Số lượng",
        "Unit": "Đơn vị tính", "Net Mass (kg)": "Trọng lượng tịnh (kg)",
        "Invoice Value (USD)": "Trị giá hóa đơn (USD)", "Duty Rate (%)": "Thuế suất (%)",
        "Preference Claimed": "Ưu đãi", "Inspection Channel": "Phân luồng",
        "Fraud Found": "Vi phạm", "Revenue Recovered (USD)": "Số thuế truy thu (USD)",
    },
}  # fmt: skip
TRAIN_ROWS = 2200


@pytest.fixture(scope="module")
def dataset(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Path:
    """A small `importers` dataset (misclassification, origin switching) from the demo
    generator's traders and goods."""
    from haiquan.riskml import datasets
    from haiquan.tariff.snapshot import Tariff

    with django_db_blocker.unblock():
        catalogue = datasets.Catalogue(Tariff.load(None))
        rows = datasets._rows("importers", 5, 3000, 8, catalogue)
    table = datasets._importers_table(rows)
    folder = tmp_path_factory.mktemp("importers")
    table.iloc[:TRAIN_ROWS].to_csv(folder / "train.csv", index=False)
    table.iloc[TRAIN_ROWS:].to_csv(folder / "test.csv", index=False)
    return folder


def _styled(folder: Path, out: Path, style: str, seed: int) -> dict[str, str]:
    names = STYLES[style]
    order = list(names.values())
    random.Random(seed).shuffle(order)
    for part in ("train", "test"):
        df = pd.read_csv(folder / f"{part}.csv", dtype=str, keep_default_na=False)
        df.rename(columns=names)[order].to_csv(out / f"{part}.csv", index=False)
    return names


def _figures(result: dict) -> dict:
    keep = ("declarations", "violations", "base_rate", "auc", "table")
    out = {k: result[k] for k in keep}
    out["subsets"] = {
        name: {k: sub.get(k) for k in keep} for name, sub in result["subsets"].items()
    }
    return out


def test_the_same_file_in_any_header_style_and_column_order_gives_the_same_figures(
    dataset: Path, tmp_path: Path
) -> None:
    base = evaluate_csv(
        train_path=dataset / "train.csv",
        test_path=dataset / "test.csv",
        label="Fraud Found",
        revenue="Revenue Recovered (USD)",
        rules="Inspection Channel",
        seeds=(7,),
    )
    assert base["roles"] == {
        "importer": "Importer ID", "seller": "Consignor", "broker": "Customs Broker",
        "hs": "HS6 Code", "origin": "Country of Origin", "office": "Port of Entry",
        "transport": "Mode of Transport", "quantity": "Quantity", "mass": "Net Mass (kg)",
        "tax": "Duty Rate (%)", "value": "Invoice Value (USD)",
    }  # fmt: skip
    kinds = {c["column"]: c["type"] for c in base["columns"]}
    # plain numbers of varying width, named as codes: codes (not amounts to average)
    assert kinds["Importer ID"] == CODE and kinds["Port of Entry"] == CODE
    assert kinds["HS6 Code"] == CODE  # leading zeros
    assert base["date"] == "Declaration Date"
    assert base["subsets"]["novel"]["declarations"] > 0
    for i, style in enumerate(STYLES):
        folder = tmp_path / style
        folder.mkdir()
        names = _styled(dataset, folder, style, seed=i)
        got = evaluate_csv(
            train_path=folder / "train.csv",
            test_path=folder / "test.csv",
            label=names["Fraud Found"],
            revenue=names["Revenue Recovered (USD)"],
            rules=names["Inspection Channel"],
            seeds=(7,),
        )
        assert {r: names[c] for r, c in base["roles"].items()} == got["roles"], style
        assert _figures(got) == _figures(base), style


def test_typing_from_values_and_names_is_printed_and_can_be_overridden(
    dataset: Path, tmp_path: Path
) -> None:
    df = pd.DataFrame(
        {
            "col_a": [str(i % 7 + 1) for i in range(100)],  # small whole numbers, no name
            "Importer ID": [str(10 + i % 9) for i in range(100)],
            "Office": [str(1 + i % 3) for i in range(100)],
            "Quantity": [str(1 + i % 40) for i in range(100)],
            "HS": [f"{i % 5:02d}0110" for i in range(100)],
            "weight": [f"{i * 1.5:.1f}" for i in range(100)],
            "ref": [f"R{i:05d}" for i in range(100)],
        }
    )
    plan = plan_columns(df, set_aside=())
    kinds = {c.name: c.kind for c in plan.columns}
    assert kinds == {
        "col_a": BOTH, "Importer ID": CODE, "Office": CODE, "Quantity": "amount",
        "HS": CODE, "weight": "amount", "ref": "identifier",
    }  # fmt: skip
    over = plan_columns(df, set_aside=(), codes=["Quantity"], amounts=["col_a"])
    assert {c.name: c.kind for c in over.columns}["Quantity"] == CODE
    assert {c.name: c.kind for c in over.columns}["col_a"] == "amount"
    with pytest.raises(TabularError, match="no such column"):
        plan_columns(df, set_aside=(), codes=["nope"])
    with pytest.raises(TabularError, match="both --code and --amount"):
        plan_columns(df, set_aside=(), codes=["col_a"], amounts=["col_a"])
    assert role_of("Mã số thuế người nhập khẩu") == "importer"
    assert role_of("Thuế nhập khẩu") == "tax"
    assert normalise("grossWeightKG") == "gross weight kg"

    out = StringIO()
    with translation.override("en"):  # the run's language (`haiquan --language en risk ...`)
        call_command(
            "risk", "evaluate", "--train", str(dataset / "train.csv"),
            "--test", str(dataset / "test.csv"), "--label", "Fraud Found",
            "--rules", "Inspection Channel", "--code", "Quantity", "--seeds", "1", stdout=out,
        )  # fmt: skip
    text = out.getvalue()
    assert "Quantity" in text and "given as --code" in text
    assert "novel rows" in text and "rows of parties not seen in training" in text
    with pytest.raises(CommandError, match="no such column"):
        call_command(
            "risk", "evaluate", "--train", str(dataset / "train.csv"),
            "--test", str(dataset / "test.csv"), "--label", "Fraud Found", "--amount", "Nope",
        )  # fmt: skip
    with pytest.raises(CommandError, match="COLUMN=ROLE"):
        call_command(
            "risk", "evaluate", "--train", str(dataset / "train.csv"),
            "--test", str(dataset / "test.csv"), "--label", "Fraud Found", "--role", "Consignor",
        )  # fmt: skip


def test_labels_of_the_test_file_and_later_rows_are_never_features(
    dataset: Path, tmp_path: Path
) -> None:
    """Scrambling the test file's labels changes nothing but the evaluation's truth: the
    model's scores, and so its ranking, are the same."""
    from haiquan.riskml import tabular

    train = pd.read_csv(dataset / "train.csv", dtype=str, keep_default_na=False)
    test = pd.read_csv(dataset / "test.csv", dtype=str, keep_default_na=False)
    scrambled = test.copy()
    scrambled["Fraud Found"] = np.random.default_rng(1).permutation(test["Fraud Found"].to_numpy())
    plan = plan_columns(train, set_aside=["Fraud Found"])
    outs = []
    for t in (test, scrambled):
        both = pd.concat([train, t], ignore_index=True)
        y = np.nan_to_num(tabular.to_label(both["Fraud Found"], "Fraud Found"))
        times = np.concatenate([tabular._time(train, plan.date, 0), tabular._time(t, plan.date, 0)])
        labelled = np.ones(len(both), dtype=bool)
        feats = tabular.Features(both, plan, times, labelled, y, y, len(train))
        outs.append(feats.x)
    assert np.array_equal(outs[0], outs[1], equal_nan=True)


def test_the_datasets_command_writes_two_time_split_datasets(tmp_path: Path) -> None:
    out = StringIO()
    call_command("risk", "datasets", "--out", str(tmp_path), "--rows", "1500", stdout=out)
    text = out.getvalue()
    for name in ("sellers", "importers"):
        about = json.loads((tmp_path / name / "about.json").read_text())
        train = pd.read_csv(tmp_path / name / "train.csv", dtype=str)
        test = pd.read_csv(tmp_path / name / "test.csv", dtype=str)
        assert len(train) == about["train_rows"] and len(test) == about["test_rows"] > 0
        assert list(train.columns) == list(test.columns)
        assert name in text and "haiquan risk evaluate" in about["evaluate"]
    sellers = pd.read_csv(tmp_path / "sellers" / "train.csv", dtype=str)
    assert "SGD.DATE" in sellers.columns and set(sellers["ILLICIT"]) <= {"0", "1"}
    assert sellers["TARIFF.CODE"].str.fullmatch(r"\d{8}").all()
    importers = pd.read_csv(tmp_path / "importers" / "test.csv", dtype=str)
    assert set(importers["Fraud Found"]) <= {"Yes", "No"}
    train_dates = pd.to_datetime(
        pd.read_csv(tmp_path / "importers" / "train.csv", dtype=str)["Declaration Date"],
        format="%d %b %Y %H:%M",
    )
    assert (
        train_dates.max()
        < pd.to_datetime(importers["Declaration Date"], format="%d %b %Y %H:%M").min()
    )
    with pytest.raises(CommandError, match="--rows"):
        call_command("risk", "datasets", "--out", str(tmp_path), "--rows", "5")
