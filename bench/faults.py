"""Fault tests: kill the application server and restart PostgreSQL under a submission load.

    .venv/bin/python bench/faults.py [--quick] [--scenarios kill-worker,kill-master,restart-db]
                                     [--seconds 20] [--clients 8]

Each scenario starts haiquan behind gunicorn (2 workers) on a scratch PostgreSQL database
(`BENCH_DATABASE_URL`, default haiquan_faults on 127.0.0.1) and has concurrent clients file
5-line import declarations, each with its own Idempotency-Key, retrying the same request with
the same key after any failure (connection reset, timeout, 503) as a trader's system does:

- kill-worker: SIGKILL one gunicorn worker in the middle of the load, twice; the master starts
  a new one.
- kill-master: SIGKILL the gunicorn master (its workers exit), then start the server again.
- restart-db: restart PostgreSQL (`pg_ctlcluster ... restart`) in the middle of the load. The
  server stays up and must answer 503 with Retry-After meanwhile (never 500), and serve again
  by itself once the database is back.
- promote-standby (bench/failover.py): on a primary and a synchronous standby of its own
  (clusters on ports from 5433, removed afterwards), the primary is crashed in the middle of
  the load and the standby promoted by `haiquan failover-drill --promote`; reports are served
  from the standby before and while the primary is down, and from the new primary after.

Afterwards, on the database itself:
- every declaration a client saw acknowledged exists exactly once, with the number it was told;
- no declaration was created twice by retries: one declaration per Idempotency-Key used;
- declaration numbers have no duplicates and no gaps (serials 1..counter, per flow);
- every declaration has the events of its state (lodged, registered, lane decided, ...).

Prints a report and exits 1 on any violation. `--quick` (a few minutes: kill-worker,
restart-db and promote-standby, short loads) is what CI runs after the test suite; restarting
PostgreSQL drops every other connection to it, so run restart-db only when no one else's tests
are running — or on a cluster of one's own: `pg_createcluster 15 mine -p 5499 --start --
--auth=trust`, then `PGPORT=5499 BENCH_PG_CLUSTER=mine BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5499/faults`.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import postgres_url, prepare_database, wait_http  # noqa: E402
from bench.submit import declaration_body  # noqa: E402

PORT = int(os.environ.get("BENCH_FAULTS_PORT", "8771"))
# What each state must have in the event log, whatever happened to the server meanwhile.
STATE_EVENTS = {
    "draft": {"declaration.draft_created"},
    "document_check": {"declaration.registered", "declaration.lane_decided"},
    "inspection": {"declaration.registered", "declaration.lane_decided"},
    "awaiting_payment": {"declaration.registered", "declaration.lane_decided"},
    "cleared": {"declaration.registered", "declaration.lane_decided", "declaration.cleared"},
    "released": {"declaration.registered", "declaration.released"},
    "cancelled": {"declaration.cancelled"},
}


# --- The server -----------------------------------------------------------------------------


class Server:
    """gunicorn with N sync workers, started and killed by the scenarios."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int = 2,
        port: int = PORT,
        timeout: int = 30,
        ready_path: str = "/api/v1/openapi.json",
    ) -> None:
        self.env, self.workers, self.port, self.timeout = env, workers, port, timeout
        self.ready_path = ready_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "haiquan.config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                str(self.timeout),
                "--log-level",
                "error",
            ],
            cwd=ROOT,
            env=self.env,
        )
        try:
            # Workers import every part: on a loaded machine that takes well over a minute.
            wait_http(self.base + self.ready_path, timeout=300)
        except BaseException:
            workers = self.worker_pids()
            self.proc.kill()  # not left running behind a failed start, nor its workers
            self.proc.wait()
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            raise

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        return children_of(self.proc.pid)

    def kill_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_master(self) -> None:
        assert self.proc is not None
        workers = self.worker_pids()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        # Orphaned sync workers notice their master is gone and exit; the port is free once
        # they have. Those still there after 3 s are killed, as a service manager killing the
        # unit's process group would.
        deadline = time.time() + 3
        while time.time() < deadline and any(Path(f"/proc/{p}").exists() for p in workers):
            time.sleep(0.2)
        for p in workers:
            if Path(f"/proc/{p}").exists():
                os.kill(p, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def children_of(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return sorted(out)


def restart_postgres() -> float:
    """Restart the local cluster (`BENCH_PG_CLUSTER`, default main); seconds it took."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    cluster = os.environ.get("BENCH_PG_CLUSTER", "main")
    t0 = time.perf_counter()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t0


# --- The clients ------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients saw, shared by the client threads."""

    acked: dict[str, tuple[int, str]] = field(default_factory=dict)  # key → (id, number)
    given_up: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    unavailable_without_retry_after: int = 0
    server_errors: list[str] = field(default_factory=list)  # 500s: always a violation
    unexpected: list[str] = field(default_factory=list)
    replays: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client_loop(
    base: str, token: str, mst: str, stop: threading.Event, tally: Tally, counter: Any
) -> None:
    """File declarations until `stop`; retry each with its key until acknowledged."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=15, headers=headers) as http:
        while not stop.is_set():
            i = next(counter)
            key = str(uuid.uuid4())
            body = declaration_body(mst, 5, i)
            deadline = time.time() + 90  # a client keeps retrying one filing this long
            while True:
                t0 = time.perf_counter()
                try:
                    resp = http.post(
                        "/api/v1/declarations", json=body, headers={"Idempotency-Key": key}
                    )
                except httpx.HTTPError as exc:
                    with tally.lock:
                        tally.transport_errors[type(exc).__name__] += 1
                    if time.time() > deadline:
                        with tally.lock:
                            tally.given_up.append(key)
                        break
                    time.sleep(0.3)
                    continue
                with tally.lock:
                    tally.statuses[resp.status_code] += 1
                if resp.status_code in (200, 201):
                    data = resp.json()
                    with tally.lock:
                        tally.acked[key] = (int(data["id"]), data["number"])
                        tally.latencies.append(time.perf_counter() - t0)
                        if resp.headers.get("Idempotent-Replayed") == "true":
                            tally.replays += 1
                    break
                if resp.status_code == 503:
                    retry_after = resp.headers.get("Retry-After")
                    if retry_after is None:
                        with tally.lock:
                            tally.unavailable_without_retry_after += 1
                    time.sleep(min(float(retry_after or 1), 2.0))
                elif resp.status_code >= 500:
                    with tally.lock:
                        tally.server_errors.append(f"{resp.status_code} {resp.text[:200]}")
                    time.sleep(0.5)
                else:
                    with tally.lock:
                        tally.unexpected.append(f"{resp.status_code} {resp.text[:200]}")
                    break
                if time.time() > deadline:
                    with tally.lock:
                        tally.given_up.append(key)
                    break


def run_load(
    server: Server,
    setup: dict[str, str],
    clients: int,
    seconds: float,
    fault: Any,
    tally: Tally | None = None,
) -> tuple[Tally, dict[str, Any]]:
    """Load for `seconds`, calling `fault()` a third of the way in; then let retries finish."""
    tally = tally if tally is not None else Tally()
    stop = threading.Event()
    counter = itertools.count(int(time.time() * 1000) % 10**7 * 100)
    threads = [
        threading.Thread(
            target=client_loop,
            args=(server.base, setup["token"], setup["mst"], stop, tally, counter),
            daemon=True,
        )
        for _ in range(clients)
    ]
    for t in threads:
        t.start()
    time.sleep(seconds / 3)
    fault_info = fault()
    fault_done = time.time()
    acked_before = len(tally.acked)
    # Service must resume by itself: time from the end of the fault to the next acknowledgement.
    resumed_after = None
    while time.time() - fault_done < 60:
        if len(tally.acked) > acked_before:
            resumed_after = round(time.time() - fault_done, 2)
            break
        time.sleep(0.05)
    time.sleep(max(0.0, seconds * 2 / 3 - (time.time() - fault_done)))
    stop.set()
    for t in threads:
        t.join(timeout=120)
    return tally, {**(fault_info or {}), "resumed_after_s": resumed_after}


# --- The checks ------------------------------------------------------------------------------


def verify(db_url: str, tally: Tally) -> list[str]:
    """Every invariant the issue asks for, read from the database. Returns the violations."""
    import psycopg

    problems: list[str] = []
    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT d.id, d.number, d.status, d.flow FROM clearance_declaration d "
            "JOIN accounts_user u ON u.id = d.created_by_id WHERE u.username = 'bench'"
        ).fetchall()
        by_id = {r[0]: r for r in rows}
        for key, (pk, number) in tally.acked.items():
            row = by_id.get(pk)
            if row is None:
                problems.append(f"acknowledged declaration {pk} ({key}) does not exist")
            elif row[1] != number:
                problems.append(f"declaration {pk} has number {row[1]}, client was told {number}")
        acked_ids = Counter(pk for pk, _n in tally.acked.values())
        twice = [pk for pk, n in acked_ids.items() if n > 1]
        if twice:
            problems.append(f"two keys acknowledged with the same declaration: {twice[:5]}")
        keys = conn.execute(
            "SELECT count(*) FROM core_idempotencyrecord r JOIN accounts_user u "
            "ON u.id = r.user_id WHERE u.username = 'bench' AND r.scope = 'declaration.create'"
        ).fetchone()[0]
        if len(rows) != keys:
            problems.append(
                f"{len(rows)} declarations but {keys} idempotency keys: a retry filed twice"
            )
        unacked = len(rows) - len(set(acked_ids))
        if unacked > len(tally.given_up):
            problems.append(
                f"{unacked} declarations no client saw acknowledged, but only "
                f"{len(tally.given_up)} filings were given up"
            )
        dupes = conn.execute(
            "SELECT number, count(*) FROM clearance_declaration WHERE number IS NOT NULL "
            "GROUP BY number HAVING count(*) > 1"
        ).fetchall()
        if dupes:
            problems.append(f"duplicate numbers: {dupes[:5]}")
        for flow, last in conn.execute("SELECT name, last FROM clearance_numbersequence"):
            serials = sorted(
                int(n[1:11])
                for (n,) in conn.execute(
                    "SELECT number FROM clearance_declaration WHERE flow = %s "
                    "AND number IS NOT NULL",
                    [flow],
                )
            )
            if serials != list(range(1, last + 1)):
                missing = sorted(set(range(1, last + 1)) - set(serials))[:10]
                problems.append(
                    f"{flow} numbers are not 1..{last} without gaps "
                    f"({len(serials)} numbers; missing {missing})"
                )
        events: dict[int, set[str]] = {}
        for decl_id, kind in conn.execute(
            "SELECT declaration_id, kind FROM eventlog_event WHERE declaration_id IS NOT NULL"
        ):
            events.setdefault(decl_id, set()).add(kind)
        for pk, _number, status, _flow in rows:
            need = STATE_EVENTS.get(status, set())
            if not need <= events.get(pk, set()):
                problems.append(
                    f"declaration {pk} is {status} without events {sorted(need - events.get(pk, set()))}"
                )
    if tally.server_errors:
        problems.append(
            f"{len(tally.server_errors)} server errors (500): {tally.server_errors[:3]}"
        )
    if tally.unavailable_without_retry_after:
        problems.append(f"{tally.unavailable_without_retry_after} 503 answers without Retry-After")
    if tally.unexpected:
        problems.append(f"unexpected answers: {tally.unexpected[:3]}")
    return problems


# --- Scenarios --------------------------------------------------------------------------------


def scenario(name: str, env: dict[str, str], clients: int, seconds: float) -> dict[str, Any]:
    if name == "promote-standby":
        from bench.failover import promote_standby  # its clusters, primary and standby

        return promote_standby(env, clients, seconds)
    setup = prepare_database(env)
    server = Server(env)
    server.start()

    def kill_worker() -> dict[str, Any]:
        killed = [server.kill_worker()]
        time.sleep(seconds / 6)
        deadline = time.time() + 15
        while time.time() < deadline and len(server.worker_pids()) < server.workers:
            time.sleep(0.1)
        killed.append(server.kill_worker())
        return {"killed_workers": killed}

    def kill_master() -> dict[str, Any]:
        t0 = time.perf_counter()
        server.kill_master()
        server.start()
        return {"server_down_s": round(time.perf_counter() - t0, 2)}

    def restart_db() -> dict[str, Any]:
        return {"postgres_restart_s": round(restart_postgres(), 2)}

    fault = {"kill-worker": kill_worker, "kill-master": kill_master, "restart-db": restart_db}[name]
    try:
        tally, info = run_load(server, setup, clients, seconds, fault)
    finally:
        server.stop()
    problems = verify(env["DATABASE_URL"], tally)
    if info.get("resumed_after_s") is None:
        problems.append("service did not resume within 60 s of the fault")
    lat = sorted(tally.latencies)
    return {
        "scenario": name,
        "acknowledged": len(tally.acked),
        "given_up": len(tally.given_up),
        "replayed_answers": tally.replays,
        "statuses": dict(sorted(tally.statuses.items())),
        "transport_errors": dict(tally.transport_errors),
        "p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
        **info,
        "violations": problems,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--quick", action="store_true", help="short loads: kill-worker, restart-db, promote-standby"
    )
    ap.add_argument("--scenarios", default="kill-worker,kill-master,restart-db,promote-standby")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=8)
    args = ap.parse_args(argv)
    # Stopped from outside (a CI timeout): unwind, so that servers and clusters are removed.
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    names = args.scenarios.split(",")
    seconds, clients = args.seconds, args.clients
    if args.quick:
        names, seconds, clients = ["kill-worker", "restart-db", "promote-standby"], 12, 6
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url("haiquan_faults"),
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
        "HAIQUAN_CONN_MAX_AGE": "600",
        # The clients are one trader's system hammering on purpose: no token rate limit here.
        "HAIQUAN_API_RATE_PER_SECOND": "0",
    }
    reports = []
    for name in names:
        print(f"--- {name}: {clients} clients, {seconds:.0f} s", flush=True)
        report = scenario(name, env, clients, seconds)
        reports.append(report)
        for k, v in report.items():
            if k != "violations":
                print(f"  {k}: {v}")
        for p in report["violations"]:
            print(f"  VIOLATION: {p}")
        print(f"  {'FAIL' if report['violations'] else 'ok'}", flush=True)
    failed = [r["scenario"] for r in reports if r["violations"]]
    print(f"\nfaults: {len(reports) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
