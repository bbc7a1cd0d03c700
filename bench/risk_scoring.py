"""Benchmark: the learned risk score inside the lane decision, and batch scoring.

    .venv/bin/python bench/risk_scoring.py [--months 12] [--scale 0.3] [--decisions 2000]
                                          [--batch 200000]

Uses the PostgreSQL database BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/haiquan_bench_risk). When it holds no declarations, it is
created and filled with `haiquan demo --months M --scale S` (the Quảng Ninh and Bình Dương
history with its inspections). When no model version is active, one is trained on that
history and activated. Then:

1. Lane decision: for the latest `--decisions` declarations (their facts as at registration),
   `lane_decide` with the active model and with the scoring hook empty, declaration by
   declaration, interleaved (each pair in both orders, half and half); the overhead is the
   paired difference (p50, p99) of wall-clock time, and of this process's CPU time (on a
   loaded machine the wall-clock pairs carry other processes' turns), and the scorer's own
   time (feature lookup in the per-process state, both LightGBM models, SHAP reasons) is
   reported beside it. Building the per-process history state (once per process,
   in the background for a large history) is timed apart.
2. Batch: the latest 50,000 declarations' tables are read once (time reported), then scored
   again and again (features from the state, vectorised, and both models) until `--batch`
   rows have been scored: declarations per second of wall clock and per second of CPU time
   (on a shared machine the CPU time says what the code costs; both are printed).

Beside both, the same machine's limit in the same run: the bare LightGBM models' `predict` on the
same feature rows (one row per decision; the whole matrix for the batch), without the history
lookup, feature assembly and reasons around them. Peak memory is this process's from the state
build on (VmHWM, reset after setup and training).

Prints the figures and writes bench/results/risk_scoring-<time>.json (or `--out`). `--fresh`
drops the database first. Also registered with bench/run_all.py (`risk_scoring`), on a demo
history sized by the run's scale (12 months; `--scale long` at the demo's full calibrated volume).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import database_create, machine, peak_rss_mb, peak_rss_reset, percentile  # noqa: E402

TARGET = {"overhead_p99_ms": 5.0, "batch_per_s": 100_000}
# The demo's 12 months at scale 1.0 hold about 210,000 declarations.
DEMO_YEAR_AT_SCALE_1 = 210_000


def _database(url: str, months: int, scale: float, fresh: bool = False) -> None:
    name = url.rsplit("/", 1)[1]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
    }
    if fresh:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc",
             f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
            check=True,
        )  # fmt: skip
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if exists:
        count = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-tAc",
             "SELECT count(*) FROM clearance_declaration"],
            capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        if count.isdigit() and int(count) > 0:
            return
    else:
        database_create(env)  # migrated, with the reference data
    print(f"generating the demo history ({months} months at scale {scale})…", flush=True)
    # The demo's other parts write files (the time-release store, uploads): not into the
    # checkout's var/, which belongs to the SQLite demo.
    with tempfile.TemporaryDirectory(prefix="hq-bench-risk-") as var:
        subprocess.run(
            [sys.executable, "-m", "haiquan.config.cli", "demo", "--months", str(months),
             "--scale", str(scale)],
            cwd=ROOT, env={**env, "HAIQUAN_VAR_DIR": var}, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/haiquan_bench_risk"
        ),
    )
    parser.add_argument("--fresh", action="store_true", help="drop the database and start over")
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results/...)")
    args = parser.parse_args(argv)

    url = args.database_url
    _database(url, args.months, args.scale, fresh=args.fresh)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "haiquan.config.settings.local"
    import django

    django.setup()
    from haiquan.accounts.models import User
    from haiquan.clearance.models import Declaration
    from haiquan.risk import scoring
    from haiquan.risk.engine import lane_decide
    from haiquan.riskml import services
    from haiquan.riskml.data import frames_load
    from haiquan.riskml.models import RiskModel
    from haiquan.riskml.scorer import (
        active_model_scorer,
        declaration_facts,
        facts_frames,
        scorer_cache_clear,
    )
    from haiquan.riskml.selectors import model_active

    model = model_active()
    if model is None:
        analyst = User.objects.filter(role="analyst").order_by("id").first()
        print("training a model version…", flush=True)
        t0 = time.perf_counter()
        model = services.model_train(actor=analyst)
        train_s = time.perf_counter() - t0
        model = services.model_activate(actor=analyst, model=model)
    else:
        train_s = None
    declarations = Declaration.objects.filter(registered_at__isnull=False).count()

    # 1. Lane decision, with and without the model.
    peak_rss_reset()  # from the state a worker holds on, not the training
    scorer_cache_clear()
    t0 = time.perf_counter()
    scorer = active_model_scorer(fresh=True)
    while scorer is None:  # a large history's state is built in the background
        time.sleep(0.2)
        scorer = active_model_scorer(fresh=True)
    first_ms = (time.perf_counter() - t0) * 1000
    recent = list(
        Declaration.objects.select_related("office", "enterprise")
        .filter(registered_at__isnull=False)
        .order_by("-registered_at")[: args.decisions]
    )
    facts = [declaration_facts(d) for d in recent]
    for f in facts[:50]:  # warm up both paths
        lane_decide(f)
    with_model: list[float] = []
    without: list[float] = []
    with_cpu: list[float] = []
    without_cpu: list[float] = []
    own: list[float] = []
    own_cpu: list[float] = []
    raised = 0

    def decide(f: Any, scored: bool) -> Any:
        if not scored:
            scoring.scorer_provider_unregister(active_model_scorer)
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            result = lane_decide(f)
            wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        finally:
            scoring.scorer_provider_register(active_model_scorer)
        (with_model if scored else without).append(wall)
        (with_cpu if scored else without_cpu).append(cpu)
        return result

    for i, f in enumerate(facts):
        # Each pair in both orders, half and half: neither path gets the warmer caches.
        if i % 2:
            decide(f, scored=False)
            result = decide(f, scored=True)
        else:
            result = decide(f, scored=True)
            decide(f, scored=False)
        raised += any(r.source == "score" and r.lane == "red" for r in result.reasons)
        t0, c0 = time.perf_counter(), time.process_time()
        scorer.score(f)
        own.append((time.perf_counter() - t0) * 1000)
        own_cpu.append((time.process_time() - c0) * 1000)
    overhead = [a - b for a, b in zip(with_model, without, strict=True)]
    # This process's CPU time (the scorer reads no database in between): on a loaded machine
    # the wall-clock pairs carry the other processes' turns, these do not.
    overhead_cpu = [a - b for a, b in zip(with_cpu, without_cpu, strict=True)]

    # The bare models on each decision's own feature row.
    bare_one: list[float] = []
    for f in facts:
        x = scorer.score_frames(facts_frames(f))[0]
        t0 = time.perf_counter()
        _bare_predict(scorer, x)
        bare_one.append((time.perf_counter() - t0) * 1000)

    # 2. Batch scoring.
    ids = list(
        Declaration.objects.filter(registered_at__isnull=False)
        .order_by("-registered_at")
        .values_list("id", flat=True)[:50_000]
    )
    t0 = time.perf_counter()
    frames = frames_load(ids=ids, with_outcomes=False)
    load_s = time.perf_counter() - t0
    n = len(frames.decl["id"])
    scorer.score_frames(frames)  # warm the vectorised lookups
    scored = 0
    t0, c0 = time.perf_counter(), time.process_time()
    while scored < args.batch:
        scorer.score_frames(frames)
        scored += n
    batch_s = time.perf_counter() - t0
    batch_cpu = time.process_time() - c0
    rate = scored / batch_s
    rate_cpu = scored / batch_cpu
    # The bare models on the same feature matrix, as many rows.
    x_all = scorer.score_frames(frames)[0]
    _bare_predict(scorer, x_all)
    bare_scored = 0
    t0 = time.perf_counter()
    while bare_scored < args.batch:
        _bare_predict(scorer, x_all)
        bare_scored += n
    bare_rate = bare_scored / (time.perf_counter() - t0)
    peak = peak_rss_mb()

    results: dict[str, Any] = {
        "benchmark": "risk_scoring",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "declarations_in_database": declarations,
        "model_version": model.version,
        "model_auc": (model.metrics or {}).get("auc"),
        "training_seconds": train_s,
        "first_decision_ms_state_build": round(first_ms, 1),
        "decisions": len(facts),
        "decisions_raised_red_by_model": raised,
        "lane_decide_with_model_ms": {
            "p50": percentile(with_model, 50),
            "p99": percentile(with_model, 99),
        },
        "lane_decide_without_model_ms": {
            "p50": percentile(without, 50),
            "p99": percentile(without, 99),
        },
        "overhead_ms": {"p50": percentile(overhead, 50), "p99": percentile(overhead, 99)},
        "overhead_cpu_ms": {
            "p50": percentile(overhead_cpu, 50),
            "p99": percentile(overhead_cpu, 99),
        },
        "scorer_ms": {"p50": percentile(own, 50), "p99": percentile(own, 99)},
        "scorer_cpu_ms": {"p50": percentile(own_cpu, 50), "p99": percentile(own_cpu, 99)},
        "bare_predict_one_row_ms": {
            "p50": percentile(bare_one, 50),
            "p99": percentile(bare_one, 99),
        },
        "lane_decisions_per_s": len(with_model) / (sum(with_model) / 1000),
        "peak_rss_mb": peak,
        "load_average": os.getloadavg(),
        "batch": {
            "rows_per_pass": n,
            "rows_scored": scored,
            "seconds": batch_s,
            "declarations_per_s": rate,
            "declarations_per_cpu_s": rate_cpu,
            "bare_predict_per_s": bare_rate,
            "db_read_seconds_for_rows": load_s,
        },
        "target": TARGET,
        "versions": RiskModel.objects.count(),
    }
    print(
        f"lane decision overhead p50 {results['overhead_ms']['p50']:.2f} ms, "
        f"p99 {results['overhead_ms']['p99']:.2f} ms (target ≤ {TARGET['overhead_p99_ms']} ms; "
        f"in this process's CPU time p50 {results['overhead_cpu_ms']['p50']:.2f} ms, "
        f"p99 {results['overhead_cpu_ms']['p99']:.2f} ms); "
        f"scorer alone p99 {results['scorer_ms']['p99']:.2f} ms "
        f"(CPU time p99 {results['scorer_cpu_ms']['p99']:.2f} ms); state build {first_ms:.0f} ms "
        f"over {declarations} declarations"
    )
    print(
        f"batch scoring {rate:,.0f} declarations/s wall clock, {rate_cpu:,.0f} per CPU second "
        f"(target ≥ {TARGET['batch_per_s']:,}); load average {os.getloadavg()[0]:.1f}; "
        f"reading {n} declarations' tables from PostgreSQL took {load_s:.2f} s"
    )
    print(
        f"the bare LightGBM models on the same rows: one row p99 "
        f"{results['bare_predict_one_row_ms']['p99']:.2f} ms; batch {bare_rate:,.0f} rows/s; "
        f"peak memory {peak} MB"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = args.out or out / f"risk_scoring-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"written {path}")


def _bare_predict(scorer: Any, x: Any) -> None:
    """The trained LightGBM boosters' own predict, nothing around it."""
    scorer.boosters.classifier.predict(x, num_threads=1)
    if scorer.boosters.regressor is not None:
        scorer.boosters.regressor.predict(x, num_threads=1)


def _register() -> None:
    from bench.common import run_json, sibling_url
    from bench.run_all import NATIONAL_DECLARATIONS_PER_YEAR, Context, Result, _gap, benchmark

    @benchmark("risk_scoring")
    def bench_risk_scoring(ctx: Context) -> list[Result]:
        """The learned score inside the lane decision, and batch scoring, on a fresh demo history
        sized by the run's scale, beside the bare LightGBM models on the same rows."""
        wanted = NATIONAL_DECLARATIONS_PER_YEAR * ctx.scale
        demo_scale = round(min(1.0, max(0.03, wanted / DEMO_YEAR_AT_SCALE_1)), 3)
        decisions, batch = {
            "quick": (500, 50_000),
            "standard": (2_000, 200_000),
            "long": (5_000, 1_000_000),
        }[ctx.scale_name]
        r = run_json(
            "risk_scoring.py",
            ["--months", "12", "--scale", str(demo_scale), "--decisions", str(decisions),
             "--batch", str(batch), "--fresh",
             "--database-url", sibling_url(ctx.db_url, "haiquan_runall_risk")],
            ctx.env,
        )  # fmt: skip
        over = r["overhead_ms"]
        bare = r["bare_predict_one_row_ms"]
        ok, gap = _gap(over["p99"], TARGET["overhead_p99_ms"], False)
        b = r["batch"]
        ok_b, gap_b = _gap(b["declarations_per_s"], TARGET["batch_per_s"], True)
        history = f"{r['declarations_in_database']:,} declarations of history"
        return [
            Result(
                benchmark="risk scoring: time the score adds to a lane decision",
                throughput=round(r["lane_decisions_per_s"], 1),
                p50_ms=round(over["p50"], 2),
                p99_ms=round(over["p99"], 2),
                peak_rss_mb=r["peak_rss_mb"],
                target=f"p99 <= {TARGET['overhead_p99_ms']:.0f} ms added",
                meets_target=ok,
                target_gap=gap,
                baseline="the bare LightGBM models, the same row (p99)",
                baseline_figure=f"{bare['p99']:.2f} ms",
                ratio=round(bare["p99"] / over["p99"], 3) if over["p99"] > 0 else None,
                notes=f"{r['decisions']:,} decisions (throughput: with the model); {history}",
            ),
            Result(
                benchmark="risk scoring: batch",
                throughput=round(b["declarations_per_s"]),
                peak_rss_mb=r["peak_rss_mb"],
                target=f">= {TARGET['batch_per_s']:,}/s",
                meets_target=ok_b,
                target_gap=gap_b,
                baseline="the bare LightGBM models, the same feature rows",
                baseline_figure=f"{b['bare_predict_per_s']:,.0f}/s",
                ratio=round(b["declarations_per_s"] / b["bare_predict_per_s"], 3),
                notes=f"{b['rows_scored']:,} rows; {b['declarations_per_cpu_s']:,.0f} per CPU s",
            ),
        ]


if __name__ == "__main__":
    main()
else:
    _register()
