"""Benchmark: the whole tariff (issue 20) — loading it, searching it and classifying with it.

    .venv/bin/python bench/tariff_search.py [--months 12] [--scale 0.3] [--split 2026-10-01]
                                            [--runs 5] [--fresh] [--database-url URL]

On a PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/haiquan_bench_tariff) holding a demo history (made with
`haiquan demo --months --scale` when the database has none, or kept from an earlier run):

- loading: `tariff_load_shipped(force=True)` — the published tariff's 17,646 rows, 11,871
  lines with their rates by agreement and schedule, quotas and the inspection lists — then the
  same call with nothing changed (the digest), the whole snapshot (`Tariff.load(None)`) and the
  search index built from it; peak memory of this process;
- quality on `bench/data/hs_goods.csv` (75 goods descriptions as traders write them, 55 in
  Vietnamese, 20 in English, with their correct lines): top-1 / top-5 of the ranked search, and
  of the classification assistant trained on the history;
- quality on the history itself, by time: trained on what was registered before `--split`,
  asked for every goods line registered from then (as finally classified), overall and for the
  descriptions it never saw;
- latency: each description of the set searched and classified `--runs` times, warm, p50/p99
  (target: under 50 ms).

Beside them, the same machine's limit: the same number of dot products of a query vector with
the index matrix, done bare by scipy (what any ranked search of this size must at least do).

Prints a Markdown table for BENCHMARKS.md and writes bench/results/tariff-<time>.json (or
`--out`). Also registered with bench/run_all.py (`tariff`).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    database_create,
    machine,
    peak_rss_mb,
    peak_rss_reset,
    percentile,
)

TARGET_MS = 50.0
GOODS = ROOT / "bench" / "data" / "hs_goods.csv"


def goods_set() -> list[dict[str, str]]:
    with GOODS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _database(url: str, months: int, scale: float, fresh: bool) -> None:
    name = url.rsplit("/", 1)[1]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
    }
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres"]
    if fresh:
        subprocess.run(
            [*psql, "-d", "postgres", "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
            check=True,
        )
    exists = subprocess.run(
        [*psql, "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if exists:
        count = subprocess.run(
            [*psql, "-d", name, "-tAc", "SELECT count(*) FROM clearance_declaration"],
            capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        if count.isdigit() and int(count) > 0:
            return
    else:
        database_create(env)
    print(f"generating the demo history ({months} months at scale {scale})…", flush=True)
    env["HAIQUAN_VAR_DIR"] = str(Path("/tmp") / f"hq-bench-tariff-{os.getpid()}")
    subprocess.run(
        [sys.executable, "-m", "haiquan.config.cli", "demo",
         "--months", str(months), "--scale", str(scale), "--seed", "20"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _ms(values: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 50), 2), "p99": round(percentile(values, 99), 2)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--split", type=date.fromisoformat, help="first day held out")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/haiquan_bench_tariff"
        ),
    )
    parser.add_argument("--fresh", action="store_true", help="drop the database and start over")
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results/...)")
    args = parser.parse_args(argv)

    _database(args.database_url, args.months, args.scale, args.fresh)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "haiquan.config.settings.local"
    import django

    django.setup()
    import numpy as np
    from django.db.models import Max, Min
    from django.utils import timezone

    from haiquan.clearance.models import Declaration
    from haiquan.tariff.assistant import assistant_cache_clear
    from haiquan.tariff.assistant.model import Assistant, HistoryIndex
    from haiquan.tariff.assistant.training import evaluate, examples_from, history_cases
    from haiquan.tariff.search import SearchIndex, search_index_clear
    from haiquan.tariff.services import tariff_load_shipped
    from haiquan.tariff.snapshot import Tariff, tariff_cache_clear

    results: dict[str, Any] = {"machine": machine(), "at": datetime.now(UTC).isoformat()}

    # Loading the whole tariff.
    peak_rss_reset()
    t0 = time.perf_counter()
    lines = tariff_load_shipped(force=True)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tariff_load_shipped()
    noop_s = time.perf_counter() - t0
    tariff_cache_clear()
    search_index_clear()
    assistant_cache_clear()
    t0 = time.perf_counter()
    tariff = Tariff.load(None)
    snapshot_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = SearchIndex(tariff.lines.values())
    index_s = time.perf_counter() - t0
    results["load"] = {
        "lines": lines,
        "load_s": round(load_s, 2),
        "reload_unchanged_s": round(noop_s, 3),
        "snapshot_s": round(snapshot_s, 2),
        "search_index_s": round(index_s, 2),
        "index_terms": len(index.vocabulary),
        "peak_rss_mb": peak_rss_mb(),
    }
    print(
        f"loaded {lines} lines in {load_s:.1f} s; snapshot {snapshot_s:.1f} s, index {index_s:.1f} s",
        flush=True,
    )

    # The history, split by time.
    span = Declaration.objects.filter(registered_at__isnull=False).aggregate(
        first=Min("registered_at"), last=Max("registered_at")
    )
    if args.split is not None:
        split = timezone.make_aware(datetime.combine(args.split, dtime.min))
    else:  # the last sixth of the history is held out
        split = span["first"] + (span["last"] - span["first"]) * 5 / 6
    t0 = time.perf_counter()
    examples, n_train = examples_from(history_cases(until=split))
    history = HistoryIndex(examples)
    train_s = time.perf_counter() - t0
    assistant = Assistant(index, history, None)
    text_only = Assistant(index, HistoryIndex([]), None)
    held_out = list(history_cases(since=split))
    seen = {e.text for e in examples}

    class _Search:  # the ranked search in the assistant's place, for the same measure
        @staticmethod
        def candidates(text: str) -> list[Any]:
            return [SimpleNamespace(code=h.code, confidence=0.0) for h in index.search(text, 5)]

    held = {}
    for name, who in (("held_out", assistant), ("held_out_search", _Search()),
                      ("held_out_text_only", text_only)):  # fmt: skip
        figures = evaluate(who, held_out, seen=seen).as_dict()  # type: ignore[arg-type]
        figures.pop("calibration")
        held[name] = figures
    results["history"] = {
        "split": split.isoformat(),
        "train_lines": n_train,
        "examples": len(examples),
        "train_s": round(train_s, 2),
        **held,
    }
    print(f"held out: {held}", flush=True)

    # The fixed set.
    goods = goods_set()

    def rates(rank: Any) -> dict[str, Any]:
        top1 = top5 = 0
        by_lang: dict[str, list[int]] = {}
        for g in goods:
            found = rank(g["description"])
            first, five = bool(found) and found[0] == g["code"], g["code"] in found[:5]
            top1 += first
            top5 += five
            cell = by_lang.setdefault(g["language"], [0, 0, 0])
            cell[0] += 1
            cell[1] += first
            cell[2] += five
        n = len(goods)
        return {
            "top1": round(top1 / n, 3),
            "top5": round(top5 / n, 3),
            **{
                f"{lang}_top1_top5": [c[0], round(c[1] / c[0], 3), round(c[2] / c[0], 3)]
                for lang, c in sorted(by_lang.items())
            },
        }

    from unidecode import unidecode

    def unaccented_vi(rank: Any) -> dict[str, Any]:
        vi = [g for g in goods if g["language"] == "vi"]
        found = [(rank(unidecode(g["description"])), g["code"]) for g in vi]
        return {
            "descriptions": len(vi),
            "top1": round(sum(bool(f) and f[0] == c for f, c in found) / len(vi), 3),
            "top5": round(sum(c in f[:5] for f, c in found) / len(vi), 3),
        }

    results["set"] = {
        "descriptions": len(goods),
        "search": rates(lambda q: [h.code for h in index.search(q, 5)]),
        "search_vi_without_diacritics": unaccented_vi(
            lambda q: [h.code for h in index.search(q, 5)]
        ),
        "assistant_tariff_only": rates(lambda q: [c.code for c in text_only.candidates(q)]),
        "assistant_with_history": rates(lambda q: [c.code for c in assistant.candidates(q)]),
    }
    print(f"set: {results['set']}", flush=True)

    # Latency, warm.
    queries = [g["description"] for g in goods]
    search_ms: list[float] = []
    assist_ms: list[float] = []
    for _ in range(args.runs):
        for q in queries:
            t0 = time.perf_counter()
            index.search(q, 20)
            search_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            assistant.candidates(q)
            assist_ms.append((time.perf_counter() - t0) * 1000)
    # Baseline: the bare sparse product a ranked search of this index must at least do.
    bare_ms: list[float] = []
    for _ in range(args.runs):
        for q in queries:
            cols = np.array([index.vocabulary[t] for t in index.query_terms(q)], dtype=np.int64)
            w = np.ones(len(cols), dtype=np.float32)
            t0 = time.perf_counter()
            if len(cols):
                index.matrix[:, cols] @ w
            bare_ms.append((time.perf_counter() - t0) * 1000)
    results["latency_ms"] = {
        "search": _ms(search_ms),
        "assistant": _ms(assist_ms),
        "bare_sparse_product": _ms(bare_ms),
        "target_ms": TARGET_MS,
    }
    results["peak_rss_mb"] = peak_rss_mb()
    print(f"latency: {results['latency_ms']}", flush=True)
    print(markdown(results))

    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = args.out or out / f"tariff-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"written {path}")


def markdown(r: dict[str, Any]) -> str:
    s, lat, ld, h = r["set"], r["latency_ms"], r["load"], r["history"]["held_out"]
    hs, ht = r["history"]["held_out_search"], r["history"]["held_out_text_only"]

    def pair(d: dict[str, Any], digits: int = 0) -> str:
        return f"{d['top1']:.{digits}%} / {d['top5']:.{digits}%}"

    rows = [
        (
            "whole tariff loaded (`load-refdata`'s tariff, forced)",
            f"{ld['load_s']} s, {ld['lines']:,} lines; unchanged {ld['reload_unchanged_s']} s",
        ),
        (
            "snapshot of every line / search index",
            f"{ld['snapshot_s']} s / {ld['search_index_s']} s ({ld['index_terms']:,} terms)",
        ),
        (f"set of {s['descriptions']}: search top-1 / top-5", pair(s["search"])),
        (
            "set: search, the Vietnamese descriptions without diacritics",
            pair(s["search_vi_without_diacritics"]),
        ),
        ("set: assistant, tariff texts only", pair(s["assistant_tariff_only"])),
        ("set: assistant trained on the history", pair(s["assistant_with_history"])),
        (f"history held out ({h['cases']:,} lines): top-1 / top-5", pair(h, 1)),
        (
            f"… descriptions never seen ({h['unseen_cases']:,})",
            f"{h['unseen_top1']:.1%} / {h['unseen_top5']:.1%}",
        ),
        ("history held out: search top-1 / top-5", pair(hs, 1)),
        (
            "… descriptions never seen, search",
            f"{hs['unseen_top1']:.1%} / {hs['unseen_top5']:.1%}",
        ),
        ("history held out: assistant, tariff texts only", pair(ht, 1)),
        (
            f"search latency p50 / p99 (target < {lat['target_ms']:.0f} ms)",
            f"{lat['search']['p50']} / {lat['search']['p99']} ms",
        ),
        (
            "assistant latency p50 / p99",
            f"{lat['assistant']['p50']} / {lat['assistant']['p99']} ms",
        ),
        (
            "baseline: bare sparse product p50 / p99",
            f"{lat['bare_sparse_product']['p50']} / {lat['bare_sparse_product']['p99']} ms",
        ),
        ("peak memory", f"{r['peak_rss_mb']} MB"),
    ]
    return "\n".join(["| measure | figure |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)])


def _register() -> None:
    from bench.common import run_json, sibling_url
    from bench.run_all import Context, Result, _gap, benchmark

    @benchmark("tariff")
    def bench_tariff(ctx: Context) -> list[Result]:
        """Loading the whole tariff; search and classification quality and latency."""
        scale = {"quick": 0.05, "standard": 0.3, "long": 1.0}[ctx.scale_name]
        r = run_json(
            "tariff_search.py",
            ["--months", "12", "--scale", str(scale), "--fresh",
             "--database-url", sibling_url(ctx.db_url, "haiquan_runall_tariff")],
            ctx.env,
        )  # fmt: skip
        lat = r["latency_ms"]
        out = []
        for name, key, which in (
            ("tariff search", "search", "search"),
            ("classification assistant", "assistant", "assistant_with_history"),
        ):
            ok, gap = _gap(lat[key]["p99"], TARGET_MS, False)
            out.append(
                Result(
                    benchmark=f"{name}: one description",
                    p50_ms=lat[key]["p50"],
                    p99_ms=lat[key]["p99"],
                    peak_rss_mb=r["peak_rss_mb"],
                    target=f"p99 < {TARGET_MS:.0f} ms",
                    meets_target=ok,
                    target_gap=gap,
                    baseline="bare sparse product",
                    baseline_figure=f"{lat['bare_sparse_product']['p99']} ms",
                    notes=f"top-5 on the set: {r['set'][which]['top5']:.0%}",
                )
            )
        out.append(
            Result(
                benchmark="whole tariff loaded",
                throughput=round(r["load"]["lines"] / r["load"]["load_s"], 1),
                unit=" lines/s",
                peak_rss_mb=r["load"]["peak_rss_mb"],
                notes=f"{r['load']['load_s']} s; unchanged {r['load']['reload_unchanged_s']} s",
            )
        )
        return out


if __name__ == "__main__":
    main()
else:
    _register()
