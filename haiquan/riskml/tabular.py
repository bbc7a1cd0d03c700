"""Bring-your-own data: train and evaluate on any declaration history in CSV, the way the
in-product model is trained and evaluated.

Every column other than the label, the revenue, the id and the rules' ranking is typed from
its values and named role (`columns`; printed, and overridable). Then, with the same code as
the in-product model (`history`), each row gets what was known strictly before its time: for
its importer, declarant, seller, broker, HS code at 2/4/6 digits, origin, office, route, the
pairs importer × HS, HS × origin and seller × importer, and every other code column — how
many declarations and checks, the violation rate found (smoothed), days since the latest
declaration and the latest violation; its unit value (value ÷ quantity, value ÷ mass) against
the same HS subheading's and importer's past; repeat consignments and what the earlier one
was found to be. A row never sees its own label or a later one, and the test file's labels
are never used for anything but the evaluation.

The model and its number of rounds are chosen on the latest 15% of the training rows by time;
the evaluation (precision, recall and revenue at 1/2/5/10%, AUC) is the mean over several
seeds with its spread, overall, on "novel" test rows (importer and HS subheading never
together in the training file) and on rows of importers absent from it. A row without a
label (empty) was not checked: it counts as history but is not learned from, and the checked
rows are weighted by the inverse of their chance of being checked.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import history
from .columns import (
    AMOUNT,
    BOTH,
    CODE,
    Plan,
    TabularError,
    dates,
    fingerprint,
    numbers,
    plan_columns,
    plan_text,
)
from .pipeline import novelty
from .training import SEEDS, FitInfo, choose, evaluate, fit, propensity_weights

__all__ = ["TabularError", "evaluate_csv", "table_lines", "table_text"]

MIN_LEVEL = 10
MAX_CATEGORIES = 200
ROLE_ORDER = (
    "importer",
    "declarant",
    "seller",
    "broker",
    "hs",
    "origin",
    "office",
    "transport",
    "value",
    "mass",
    "quantity",
    "price",
    "tax",
    None,
)


def read_csv(path: str | Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError as exc:
        raise TabularError(f"{path}: no such file") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise TabularError(f"{path}: not a readable CSV file ({exc})") from exc


def to_label(values: pd.Series, column: str) -> np.ndarray:
    """1 (violation found), 0 (none found) or NaN (empty: not checked)."""
    text = values.fillna("").astype(str).str.strip().str.lower()
    truthy = {"1", "true", "yes", "y", "t", "fraud", "co", "có"}
    falsy = {"0", "false", "no", "n", "f", "honest", "khong", "không"}
    nums = numbers(values.fillna(""))
    out = np.where(nums.notna(), (nums.fillna(0) > 0).astype("float64"), -1.0)
    out = np.where(text.isin(truthy), 1.0, out)
    out = np.where(text.isin(falsy) & nums.isna(), 0.0, out)
    out = np.where(text == "", np.nan, out)
    if (out < 0).any():
        bad = values[out < 0].iloc[0]
        raise TabularError(f"column {column!r}: {bad!r} is neither a number nor yes/no")
    return out


def _time(df: pd.DataFrame, date: str | None, offset: int) -> np.ndarray:
    if date is None:
        return np.arange(offset, offset + len(df), dtype="float64")
    moments = dates(df[date])
    if moments.isna().all():
        raise TabularError(f"column {date!r}: no value reads as a date")
    if moments.isna().any():
        bad = df[date][moments.isna()].iloc[0]
        raise TabularError(f"column {date!r}: {bad!r} is not a date")
    out: np.ndarray = (moments.astype("int64") // 10**9).to_numpy(dtype="float64")
    return out


def _codes(values: pd.Series) -> np.ndarray:
    out: np.ndarray = values.fillna("").astype(str).str.strip().to_numpy(dtype=object)
    return out


def _order_key(plan_role: str | None, fp: int) -> tuple[int, int]:
    return (ROLE_ORDER.index(plan_role) if plan_role in ROLE_ORDER else len(ROLE_ORDER), fp)


def _key_table(both: pd.DataFrame, roles: Mapping[str, str], t: np.ndarray) -> dict[str, Any]:
    """The time, the key columns (hs digits only, a route from origin, office and transport)
    and the amounts, under their role names, as history reads them."""
    table: dict[str, Any] = {"t": t}
    for role in history.KEY_COLUMNS:
        if role in roles:
            table[role] = _codes(both[roles[role]])
    if "hs" in table:
        table["hs"] = np.array([re.sub(r"\D", "", h) or h for h in table["hs"]], dtype=object)
    if "origin" in table and "office" in table:
        parts = [table["origin"], table["office"]]
        if "transport" in roles:
            parts.append(_codes(both[roles["transport"]]))
        route = pd.Series(parts[0], dtype=object)
        for p in parts[1:]:
            route = route + "|" + pd.Series(p, dtype=object)
        table["route"] = route.to_numpy(dtype=object)
    for role in history.AMOUNT_COLUMNS:
        if role in roles:
            table[role] = numbers(both[roles[role]].fillna("")).to_numpy(dtype="float64")
    return table


def _extra_code_columns(
    both: pd.DataFrame, plan: Plan, fp: Mapping[str, int], table: dict[str, Any]
) -> tuple[list[str], dict[str, str]]:
    """Every other code column has a history of its own (a digit code also its prefixes):
    added to `table` as x0, x1, ...; returns those keys and the column each stands for."""
    roles = plan.roles
    used = {roles[r] for r in roles if r in (*history.KEY_COLUMNS, *history.AMOUNT_COLUMNS)}
    extra_cols = sorted(
        (c for c in plan.of((CODE, BOTH)) if c.name not in used),
        key=lambda c: _order_key(c.role, fp[c.name]),
    )
    extra: list[str] = []
    extra_names: dict[str, str] = {}
    for c in extra_cols:
        values = _codes(both[c.name])
        key = f"x{len(extra)}"
        table[key] = values
        extra.append(key)
        extra_names[key] = c.name
        if c.digits >= 6:
            for k in (2, 4, 6):
                key = f"x{len(extra)}"
                table[key] = np.array([v[:k] for v in values], dtype=object)
                extra.append(key)
                extra_names[key] = f"{c.name}[:{k}]"
    return extra, extra_names


def _category_columns(
    both: pd.DataFrame,
    plan: Plan,
    fp: Mapping[str, int],
    canon: Mapping[str, Any],
    n_train: int,
    cols: dict[str, np.ndarray],
) -> list[str]:
    """Categories the model may split on directly (few levels, each seen often enough):
    added to `cols`; returns their names."""
    roles = plan.roles
    categorical: list[str] = []
    cat_cols = sorted(
        (c for c in plan.of((CODE, BOTH))),
        key=lambda c: _order_key(c.role, fp[c.name]),
    )
    candidates: list[tuple[str, np.ndarray]] = [(c.name, _codes(both[c.name])) for c in cat_cols]
    if "hs" in canon:
        candidates += [(f"{roles['hs']}[:{k}]", history.column(canon, f"hs{k}")) for k in (2, 4)]
    for name, values in candidates:
        counts = pd.Series(values[:n_train]).value_counts()
        vocab = sorted(str(k) for k in counts[counts >= MIN_LEVEL].index if k != "")
        if not 1 < len(vocab) <= MAX_CATEGORIES:
            continue
        codes = pd.Index(vocab, dtype=object).get_indexer(values).astype("float64")
        codes[codes < 0] = np.nan
        cols[f"category:{name}"] = codes
        categorical.append(f"category:{name}")
    return categorical


def _amount_columns(
    both: pd.DataFrame, plan: Plan, fp: Mapping[str, int], cols: dict[str, np.ndarray]
) -> None:
    """Every amount column, and its ratio to the value: added to `cols`."""
    roles = plan.roles
    amounts = sorted(plan.of((AMOUNT, BOTH)), key=lambda c: _order_key(c.role, fp[c.name]))
    value = (
        numbers(both[roles["value"]].fillna("")).to_numpy("float64") if "value" in roles else None
    )
    for c in amounts:
        a = numbers(both[c.name].fillna("")).to_numpy(dtype="float64")
        cols[f"amount:{c.name}"] = a
        if value is not None and c.name != roles.get("value"):
            with np.errstate(divide="ignore", invalid="ignore"):
                cols[f"ratio:{c.name}/value"] = np.where(value > 0, a / value, np.nan)


class Features:
    """The feature matrix of the train and test rows (one table, train rows first)."""

    def __init__(
        self,
        both: pd.DataFrame,
        plan: Plan,
        t: np.ndarray,
        labelled: np.ndarray,
        label: np.ndarray,
        revenue: np.ndarray,
        n_train: int,
    ) -> None:
        self.plan = plan
        train = both.iloc[:n_train]
        fp = {c.name: fingerprint(train[c.name]) for c in plan.columns}
        table = _key_table(both, plan.roles, t)
        extra, self.extra_names = _extra_code_columns(both, plan, fp, table)
        canon = history.rows_table(table)
        fams = history.families_for([k for k in canon if k in history.KEY_COLUMNS], ())
        families = (*fams, *(history.Family(name=k, columns=(k,)) for k in extra))
        self.families = families
        tr = np.flatnonzero(labelled[:n_train])
        events = history.Events.build({k: v[tr] for k, v in canon.items()}, label[tr], revenue[tr])
        prior = float(label[tr].mean()) if len(tr) else 0.0
        self.raw = history.asof(canon, events, families)
        cols: dict[str, np.ndarray] = dict(history.matrix(t, self.raw, families, prior))
        self.canon = canon
        categorical = _category_columns(both, plan, fp, canon, n_train, cols)
        _amount_columns(both, plan, fp, cols)
        if plan.date is not None:
            moments = pd.to_datetime(t, unit="s", utc=True)
            cols["month"] = moments.month.to_numpy(dtype="float64")
            cols["weekday"] = moments.day_of_week.to_numpy(dtype="float64")
        self.names = list(cols)
        self.x = np.column_stack([cols[n] for n in self.names])
        self.categorical = [self.names.index(c) for c in categorical]
        self._t = t

    def set_prior(self, prior: float) -> None:
        """Lean the smoothed rates on another overall rate (that of all declarations, when
        only some were checked)."""
        cols = history.matrix(self._t, self.raw, self.families, prior)
        for name, values in cols.items():
            self.x[:, self.names.index(name)] = values


def _read_pair(
    train_path: str | Path,
    test_path: str | Path,
    named: Sequence[tuple[str, str | None]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The train and test files, checked (the named columns in both, rows in both, every
    train column in the test file), the test file's columns in the train file's order."""
    train = read_csv(train_path)
    test = read_csv(test_path)
    for name, value in named:
        if value is None:
            continue
        for which, df in (("train", train), ("test", test)):
            if value not in df.columns:
                raise TabularError(f"--{name} {value!r}: no such column in the {which} file")
    if not len(train) or not len(test):
        raise TabularError("the train and test files must both have rows")
    missing = [c for c in train.columns if c not in test.columns]
    if missing:
        raise TabularError(f"{missing[0]!r}: in the train file but not in the test file")
    test = test[list(train.columns)]
    return train, test


def _fit_seeds(
    x_tr: np.ndarray,
    y_tr: np.ndarray,
    rev_tr: np.ndarray,
    t_tr: np.ndarray,
    x_te: np.ndarray,
    categorical: list[int],
    names: list[str],
    weights: np.ndarray | None,
    info: FitInfo,
    seeds: Sequence[int],
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """One model per seed, each scoring the test rows: (probabilities, expected revenues)."""
    probs, exps = [], []
    for seed in seeds:
        boosters, _info = fit(
            x_tr,
            y_tr,
            rev_tr,
            t_tr,
            categorical=categorical,
            names=names,
            weights=weights,
            seed=seed,
            info=info,
        )
        p, er = boosters.predict(x_te)
        probs.append(p)
        exps.append(er)
    return probs, exps


def _novel_subsets(
    plan: Plan, canon: Mapping[str, Any], checked: np.ndarray, keep: np.ndarray, n_tr: int
) -> tuple[dict[str, np.ndarray], list[str]]:
    """The test rows novel by party (and goods), and the columns novelty is judged by."""
    party_role = next((r for r in ("importer", "declarant", "seller") if r in plan.roles), None)
    subsets: dict[str, np.ndarray] = {}
    novel_by: list[str] = []
    if party_role is not None:
        party = canon[party_role]
        goods = (
            history.column(canon, "hs6") if "hs" in canon else np.full(len(party), "", dtype=object)
        )
        tr_rows = np.flatnonzero(checked)
        subsets = novelty(party[n_tr:][keep], goods[n_tr:][keep], party[tr_rows], goods[tr_rows])
        novel_by = [plan.roles[party_role]] + ([plan.roles["hs"]] if "hs" in plan.roles else [])
    return subsets, novel_by


def _labels(train: pd.DataFrame, test: pd.DataFrame, label: str) -> tuple[np.ndarray, np.ndarray]:
    """The label of the train and test rows (NaN where unchecked); at least 5 positive
    train rows."""
    y_train = to_label(train[label], label)
    y_test = to_label(test[label], label)
    if np.nansum(y_train) < 5:
        raise TabularError(f"column {label!r}: fewer than 5 positive rows in the train file")
    return y_train, y_test


def _revenue(
    both: pd.DataFrame, revenue: str | None, y_train: np.ndarray, y_test: np.ndarray
) -> np.ndarray:
    """The revenue at stake of every row: the revenue column's, else the label."""
    out: np.ndarray = (
        numbers(both[revenue].fillna("")).fillna(0).clip(lower=0).to_numpy(dtype="float64")
        if revenue
        else np.nan_to_num(np.concatenate([y_train, y_test]))
    )
    return out


def _ids(test: pd.DataFrame, id_column: str | None) -> np.ndarray:
    """A number per test row: its id's (rows of one id share it), else its position."""
    out: np.ndarray = (
        pd.factorize(test[id_column])[0].astype("int64")
        if id_column
        else np.arange(len(test), dtype="int64")
    )
    return out


def _unchecked_weights(
    feats: Features,
    n_tr: int,
    checked: np.ndarray,
    y_train: np.ndarray,
    names: list[str],
    seed: int,
) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Where some train rows were not checked: the checked rows' inverse-propensity weights,
    and the features' smoothed rates leant on the weighted overall rate."""
    if checked.all():
        return None, {"used": False}
    weights, ipw = propensity_weights(
        feats.x[:n_tr], checked, categorical=feats.categorical, names=names, seed=seed
    )
    ipw["used"] = True
    feats.set_prior(float((weights * y_train[checked]).sum() / weights.sum()))
    return weights, ipw


def evaluate_csv(
    *,
    train_path: str | Path,
    test_path: str | Path,
    label: str,
    revenue: str | None = None,
    date: str | None = None,
    id_column: str | None = None,
    rules: str | None = None,
    codes: Sequence[str] = (),
    amounts: Sequence[str] = (),
    roles: Mapping[str, str] | None = None,
    seeds: Sequence[int] = SEEDS,
) -> dict[str, Any]:
    """Train on one file, evaluate on the other: the evaluation (`training.evaluate`) with the
    columns' typing. `rules`, when given, names a column holding the rules' own ranking (e.g.
    2 red, 1 yellow, 0 green): shown beside the model, never used as a feature."""
    train, test = _read_pair(
        train_path,
        test_path,
        (
            ("label", label),
            ("revenue", revenue),
            ("date", date),
            ("id", id_column),
            ("rules", rules),
        ),
    )
    y_train, y_test = _labels(train, test, label)
    checked = ~np.isnan(y_train)
    set_aside = [c for c in (label, revenue, id_column, rules) if c]
    plan = plan_columns(
        train, set_aside=set_aside, codes=codes, amounts=amounts, roles=roles, date=date
    )
    both = pd.concat([train, test], ignore_index=True)
    n_tr = len(train)
    t = np.concatenate([_time(train, plan.date, 0), _time(test, plan.date, n_tr)])
    rev_all = _revenue(both, revenue, y_train, y_test)
    y_all = np.nan_to_num(np.concatenate([y_train, y_test]))
    labelled = np.concatenate([checked, ~np.isnan(y_test)])
    feats = Features(both, plan, t, labelled, y_all, rev_all, n_tr)
    y_tr, rev_tr, t_tr = y_train[checked], rev_all[:n_tr][checked], t[:n_tr][checked]
    names = [re.sub(r"[^0-9A-Za-z_]", "_", n) for n in feats.names]
    weights, ipw = _unchecked_weights(feats, n_tr, checked, y_train, names, seeds[0])
    x_tr, x_te = feats.x[:n_tr][checked], feats.x[n_tr:]
    info = choose(x_tr, y_tr, t_tr, categorical=feats.categorical, names=names, weights=weights)
    probs, exps = _fit_seeds(
        x_tr, y_tr, rev_tr, t_tr, x_te, feats.categorical, names, weights, info, seeds
    )
    keep = ~np.isnan(y_test)
    ids = _ids(test, id_column)
    subsets, novel_by = _novel_subsets(plan, feats.canon, checked, keep, n_tr)
    rules_arr = (
        numbers(test[rules].fillna("")).fillna(0).to_numpy(dtype="float64")[keep] if rules else None
    )
    out = evaluate(
        ids=ids[keep],
        probability=[p[keep] for p in probs],
        expected_revenue=[e[keep] for e in exps],
        fraud=y_test[keep],
        revenue=rev_all[n_tr:][keep],
        rules=rules_arr,
        truth=str(Path(test_path).name),
        subsets=subsets,
        seeds=seeds,
    )
    out.update(
        train_rows=int(checked.sum()),
        train_positives=int(np.nansum(y_train)),
        rounds=info.rounds,
        selection=info.as_json(),
        ipw=ipw,
        columns=plan.as_json(),
        roles=dict(plan.roles),
        date=plan.date,
        novel_by=novel_by,
        features=len(feats.names),
    )
    return out


# Words for the rankings, lane sets and subsets the evaluation compares (the keys are codes).
RANKING_LABELS = {
    "model_probability": gettext_lazy("model (probability)"),
    "model_revenue": gettext_lazy("model (revenue at stake)"),
    "rules": gettext_lazy("rules"),
    "random": gettext_lazy("random"),
}
LANES_LABELS = {"red": gettext_lazy("red"), "red_or_yellow": gettext_lazy("red or yellow")}
ORDER = ("model_probability", "model_revenue", "rules", "random")


def _width(text: str) -> int:
    """Columns `text` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _pct(x: float, decimals: int) -> str:
    return number_format(round(x * 100, decimals), decimal_pos=decimals, use_l10n=True) + "%"


def _count(n: int) -> str:
    return number_format(n, use_l10n=True, force_grouping=True)


def _auc(result: Mapping[str, Any]) -> str:
    if result.get("auc") is None:
        return str(_("n/a"))
    text = number_format(round(result["auc"], 3), 3, use_l10n=True)
    sd = result.get("auc_sd")
    return text + (" ±" + number_format(round(sd, 3), 3, use_l10n=True) if sd else "")


def _block(result: Mapping[str, Any]) -> list[str]:
    """One table of rankings: rate inspected, precision (± its spread over seeds), recall,
    revenue and lift, in the active language."""
    base = result.get("base_rate") or math.nan
    names = sorted(result["table"], key=lambda k: ORDER.index(k) if k in ORDER else len(ORDER))
    heads = [str(h) for h in (_("ranking"), _("inspect"), _("precision"), "±", _("recall"))]
    heads += [str(_("revenue")), str(_("lift"))]
    labels = {n: str(RANKING_LABELS.get(n, n)) for n in names}
    first = max([_width(heads[0]), *(_width(v) for v in labels.values())]) + 2
    widths = [first] + [max(7, _width(h) + 2) for h in heads[1:]]
    lines = [
        _left(heads[0], widths[0])
        + "".join(_right(h, w) for h, w in zip(heads[1:], widths[1:], strict=True))
    ]
    for name in names:
        for r in result["table"][name]:
            lift = r["precision"] / base if base else math.nan
            sd = r.get("precision_sd")
            cells = [
                _pct(r["rate"], 0),
                _pct(r["precision"], 1),
                number_format(round(sd * 100, 1), 1, use_l10n=True) if sd is not None else "",
                _pct(r["recall"], 1),
                _pct(r["revenue"], 1),
                number_format(round(lift, 1), 1, use_l10n=True),
            ]
            lines.append(
                _left(labels[name], widths[0])
                + "".join(_right(c, w) for c, w in zip(cells, widths[1:], strict=True))
            )
    return lines


def _table(result: Mapping[str, Any]) -> list[str]:
    """The evaluation as lines of text, in the active language: overall, then the novel rows and
    the rows of parties unseen in training."""
    seeds = result.get("seeds") or []
    summary = _("test rows: %(n)s, violations: %(v)s (base rate %(b)s), AUC: %(auc)s") % {
        "n": _count(result["declarations"]),
        "v": _count(result["violations"]),
        "b": _pct(result["base_rate"], 2),
        "auc": _auc(result),
    }
    if len(seeds) > 1:
        summary += "; " + _("mean ± standard deviation over %(n)s seeds") % {"n": len(seeds)}
    lines = [summary, ""]
    lines += _block(result)
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
    titles = {
        "novel": _("novel rows (party and goods never together in training)"),
        "unseen_party": _("rows of parties not seen in training"),
    }
    for name, sub in (result.get("subsets") or {}).items():
        line = _("%(title)s: %(n)s rows, %(v)s violations") % {
            "title": titles.get(name, name),
            "n": _count(sub.get("declarations", 0)),
            "v": _count(sub.get("violations", 0)),
        }
        if sub.get("violations"):
            line += " " + _("(base rate %(b)s), AUC: %(auc)s") % {
                "b": _pct(sub["base_rate"], 2),
                "auc": _auc(sub),
            }
        lines += ["", line]
        if sub.get("violations"):
            lines += _block(sub)
    return lines


def _table_line(result: Mapping[str, Any], i: int) -> str:
    return _table(result)[i]


_table_line_lazy = lazy(_table_line, str)


def table_lines(result: Mapping[str, Any]) -> list[str]:
    """The evaluation's lines, each written when shown (in the language active then)."""
    return [_table_line_lazy(result, i) for i in range(len(_table(result)))]


def table_text(result: Mapping[str, Any]) -> str:
    """The evaluation as plain-text tables in the active language (with the columns' typing
    when there is one)."""
    lines: list[str] = []
    if isinstance(result.get("columns"), list):
        lines += [plan_text(result["columns"], result.get("date")), ""]
    return "\n".join(lines + _table(result))
