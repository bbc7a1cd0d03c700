"""The failover fault test (bench/faults.py --scenarios promote-standby; in --quick, so CI runs
it): a standby that takes over during a submission load.

A primary and a synchronous standby of our own (bench/replicas.py, synchronous_commit =
remote_apply); haiquan behind gunicorn lists both nodes (DATABASE_URL for writes,
HAIQUAN_STANDBY_DATABASE_URL for reports). A third of the way into the load the primary is
crashed (`pg_ctl stop -m immediate`: no shutdown, as a power cut), the enterprise's list is read
while only the standby runs, then `haiquan failover-drill --promote` promotes it. Checked:
- everything bench/faults.py checks (every acknowledged declaration exactly once with its
  number, one declaration per key, numbers without gaps, events of every state, no 500s);
- the report (the enterprise's list, read by a second declarant) was served before the crash
  from the standby — the application opened its connection there for it — and counted every
  declaration acknowledged before it was asked (remote_apply); after the promotion it is served
  by the new primary and counts every acknowledged declaration. While no primary runs, between
  the crash and the promotion, it answers 503 like everything else (recorded, not required: the
  token check and the outage status read the primary);
- the drill named the promoted standby as the node the application now writes to;
- the service resumed by itself (no restart of haiquan) within 60 s.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import httpx

from bench.faults import ROOT, Server, Tally, run_load, verify
from bench.replicas import ReplicaPair, cluster_programs_missing


def report(base: str, token: str) -> tuple[int, int | None]:
    """The enterprise's list of declarations, as its second declarant reads it while the first
    files (so not pinned to the primary by their own writes): (HTTP status, how many)."""
    try:
        resp = httpx.get(
            base + "/api/v1/declarations",
            params={"limit": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=15,
        )
    except httpx.HTTPError:
        return 0, None
    return resp.status_code, (resp.json().get("count") if resp.status_code == 200 else None)


def standby_clients(cluster: Any) -> int:
    """The application's connections to the database on the standby (not this query's own)."""
    return int(
        cluster.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND datname = 'haiquan' AND pid <> pg_backend_pid()"
        )
    )


def promote_standby(env: dict[str, str], clients: int, seconds: float) -> dict[str, Any]:
    missing = cluster_programs_missing()
    if missing:
        return {"scenario": "promote-standby", "violations": [f"cannot run: {missing}"]}
    pair = ReplicaPair("remote_apply", durable=False)
    server: Server | None = None
    problems: list[str] = []
    try:
        setup = pair.start(env)
        env = {**env, **pair.env}
        assert pair.primary is not None and pair.standby is not None
        # Two clusters and the load share the machine: a worker's first request (every part
        # imported) may take longer than the usual 30 s before it is killed; and it is ready
        # once the API answers (the public outage status), without building the whole schema.
        server = Server(env, timeout=120, ready_path="/api/v1/outages")
        server.start()
        tally = Tally()
        seen: dict[str, Any] = {}

        def crash_and_promote() -> dict[str, Any]:
            assert pair.primary is not None and pair.standby is not None and server is not None
            # The report before the crash: its reads reach the standby, which no other part of
            # the load reads from (the filings are writes): its connections there show it.
            with tally.lock:
                seen["acked_before_report"] = len({pk for pk, _n in tally.acked.values()})
            seen["standby_clients_before"] = standby_clients(pair.standby)
            seen["before"] = report(server.base, setup["reader_token"])
            seen["standby_clients_after"] = standby_clients(pair.standby)
            pair.primary.stop("immediate")
            with tally.lock:
                acked_at_crash = len({pk for pk, _n in tally.acked.values()})
            seen["primary_down"] = report(server.base, setup["reader_token"])
            seen["acked_at_crash"] = acked_at_crash
            t0 = time.perf_counter()
            drill = subprocess.run(
                [sys.executable, "-m", "haiquan.config.cli", "failover-drill", "--promote"],
                cwd=ROOT,
                env={**env, "LANG": "C", "LC_ALL": "C"},
                capture_output=True,
                text=True,
                timeout=300,
            )
            seen["drill"] = (drill.returncode, (drill.stdout + drill.stderr).strip())
            return {"promotion_s": round(time.perf_counter() - t0, 2)}

        tally, info = run_load(server, setup, clients, seconds, crash_and_promote, tally=tally)
        seen["after"] = report(server.base, setup["reader_token"])
        problems += verify(env["DATABASE_URL"], tally)
        if info.get("resumed_after_s") is None:
            problems.append("service did not resume within 60 s of the promotion")
        acked = len({pk for pk, _n in tally.acked.values()})
        code, out = seen.get("drill", (None, ""))
        if code != 0:
            problems.append(f"failover-drill --promote failed: {out[-500:]}")
        elif f"now writes to 127.0.0.1:{pair.standby.port}" not in out:
            problems.append(f"the application does not write to the promoted standby: {out}")
        status, count = seen.get("before", (0, None))
        if status != 200 or count is None:
            problems.append(f"the report before the crash answered {status}")
        elif count < seen["acked_before_report"]:
            problems.append(
                f"the standby's report counts {count} declarations, "
                f"{seen['acked_before_report']} were acknowledged before it was asked"
            )
        if seen.get("standby_clients_after", 0) <= seen.get("standby_clients_before", 0):
            problems.append(
                "the report did not read from the standby (no connection of the application there)"
            )
        status, count = seen["after"]
        if status != 200 or count is None or count < acked:
            problems.append(
                f"after the promotion the report answered {status} counting {count} "
                f"declarations; {acked} were acknowledged"
            )
        lat = sorted(tally.latencies)
        return {
            "scenario": "promote-standby",
            "acknowledged": acked,
            "given_up": len(tally.given_up),
            "replayed_answers": tally.replays,
            "statuses": dict(sorted(tally.statuses.items())),
            "transport_errors": dict(tally.transport_errors),
            "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
            "report_before": seen.get("before"),
            "report_primary_down": seen.get("primary_down"),
            "standby_clients": (
                seen.get("standby_clients_before"),
                seen.get("standby_clients_after"),
            ),
            "report_after": seen.get("after"),
            "acknowledged_at_crash": seen.get("acked_at_crash"),
            **info,
            "violations": problems,
        }
    finally:
        if server is not None:
            server.stop()
        pair.stop()
