"""The columnar copy of the fact rows that reports read with DuckDB.

One Parquet file per registration month under `VAR_DIR/timerelease/facts/` (`2026-05.parquet`).
A refresh rewrites only the months its changed consignments belong to: it writes a new file
beside the old one and renames it over it, so a report running meanwhile reads either the old
or the new month, never half of one. DuckDB opens Parquet files read-only from any number of
processes (web workers), which a DuckDB database file would not allow while a refresh writes.

`GENERATION` names the store; the database's `RefreshState` keeps the same name. When they
differ (the database was reset, or the files were removed) the store is rebuilt from scratch.
`COLUMNS` records the fact rows' columns the files were written with: a store written with
other columns (a step added to the measurement) has no generation, so it is rebuilt too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from django.conf import settings

from .facts import BUCKETS, COLUMN_NAMES, COLUMNS, STEPS

_PANDAS_TYPE = {
    "BIGINT": "Int64",
    "DOUBLE": "Float64",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "datetime64[us]",
}


def store_dir() -> Path:
    return Path(settings.VAR_DIR) / "timerelease"


def facts_dir() -> Path:
    return store_dir() / "facts"


def rollup_dir(name: str = "") -> Path:
    return store_dir() / (f"rollup_{name}" if name else "rollup")


def _columns_signature() -> str:
    return ",".join(f"{name} {kind}" for name, kind in COLUMNS)


def store_generation() -> str:
    """The store's generation, or "" when it has none or was written with other columns."""
    try:
        generation = (store_dir() / "GENERATION").read_text().strip()
        columns = (store_dir() / "COLUMNS").read_text().strip()
    except FileNotFoundError:
        return ""
    return generation if columns == _columns_signature() else ""


def store_reset(generation: str) -> None:
    """Empty the store and give it a new generation."""
    for folder in (facts_dir(), *(rollup_dir(name) for name in ROLLUPS)):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
    (store_dir() / "COLUMNS").write_text(_columns_signature())
    (store_dir() / "GENERATION").write_text(generation)


@contextlib.contextmanager
def store_locked() -> Iterator[None]:
    """One refresh at a time on this store (other processes wait for the lock)."""
    store_dir().mkdir(parents=True, exist_ok=True)
    with open(store_dir() / "refresh.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def month_files(folder: Path | None = None) -> list[Path]:
    folder = folder or facts_dir()
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.parquet"))


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _casts(source: str) -> str:
    return ", ".join(f"CAST({source}.{name} AS {kind}) AS {name}" for name, kind in COLUMNS)


def facts_sql() -> str:
    """A FROM-clause expression for every fact row in the store (empty if there are none)."""
    files = month_files()
    if not files:
        empty = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in COLUMNS)
        return f"(SELECT {empty} WHERE false)"
    return f"read_parquet([{', '.join(_quote(f) for f in files)}])"


# The daily rollup: the additive measures (counts and sums of seconds) per day, office, flow,
# lane and status, about twenty times fewer rows than the facts. Reports filtered only by these
# read their sums from it; medians and percentiles always come from the facts' `total_s`.
ROLLUP_KEYS = ("reg_date", "office_code", "office_path", "flow", "lane", "status", "outlier")
# Beside the base rollup, one per other dimension (the base keys plus that one), so that a
# report filtered or broken down by one of them also reads sums, not 12 M rows.
EXTRA_DIMENSIONS = ("transport_mode", "type_code", "hs_chapter", "compliance")
ROLLUPS = ("", *EXTRA_DIMENSIONS)
ROLLUP_SUMS = (
    "total_s",
    *(f"{b}_s" for b in BUCKETS),
    *(f"step_{s}_s" for s in STEPS),
    "outage_s",
)


def _rollup_select(source: str, name: str = "") -> str:
    sums = ", ".join(f"sum({c}) AS {c}" for c in ROLLUP_SUMS)
    present = ", ".join(f"count_if(step_{s}_s > 0) AS with_{s}" for s in STEPS)
    return (
        f"SELECT {', '.join((*ROLLUP_KEYS, name) if name else ROLLUP_KEYS)}, "  # noqa: S608 (constant names)
        f"count(*) AS n, {sums}, {present}, "
        "count_if(amendments > 0) AS amended, count_if(inspected) AS inspected, "
        "count_if(outage_s > 0) AS with_outage "
        f"FROM {source} GROUP BY ALL"
    )


def rollup_sql(name: str = "") -> str:
    files = month_files(rollup_dir(name))
    if not files:
        return f"({_rollup_select(facts_sql(), name)})"
    return f"read_parquet([{', '.join(_quote(f) for f in files)}])"


def rollup_write(con: duckdb.DuckDBPyConnection, month_file: Path) -> None:
    """(Re)write the rollups of one month from its fact file."""
    for name in ROLLUPS:
        folder = rollup_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{month_file.stem}.{os.getpid()}.tmp"
        con.execute(
            f"COPY ({_rollup_select(f'read_parquet({_quote(month_file)})', name)}) "
            f"TO {_quote(tmp)} (FORMAT parquet, COMPRESSION zstd)"
        )
        os.replace(tmp, folder / month_file.name)


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Fact rows as a DataFrame with nullable types (a missing time is NULL in DuckDB, not NaN)."""
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMN_NAMES))
    for name, kind in COLUMNS:
        if kind == "INTEGER":  # seconds: rounded to whole ones
            frame[name] = pd.to_numeric(frame[name]).round().astype("Int64")
            continue
        target = _PANDAS_TYPE.get(kind)
        if target is not None:
            frame[name] = frame[name].astype(target)
    return frame


def store_merge(frame: pd.DataFrame) -> int:
    """Put these fact rows in the store, replacing the rows of the same consignments.

    A consignment's month is its registration month, which never changes, so the rows it
    replaces are in the same file."""
    if frame.empty:
        return 0
    folder = facts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    months = pd.to_datetime(frame["reg_date"]).dt.strftime("%Y-%m")
    con = duckdb.connect()
    try:
        for month in sorted(months.unique()):
            part = frame[months == month]
            con.register("incoming", part)
            target = folder / f"{month}.parquet"
            tmp = folder / f".{month}.{os.getpid()}.tmp"
            fresh = f"SELECT {_casts('incoming')} FROM incoming"  # noqa: S608 (constant names; values are parameters)
            if target.exists():
                sql = (
                    f"SELECT * FROM read_parquet({_quote(target)}) "  # noqa: S608 (constant names; values are parameters)
                    "WHERE declaration_id NOT IN (SELECT declaration_id FROM incoming) "
                    f"UNION ALL {fresh}"
                )
            else:
                sql = fresh
            con.execute(
                f"COPY ({sql} ORDER BY reg_date, declaration_id) TO {_quote(tmp)} "
                "(FORMAT parquet, COMPRESSION zstd)"
            )
            os.replace(tmp, target)
            rollup_write(con, target)
            con.unregister("incoming")
    finally:
        con.close()
    return len(frame)


def store_count() -> int:
    con = duckdb.connect()
    try:
        row = con.execute(f"SELECT count(*) FROM {facts_sql()}").fetchone()  # noqa: S608 (constant names; values are parameters)
    finally:
        con.close()
    return int(row[0]) if row else 0
