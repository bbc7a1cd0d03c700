"""Bring-your-own data: train and evaluate on any declaration history in CSV.

Every column other than the label, the revenue, the date and the id is a feature, typed from
its values, with no per-dataset code:
* amounts (numbers that are not codes) are numbers, with their logarithm;
* identifiers and codes (text, or digits with leading zeros or of one fixed length, or columns
  named like a code) are categories; a code made of digits also gives its prefixes (an HS code
  at 2, 4 and 6 digits), and every code gets its smoothed violation rate in the training file
  (out of fold there, so a row never sees its own label);
* every amount is compared with the same code's amounts in the training file (a z-score of the
  logarithm per code value), which is how an undervalued price stands out.
The date, when given, orders the folds and gives month and weekday.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .training import evaluate, fit

CODE_NAME = re.compile(r"(^|_)(id|code|no|number|mst|tin|hs|zip|postal|office|type)($|_)", re.I)
MIN_LEVEL = 10
FOLDS = 5
SMOOTH = 20.0


class TabularError(ValueError):
    """A file or a column that cannot be used, said in words."""


def read_csv(path: str | Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError as exc:
        raise TabularError(f"{path}: no such file") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise TabularError(f"{path}: not a readable CSV file ({exc})") from exc


def _numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.str.replace(",", "", regex=False).str.strip(), errors="coerce")


def to_label(values: pd.Series, column: str) -> np.ndarray:
    text = values.fillna("").str.strip().str.lower()
    truthy = {"1", "true", "yes", "y", "t", "fraud"}
    falsy = {"0", "false", "no", "n", "f", "", "honest"}
    nums = _numbers(values.fillna(""))
    out = np.where(nums.notna(), (nums.fillna(0) > 0).astype(int), -1)
    out = np.where(text.isin(truthy), 1, out)
    out = np.where(text.isin(falsy) & nums.isna(), 0, out)
    if (out < 0).any():
        bad = values[out < 0].iloc[0]
        raise TabularError(f"column {column!r}: {bad!r} is neither a number nor yes/no")
    return out.astype("float64")


@dataclass
class ColumnTypes:
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    digit_codes: list[str] = field(default_factory=list)


def column_types(df: pd.DataFrame, exclude: Sequence[str]) -> ColumnTypes:
    """Amounts as numbers, identifiers and codes as categories."""
    types = ColumnTypes()
    for col in df.columns:
        if col in exclude:
            continue
        values = df[col].dropna().astype(str).str.strip()
        values = values[values != ""]
        if not len(values):
            continue
        nums = _numbers(values)
        share_numeric = float(nums.notna().mean())
        digits = values.str.fullmatch(r"\d+")
        lengths = values.str.len()
        fixed_length = digits.all() and lengths.nunique() == 1 and int(lengths.iloc[0]) >= 4
        leading_zero = bool((digits & values.str.startswith("0") & (lengths > 1)).any())
        if share_numeric >= 0.98 and not (CODE_NAME.search(col) or fixed_length or leading_zero):
            types.numeric.append(col)
        else:
            types.categorical.append(col)
            if digits.mean() >= 0.98 and lengths.median() >= 6:
                types.digit_codes.append(col)
    return types


@dataclass
class Prepared:
    x_train: np.ndarray
    x_test: np.ndarray
    names: list[str]
    categorical: list[int]
    types: ColumnTypes


def _time(df: pd.DataFrame, date: str | None) -> np.ndarray:
    if date is None:
        return np.arange(len(df), dtype="float64")
    moments = pd.to_datetime(df[date], errors="coerce", utc=True, format="mixed")
    if moments.isna().all():
        raise TabularError(f"column {date!r}: no value reads as a date")
    return (moments.astype("int64", errors="ignore") // 10**9).to_numpy(dtype="float64")


def prepare(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    label: np.ndarray,
    exclude: Sequence[str],
    date: str | None,
) -> Prepared:
    types = column_types(train, exclude)
    cols_train: dict[str, np.ndarray] = {}
    cols_test: dict[str, np.ndarray] = {}
    categorical: list[str] = []
    t_train = _time(train, date)
    prior = float(label.mean())
    order = np.argsort(t_train, kind="stable")
    fold = np.empty(len(train), dtype="int64")
    fold[order] = np.arange(len(train)) * FOLDS // max(len(train), 1)

    codes: dict[str, tuple[pd.Series, pd.Series]] = {}
    for col in types.categorical:
        a = train[col].fillna("").astype(str).str.strip()
        b = (
            test[col].fillna("").astype(str).str.strip()
            if col in test
            else pd.Series([""] * len(test))
        )
        codes[col] = (a, b)
        if col in types.digit_codes:
            for k in (2, 4, 6):
                codes[f"{col}[:{k}]"] = (a.str[:k], b.str[:k])
    for name, (a, b) in codes.items():
        counts = a.value_counts()
        vocab = sorted(counts[counts >= MIN_LEVEL].index)
        if 1 < len(vocab) <= 5000:
            index = pd.Index(vocab, dtype=object)
            ca = index.get_indexer(a.to_numpy()).astype("float64")
            cb = index.get_indexer(b.to_numpy()).astype("float64")
            ca[ca < 0], cb[cb < 0] = np.nan, np.nan
            cols_train[name], cols_test[name] = ca, cb
            categorical.append(name)
        # smoothed violation rate of the code: out of fold in training
        rate_train = np.full(len(a), prior)
        for k in range(FOLDS):
            inside = fold == k
            stats = pd.DataFrame({"k": a[~inside].to_numpy(), "y": label[~inside]}).groupby("k")[
                "y"
            ]
            s, n = stats.sum(), stats.count()
            r = (s + SMOOTH * prior) / (n + SMOOTH)
            rate_train[inside] = a[inside].map(r).fillna(prior).to_numpy()
        stats = pd.DataFrame({"k": a.to_numpy(), "y": label}).groupby("k")["y"]
        r = (stats.sum() + SMOOTH * prior) / (stats.count() + SMOOTH)
        cols_train[f"rate({name})"] = rate_train
        cols_test[f"rate({name})"] = b.map(r).fillna(prior).to_numpy()
        cols_train[f"count({name})"] = a.map(a.value_counts()).to_numpy(dtype="float64")
        cols_test[f"count({name})"] = b.map(a.value_counts()).fillna(0).to_numpy(dtype="float64")

    for col in types.numeric:
        a = _numbers(train[col].fillna("").astype(str)).to_numpy(dtype="float64")
        b = (
            _numbers(test[col].fillna("").astype(str)).to_numpy(dtype="float64")
            if col in test
            else np.full(len(test), np.nan)
        )
        cols_train[col], cols_test[col] = a, b
        la = np.log(np.where(a > 0, a, np.nan))
        lb = np.log(np.where(b > 0, b, np.nan))
        for name, (ka, kb) in codes.items():
            if not 10 <= ka.nunique() <= 5000:
                continue
            g = pd.DataFrame({"k": ka.to_numpy(), "v": la}).groupby("k")["v"]
            med, sd, n = g.median(), g.std(), g.count()
            ok = n[n >= 5].index
            med, sd = med.reindex(ok), sd.reindex(ok).clip(lower=0.05)
            za = (la - ka.map(med).to_numpy(dtype="float64")) / ka.map(sd).to_numpy(dtype="float64")
            zb = (lb - kb.map(med).to_numpy(dtype="float64")) / kb.map(sd).to_numpy(dtype="float64")
            cols_train[f"z({col}|{name})"] = np.clip(za, -8, 8)
            cols_test[f"z({col}|{name})"] = np.clip(zb, -8, 8)
    if date is not None:
        for df, out in ((train, cols_train), (test, cols_test)):
            moments = pd.to_datetime(df[date], errors="coerce", utc=True, format="mixed")
            out["month"] = moments.dt.month.to_numpy(dtype="float64")
            out["weekday"] = moments.dt.day_of_week.to_numpy(dtype="float64")
    names = list(cols_train)
    if not names:
        raise TabularError("no feature columns left once label, revenue, date and id are set aside")
    x_train = np.column_stack([cols_train[n] for n in names])
    x_test = np.column_stack([cols_test[n] for n in names])
    return Prepared(
        x_train=x_train,
        x_test=x_test,
        names=names,
        categorical=[names.index(c) for c in categorical],
        types=types,
    )


def evaluate_csv(
    *,
    train_path: str | Path,
    test_path: str | Path,
    label: str,
    revenue: str | None = None,
    date: str | None = None,
    id_column: str | None = None,
    rules: str | None = None,
) -> dict[str, Any]:
    """Train on one file, evaluate on the other: the evaluation table (`training.evaluate`).
    `rules`, when given, names a column holding the rules' own ranking (e.g. 2 red, 1 yellow,
    0 green): it is shown beside the model and not used as a feature."""
    train = read_csv(train_path)
    test = read_csv(test_path)
    for name, value in (
        ("label", label),
        ("revenue", revenue),
        ("date", date),
        ("id", id_column),
        ("rules", rules),
    ):
        if value is None:
            continue
        for which, df in (("train", train), ("test", test)):
            if value not in df.columns:
                raise TabularError(f"--{name} {value!r}: no such column in the {which} file")
    if not len(train) or not len(test):
        raise TabularError("the train and test files must both have rows")
    y_train = to_label(train[label], label)
    y_test = to_label(test[label], label)
    if y_train.sum() < 5:
        raise TabularError(f"column {label!r}: fewer than 5 positive rows in the train file")
    rev_train = (
        _numbers(train[revenue].fillna("")).fillna(0).clip(lower=0).to_numpy(dtype="float64")
        if revenue
        else y_train.copy()
    )
    rev_test = (
        _numbers(test[revenue].fillna("")).fillna(0).clip(lower=0).to_numpy(dtype="float64")
        if revenue
        else y_test.copy()
    )
    exclude = [c for c in (label, revenue, date, id_column, rules) if c]
    prep = prepare(train, test, label=y_train, exclude=exclude, date=date)
    boosters, rounds = fit(
        prep.x_train,
        y_train,
        rev_train,
        _time(train, date),
        categorical=prep.categorical,
        names=[re.sub(r"[^0-9A-Za-z_]", "_", n) for n in prep.names],
    )
    p, er = boosters.predict(prep.x_test)
    ids = (
        pd.factorize(test[id_column])[0].astype("int64")
        if id_column
        else np.arange(len(test), dtype="int64")
    )
    out = evaluate(
        ids=ids,
        probability=p,
        expected_revenue=er,
        fraud=y_test,
        revenue=rev_test,
        rules=(
            _numbers(test[rules].fillna("")).fillna(0).to_numpy(dtype="float64") if rules else None
        ),
        truth=str(Path(test_path).name),
    )
    out["train_rows"] = len(train)
    out["train_positives"] = int(y_train.sum())
    out["rounds"] = rounds
    out["columns"] = {
        "numeric": prep.types.numeric,
        "categorical": prep.types.categorical,
        "codes_with_prefixes": prep.types.digit_codes,
    }
    out["features"] = len(prep.names)
    return out


# Words for the rankings and lane sets the evaluation compares (the keys are codes).
RANKING_LABELS = {
    "model_probability": gettext_lazy("model (probability)"),
    "model_revenue": gettext_lazy("model (revenue at stake)"),
    "rules": gettext_lazy("rules"),
    "random": gettext_lazy("random"),
}
LANES_LABELS = {"red": gettext_lazy("red"), "red_or_yellow": gettext_lazy("red or yellow")}


def _width(text: str) -> int:
    """Columns `text` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _pct(x: float, decimals: int) -> str:
    return number_format(round(x * 100, decimals), decimal_pos=decimals, use_l10n=True) + "%"


def _table(result: dict[str, Any]) -> list[str]:
    """The evaluation as lines of text, in the active language."""
    auc = result.get("auc")
    base = result["base_rate"] or math.nan
    order = ["model_probability", "model_revenue", "rules", "random"]
    names = sorted(result["table"], key=lambda k: order.index(k) if k in order else len(order))
    heads = [str(h) for h in (_("ranking"), _("inspect"), _("precision"), _("recall"))]
    heads += [str(_("revenue")), str(_("lift"))]
    labels = {n: str(RANKING_LABELS.get(n, n)) for n in names}
    first = max([_width(heads[0]), *(_width(v) for v in labels.values())]) + 2
    widths = [first] + [max(7, _width(h) + 2) for h in heads[1:]]
    lines = [
        _("test rows: %(n)s, violations: %(v)s (base rate %(b)s), AUC: %(auc)s")
        % {
            "n": number_format(result["declarations"], use_l10n=True, force_grouping=True),
            "v": number_format(result["violations"], use_l10n=True, force_grouping=True),
            "b": _pct(result["base_rate"], 2),
            "auc": number_format(round(auc, 3), 3, use_l10n=True) if auc is not None else _("n/a"),
        },
        "",
        _left(heads[0], widths[0])
        + "".join(_right(h, w) for h, w in zip(heads[1:], widths[1:], strict=True)),
    ]
    for name in names:
        for r in result["table"][name]:
            lift = r["precision"] / base if base else math.nan
            cells = [
                _pct(r["rate"], 0),
                _pct(r["precision"], 1),
                _pct(r["recall"], 1),
                _pct(r["revenue"], 1),
                number_format(round(lift, 1), 1, use_l10n=True),
            ]
            lines.append(
                _left(labels[name], widths[0])
                + "".join(_right(c, w) for c, w in zip(cells, widths[1:], strict=True))
            )
    for p in result.get("rules_operating_points", []):
        lines.append(
            _(
                "rules (%(lanes)s) at their own rate %(rate)s: precision %(p)s, recall %(r)s, "
                "revenue %(rev)s"
            )
            % {
                "lanes": LANES_LABELS.get(p["lanes"], p["lanes"]),
                "rate": _pct(p["rate"], 1),
                "p": _pct(p["precision"], 1),
                "r": _pct(p["recall"], 1),
                "rev": _pct(p["revenue"], 1),
            }
        )
    return lines


def _table_line(result: dict[str, Any], i: int) -> str:
    return _table(result)[i]


_table_line_lazy = lazy(_table_line, str)


def table_lines(result: dict[str, Any]) -> list[str]:
    """The evaluation's lines, each written when shown (in the language active then)."""
    count = 3 + sum(len(v) for v in result["table"].values())
    count += len(result.get("rules_operating_points", []))
    return [_table_line_lazy(result, i) for i in range(count)]


def table_text(result: dict[str, Any]) -> str:
    """The evaluation as a plain-text table, in the active language."""
    return "\n".join(_table(result))
