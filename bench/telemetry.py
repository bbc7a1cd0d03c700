"""Benchmark: e-seal telemetry ingestion with alert evaluation on, and alert latency.

    .venv/bin/python bench/telemetry.py [--seals 1000] [--seconds 20] [--workers 2]

Sets up a scratch PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/haiquan_bench_telemetry) with `--seals` transit movements in
progress (the Quảng Ninh demo routes, each container under its e-seal, departed), then measures:

1. HTTP, OsmAnd: one position per GET, `--concurrency` clients, against gunicorn (`--workers`);
2. HTTP, batches: POST /api/v1/transit/positions with `--batch` positions per request;
3. MQTT: positions published at QoS 1 to the broker (HAIQUAN_MQTT_URL, default Mosquitto on
   127.0.0.1:1883) and ingested by `haiquan telemetry-mqtt` (one process, batches of 1,000);
   the rate is positions stored per second, from the first publish to the last row committed.

Every position goes through the alert rules (corridor distance, stops, seal, battery, signal,
deadline). Alert latency: while each phase runs, `--alarms-per-second` messages carry a door
alarm from seals not yet opened, with the send time as an attribute; the latency is the time
from sending to the alert row's `raised_at` (same clock, same machine).

Prints the figures and writes bench/results/telemetry-<time>.json. Load generator, broker,
database and haiquan share the machine: the figures are what one box does serving and loading
itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, percentile, postgres_url, prepare_database, wait_http  # noqa: E402

TARGET = {"positions_per_s": 10_000, "alert_p99_ms": 1000}


def django_env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
        "HAIQUAN_CONN_MAX_AGE": "600",
    }


def setup(env: dict[str, str], seals: int, span_s: int) -> dict[str, Any]:
    """Movements departed `span_s` seconds ago; a platform operator with a token."""
    code = f"""
from datetime import timedelta
from django.utils import timezone
from haiquan.accounts.services import token_create, user_create
from haiquan.transit.scenario import GATE_OPERATOR, movements_create, places_ensure
leader = user_create(username='bench.leader', password=None, role='leader', office_codes=['00'])
places_ensure(actor=leader)
depart = timezone.now() - timedelta(seconds={span_s})
ms = movements_create(actor=leader, count={seals}, depart_at=depart, time_limit_minutes=24 * 60)
platform = user_create(username='bench.platform', password=None, role='operator', employer_mst=GATE_OPERATOR[0])
print(token_create(user=platform, name='bench')[1])
print(int(depart.timestamp()))
"""
    out = subprocess.run(
        [sys.executable, "-m", "haiquan.config.cli", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    lines = out.stdout.strip().splitlines()
    return {"token": lines[-2], "depart": int(lines[-1])}


class Positions:
    """Each seal's positions, one per second of device time along its route, from its
    departure; handed out in order, across the phases."""

    def __init__(self, seals: int, depart: int, steps: int) -> None:
        django_setup()
        from haiquan.transit.scenario import ROUTES
        from haiquan.transit.simulator import trip_messages

        origins = sorted(ROUTES)
        self.depart = depart
        self.tracks = {}
        for origin in origins:
            trip = trip_messages(
                device_id="x", route_wkt=ROUTES[origin], start=datetime.fromtimestamp(depart, UTC),
                interval_s=1, speed_kmh=50,
            )  # fmt: skip
            self.tracks[origin] = [
                (m["lat"], m["lon"], m["bearing"]) for m in trip.messages[:steps]
            ]
        self.origin_of = {n: origins[n % len(origins)] for n in range(1, seals + 1)}
        self.seals = seals
        self.step = 0  # next device second
        self.opened: set[int] = set()
        self.lock = threading.Lock()

    def next_round(self) -> list[dict[str, str]]:
        """One position of every seal, one device second later than the previous round."""
        with self.lock:
            k = self.step
            self.step += 1
        ts = str(self.depart + 5 + k)
        out = []
        for n in range(1, self.seals + 1):
            lat, lon, bearing = self.tracks[self.origin_of[n]][k]
            out.append({"id": f"HQ-SIM-{n}", "timestamp": ts, "lat": lat, "lon": lon,
                        "speed": "27.0", "bearing": bearing, "batt": "88"})  # fmt: skip
        return out

    def alarm(self) -> dict[str, str] | None:
        """A door alarm from a seal not yet opened, stamped with the send time."""
        with self.lock:
            n = next((n for n in range(1, self.seals + 1) if n not in self.opened), None)
            if n is None:
                return None
            self.opened.add(n)
            k = max(self.step - 1, 0)
        lat, lon, _b = self.tracks[self.origin_of[n]][k]
        return {"id": f"HQ-SIM-{n}", "timestamp": str(self.depart + 5 + k) + ".5", "lat": lat,
                "lon": lon, "alarm": "door", "sent_at": f"{time.time():.6f}"}  # fmt: skip


def django_setup() -> None:
    import django

    if not getattr(django_setup, "done", False):
        django.setup()
        django_setup.done = True  # type: ignore[attr-defined]


def stored_count(db_url: str) -> int:
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://")) as conn:
        return int(conn.execute("SELECT count(*) FROM transit_position").fetchone()[0])


def alert_latencies(db_url: str, since: float) -> list[float]:
    """Seconds from the alarm's send time to its alert, for alarms sent after `since`."""
    import psycopg

    sql = """
        SELECT extract(epoch FROM a.raised_at) - (p.attributes->>'sent_at')::float
        FROM supervision_alert a
        JOIN transit_movementcontainer c ON c.movement_id = a.subject_id
        JOIN transit_position p ON p.seal_id = c.seal_id AND p.alarm = 'door'
        WHERE a.kind = 'seal_opened' AND (p.attributes->>'sent_at')::float > %s
    """
    with psycopg.connect(db_url.replace("postgres://", "postgresql://")) as conn:
        return [float(r[0]) for r in conn.execute(sql, (since,)).fetchall()]


# ---------------------------------------------------------------------------------------------
# Phases


async def http_osmand(
    base: str, gen: Positions, seconds: float, concurrency: int, alarms: float
) -> dict:
    latencies: list[float] = []
    alarm_latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: list[dict[str, str]] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                if not queue:
                    queue.extend(gen.next_round())
                m = queue.pop()
                t0 = time.perf_counter()
                r = await client.get("/api/v1/transit/osmand", params=m)
                latencies.append(time.perf_counter() - t0)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        async def alarmer() -> None:
            while alarms and time.perf_counter() < deadline:
                m = gen.alarm()
                if m is None:
                    return
                t0 = time.perf_counter()
                r = await client.get("/api/v1/transit/osmand", params=m)
                if r.status_code == 200 and r.json().get("alerts"):
                    alarm_latencies.append(time.perf_counter() - t0)
                await asyncio.sleep(1 / alarms)

        start = time.perf_counter()
        await asyncio.gather(alarmer(), *(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    ok = statuses.get(200, 0)
    return {
        "positions": ok,
        "statuses": statuses,
        "elapsed_s": round(elapsed, 2),
        "positions_per_s": round(ok / elapsed, 1),
        "request_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "request_p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "alert_latency": summary(alarm_latencies),
    }


async def http_batches(
    base: str, token: str, gen: Positions, seconds: float, concurrency: int, batch: int
) -> dict:
    stored = 0
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(
        base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"}
    ) as client:

        async def worker() -> None:
            nonlocal stored
            pending: list[dict[str, str]] = []
            while time.perf_counter() < deadline:
                while len(pending) < batch:
                    pending.extend(gen.next_round())
                part, pending = pending[:batch], pending[batch:]
                t0 = time.perf_counter()
                r = await client.post("/api/v1/transit/positions", json={"positions": part})
                latencies.append(time.perf_counter() - t0)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code == 200:
                    stored += r.json()["stored"]

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {
        "positions": stored,
        "batch": batch,
        "statuses": statuses,
        "elapsed_s": round(elapsed, 2),
        "positions_per_s": round(stored / elapsed, 1),
        "request_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "request_p99_ms": round(percentile(latencies, 99) * 1000, 1),
    }


def mqtt_phase(
    env: dict[str, str],
    db_url: str,
    gen: Positions,
    messages: int,
    subscribers: int,
    alarms: float,
    rate: float = 0,
    qos: int = 1,
) -> dict:
    """Publish `messages` positions (prepared beforehand), as fast as one publisher can or at
    `rate` a second, with door alarms mixed in at `alarms` a second; `subscribers` processes
    of `haiquan telemetry-mqtt` share the subscription."""
    django_setup()
    from haiquan.transit.mqtt import mqtt_client
    from haiquan.transit.simulator import mqtt_payload

    url = env.get("HAIQUAN_MQTT_URL", "mqtt://127.0.0.1:1883")
    topic = f"haiquan-bench-{os.getpid()}/eseal/+/position"
    payloads: list[tuple[str, bytes]] = []
    while len(payloads) < messages:
        payloads.extend((topic.replace("+", m["id"]), mqtt_payload(m)) for m in gen.next_round())
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "haiquan.config.cli",
                "telemetry-mqtt",
                "--url",
                url,
                "--topic",
                topic,
                "--batch-size",
                "1000",
                "--max-delay-ms",
                "100",
                "--client-id",
                f"bench-{os.getpid()}-{k}",
                "--shared",
                "bench",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(subscribers)
    ]
    for p in procs:
        assert p.stdout is not None
        p.stdout.readline()  # "listening on ..."
    time.sleep(2.0)  # subscribed
    before = stored_count(db_url)
    client = mqtt_client(url=url, max_inflight=5000)
    client.loop_start()
    published = 0
    alarm_sent = time.time()
    start = time.perf_counter()
    next_alarm = start
    infos = []
    try:
        for t, payload in payloads:
            infos.append(client.publish(t, payload, qos=1))
            published += 1
            if rate:
                ahead = published / rate - (time.perf_counter() - start)
                if ahead > 0:
                    time.sleep(ahead)
            if alarms and time.perf_counter() >= next_alarm:
                a = gen.alarm()
                if a:
                    infos.append(
                        client.publish(topic.replace("+", a["id"]), mqtt_payload(a), qos=1)
                    )
                    published += 1
                next_alarm += 1 / alarms
            if len(infos) >= 20_000:
                for info in infos:
                    info.wait_for_publish(timeout=60)
                infos = []
        for info in infos:
            info.wait_for_publish(timeout=60)
        published_at = time.perf_counter()
        # Wait until everything published is stored (or it stops moving).
        last, still = -1, 0
        while True:
            n = stored_count(db_url) - before
            if n >= published:
                break
            still = still + 1 if n == last else 0
            if still > 20:
                break
            last = n
            time.sleep(0.25)
        done = time.perf_counter()
    finally:
        client.loop_stop()
        client.disconnect()
        outs = []
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            out, _err = p.communicate(timeout=60)
            outs.append(out.strip().splitlines()[-1] if out.strip() else "")
    stored = stored_count(db_url) - before
    return {
        "published": published,
        "positions": stored,
        "subscribers": subscribers,
        "subscription_qos": qos,
        "publish_s": round(published_at - start, 2),
        "elapsed_s": round(done - start, 2),
        "publish_per_s": round(published / (published_at - start), 1),
        "positions_per_s": round(stored / (done - start), 1),
        "subscriber_stats": outs,
        "alert_latency": summary(alert_latencies(db_url, alarm_sent)),
    }


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seals", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=20, help="Length of each phase.")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers")
    ap.add_argument("--concurrency", type=int, default=32, help="OsmAnd clients at once")
    ap.add_argument("--batch", type=int, default=500, help="Positions per batch request")
    ap.add_argument("--batch-concurrency", type=int, default=4)
    ap.add_argument("--alarms-per-second", type=float, default=10)
    ap.add_argument("--mqtt-messages", type=int, default=100_000)
    ap.add_argument("--mqtt-subscribers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--mqtt-qos", type=int, choices=[0, 1], default=1, help="subscription QoS")
    ap.add_argument(
        "--latency-rate",
        type=float,
        default=1000,
        help="Positions a second during the latency phase (below capacity: latency, not backlog).",
    )
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--skip", nargs="*", default=[], choices=["osmand", "batch", "mqtt", "latency"])
    args = ap.parse_args()

    db_url = postgres_url("haiquan_bench_telemetry")
    env = django_env(db_url)
    os.environ.update(
        {k: v for k, v in env.items() if k.startswith(("DATABASE", "DJANGO", "HAIQUAN"))}
    )
    t0 = time.perf_counter()
    prepare_database(env)
    span = 3600  # device seconds available to the phases
    info = setup(env, args.seals, span)
    setup_s = time.perf_counter() - t0
    gen = Positions(args.seals, info["depart"], steps=span - 60)

    results: dict[str, Any] = {}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "haiquan.config.wsgi:application", "--bind",
         f"127.0.0.1:{args.port}", "--workers", str(args.workers), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_http(base + "/api/v1/openapi.json")
        if "osmand" not in args.skip:
            results["http_osmand"] = asyncio.run(
                http_osmand(base, gen, args.seconds, args.concurrency, args.alarms_per_second)
            )
            print("http_osmand", json.dumps(results["http_osmand"]), flush=True)
        if "latency" not in args.skip:
            # The alert is in the answer: its latency is the request's, at a load below capacity.
            results["http_osmand_latency"] = asyncio.run(
                http_osmand(base, gen, args.seconds / 2, 2, args.alarms_per_second)
            )
            print("http_osmand_latency", json.dumps(results["http_osmand_latency"]), flush=True)
        if "batch" not in args.skip:
            results["http_batch"] = asyncio.run(
                http_batches(
                    base, info["token"], gen, args.seconds, args.batch_concurrency, args.batch
                )
            )
            print("http_batch", json.dumps(results["http_batch"]), flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if "mqtt" not in args.skip:
        results["mqtt"] = mqtt_phase(
            env, db_url, gen, args.mqtt_messages, args.mqtt_subscribers, args.alarms_per_second,
            qos=args.mqtt_qos,
        )  # fmt: skip
        print("mqtt", json.dumps(results["mqtt"]), flush=True)
    if "latency" not in args.skip:
        # Alert latency under a steady load the subscribers keep up with.
        results["mqtt_latency"] = mqtt_phase(
            env, db_url, gen, int(args.latency_rate * args.seconds), args.mqtt_subscribers,
            args.alarms_per_second, rate=args.latency_rate, qos=args.mqtt_qos,
        )  # fmt: skip
        print("mqtt_latency", json.dumps(results["mqtt_latency"]), flush=True)

    report = {
        "benchmark": "e-seal telemetry ingestion with alert evaluation (PostgreSQL)",
        "seals_in_transit": args.seals,
        "setup_s": round(setup_s, 1),
        "gunicorn_workers": args.workers,
        "target": TARGET,
        "machine": machine(),
        "python": platform.python_version(),
        **results,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"telemetry-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(f"\nwritten to {path.relative_to(ROOT)}")
    for name, r in results.items():
        lat = r.get("alert_latency", {})
        print(
            f"{name:12} {r['positions_per_s']:>9.0f} positions/s "
            f"({r['positions_per_s'] / TARGET['positions_per_s']:.0%} of 10,000/s)"
            + (f"; alert latency p99 {lat['p99_ms']} ms (n={lat['n']})" if lat.get("n") else "")
        )


if __name__ == "__main__":
    main()
