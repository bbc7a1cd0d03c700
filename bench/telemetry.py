"""Benchmark: e-seal telemetry ingestion with alert evaluation on, and alert latency.

    .venv/bin/python bench/telemetry.py [--seals 1000] [--seconds 20] [--workers 2]

Sets up a scratch PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/haiquan_bench_telemetry) with `--seals` transit movements in
progress (the Quảng Ninh demo routes, each container under its e-seal, departed), then measures:

1. HTTP, OsmAnd: one position per GET, `--concurrency` clients, against gunicorn (`--workers`);
2. HTTP, batches: POST /api/v1/transit/positions with `--batch` positions per request;
3. MQTT: positions published at QoS 1 to the broker (HAIQUAN_MQTT_URL, default Mosquitto on
   127.0.0.1:1883) and ingested by `haiquan telemetry-mqtt` (`--mqtt-subscribers` processes,
   batches of 1,000); the rate is positions stored per second, from the first publish to the
   last row committed. The flood is sent by `--mqtt-publishers` processes of pre-encoded QoS 1
   packets (bench/mqtt_flood.py) so that the load generator is not the limit; the steady-rate
   phase by one paho client.

Every position is signed by its seal's key with its own counter, as e-seals do (the load
generator signs; the server checks each signature and counter), and goes through the alert
rules (corridor distance, stops, seal, battery, signal, deadline). Alert latency: while each
phase runs, `--alarms-per-second` messages carry a door alarm from seals not yet opened, with
the send time as an attribute; the latency is the time from sending to the alert row's
`raised_at` (same clock, same machine).

Beside them, the same machine's limits in the same run: the positions a phase stored written
again by plain SQL into a copy of the table (one COPY for the batch phase, one INSERT per
transaction for the one-by-one phases), and the same number of MQTT messages published with no
subscriber processing them. Peak memory: the gunicorn workers (sampled) and each `telemetry-mqtt`
process (its VmHWM).

Prints the figures and writes bench/results/telemetry-<time>.json (or `--out`). Load generator,
broker, database and haiquan share the machine: the figures are what one box does serving and
loading itself. `--base URL` uses a server already running on a prepared database (as
bench/run_all.py does, registered as `telemetry`) instead of preparing one and starting gunicorn.
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

from bench.common import (  # noqa: E402
    machine,
    peak_rss_mb,
    percentile,
    postgres_url,
    prepare_database,
    wait_http,
)

TARGET = {"positions_per_s": 10_000, "alert_p99_ms": 1000}
# bench/run_all.py's scales: seals in transit, seconds a phase, MQTT flood messages, steady rate,
# door alarms a second (each seal's door opens once: the alarms must last the phases).
SCALES = {
    "quick": {"seals": 200, "seconds": 5, "mqtt_messages": 10_000, "latency_rate": 500,
              "alarms": 5},
    "standard": {"seals": 1000, "seconds": 20, "mqtt_messages": 100_000, "latency_rate": 1000,
                 "alarms": 5},
    "long": {"seals": 1000, "seconds": 60, "mqtt_messages": 300_000, "latency_rate": 1000,
             "alarms": 3},
}  # fmt: skip


def django_env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.local",
        "HAIQUAN_CONN_MAX_AGE": "600",
        # Every device posts from 127.0.0.1 here: the per-address API limit would measure itself.
        "HAIQUAN_API_ADDRESS_RATE_PER_SECOND": "0",
    }


def setup(env: dict[str, str], seals: int, span_s: int) -> dict[str, Any]:
    """Movements departed `span_s` seconds ago; a platform operator with a token."""
    code = f"""
import json
from datetime import timedelta
from django.utils import timezone
from haiquan.accounts.services import token_create, user_create
from haiquan.transit.scenario import GATE_OPERATOR, movements_create, places_ensure
leader = user_create(username='bench.leader', password=None, role='leader', office_codes=['00'])
places_ensure(actor=leader)
depart = timezone.now() - timedelta(seconds={span_s})
keys = {{}}
ms = movements_create(actor=leader, count={seals}, depart_at=depart, time_limit_minutes=24 * 60,
                      keys=keys, owner_mst=GATE_OPERATOR[0])
platform = user_create(username='bench.platform', password=None, role='operator', employer_mst=GATE_OPERATOR[0])
print(json.dumps([[m.containers.get().seal.device_id, keys[m.containers.get().seal.device_id]] for m in ms]))
print(token_create(user=platform, name='bench', scopes=['telemetry'],
                   expires_at=timezone.now() + timedelta(days=7))[1])
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
    return {"seals": json.loads(lines[-3]), "token": lines[-2], "depart": int(lines[-1])}


class Positions:
    """Each seal's positions, one per second of device time along its route, from its
    departure; handed out in order, across the phases, each signed by its seal's key. The
    counter of round k is 2k + 2, and a door alarm sent during round k takes 2k + 3, so that
    counters grow with device time whatever order the phases send them in."""

    def __init__(self, seals: list[list[str]], depart: int, steps: int) -> None:
        django_setup()
        from haiquan.transit import devicekeys
        from haiquan.transit.scenario import ROUTES
        from haiquan.transit.simulator import trip_messages

        self.signed = devicekeys.signed
        self.devices = [device for device, _key in seals]
        self.keys: dict[str, str] = dict(seals)  # type: ignore[arg-type]

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
        self.origin_of = {n: origins[n % len(origins)] for n in range(1, len(seals) + 1)}
        self.seals = len(seals)
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
            device = self.devices[n - 1]
            message = {"id": device, "timestamp": ts, "lat": lat, "lon": lon,
                       "speed": "27.0", "bearing": bearing, "batt": "88"}  # fmt: skip
            out.append(self.signed(self.keys[device], message, 2 * k + 2))
        return out

    def alarm(self, round_: int | None = None) -> dict[str, str] | None:
        """A door alarm from a seal not yet opened, stamped with the send time, during the
        round being sent (the last one handed out, unless given)."""
        with self.lock:
            n = next((n for n in range(1, self.seals + 1) if n not in self.opened), None)
            if n is None:
                return None
            self.opened.add(n)
            k = max(self.step - 1, 0) if round_ is None else round_
        lat, lon, _b = self.tracks[self.origin_of[n]][k]
        device = self.devices[n - 1]
        message = {"id": device, "timestamp": str(self.depart + 5 + k) + ".5", "lat": lat,
                   "lon": lon, "alarm": "door", "sent_at": f"{time.time():.6f}"}  # fmt: skip
        return self.signed(self.keys[device], message, 2 * k + 3)


def django_setup() -> None:
    import django

    if not getattr(django_setup, "done", False):
        django.setup()
        django_setup.done = True  # type: ignore[attr-defined]


def stored_count(db_url: str) -> int:
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://")) as conn:
        row = conn.execute("SELECT count(*) FROM transit_position").fetchone()
        return int(row[0]) if row else 0


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


def last_position_id(db_url: str) -> int:
    import psycopg

    with psycopg.connect(db_url.replace("postgres://", "postgresql://")) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM transit_position").fetchone()
        return int(row[0]) if row else 0


def sql_baselines(db_url: str, after_id: int, upto_id: int, one_by_one: bool) -> dict[str, Any]:
    """The positions stored with ids in (after_id, upto_id] written again by plain SQL into an
    empty copy of the table (same columns, defaults and indexes): one COPY, and with
    `one_by_one` one INSERT per transaction, position by position — what PostgreSQL alone does
    with the same rows."""
    import psycopg
    from psycopg.types.string import TextLoader

    url = db_url.replace("postgres://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.adapters.register_loader("jsonb", TextLoader)  # JSON goes back in as its text
        cur = conn.execute(
            "SELECT * FROM transit_position WHERE id > %s AND id <= %s ORDER BY id",
            (after_id, upto_id),
        )
        cols = ", ".join(f'"{d.name}"' for d in cur.description or [])
        rows = cur.fetchall()
        if not rows:
            return {"rows": 0}

        def fresh() -> None:
            conn.execute("DROP TABLE IF EXISTS baseline_transit_position")
            conn.execute(
                "CREATE TABLE baseline_transit_position "
                "(LIKE transit_position INCLUDING DEFAULTS INCLUDING INDEXES)"
            )

        fresh()
        t0 = time.perf_counter()
        copy_sql = f"COPY baseline_transit_position ({cols}) FROM STDIN"
        with conn.transaction(), conn.cursor() as c, c.copy(copy_sql) as copy:
            for r in rows:
                copy.write_row(r)
        copy_s = time.perf_counter() - t0
        out: dict[str, Any] = {"rows": len(rows), "copy_per_s": round(len(rows) / copy_s, 1)}
        if not one_by_one:
            conn.execute("DROP TABLE baseline_transit_position")
            return out
        fresh()
        marks = ", ".join(["%s"] * len(rows[0]))
        insert = f"INSERT INTO baseline_transit_position ({cols}) VALUES ({marks})"
        one: list[float] = []
        t0 = time.perf_counter()
        for r in rows:
            t = time.perf_counter()
            conn.execute(insert, r)  # autocommit: a transaction each
            one.append(time.perf_counter() - t)
        insert_s = time.perf_counter() - t0
        conn.execute("DROP TABLE baseline_transit_position")
    return {
        **out,
        "insert_per_s": round(len(rows) / insert_s, 1),
        "insert_p50_ms": round(percentile(one, 50) * 1000, 2),
        "insert_p99_ms": round(percentile(one, 99) * 1000, 2),
    }


def _mqtt_payloads(gen: Positions, prefix: str, messages: int) -> list[tuple[str, bytes]]:
    """At least `messages` (topic, payload) pairs of the next rounds of positions, prepared
    before the clock starts, under `<prefix>/eseal/<id>/position`."""
    from haiquan.transit.osmand import mqtt_payload

    payloads: list[tuple[str, bytes]] = []
    while len(payloads) < messages:
        payloads.extend(
            (f"{prefix}/eseal/{m['id']}/position", mqtt_payload(m)) for m in gen.next_round()
        )
    return payloads


def mqtt_publish_only(
    env: dict[str, str], gen: Positions, messages: int, publishers: int
) -> dict[str, Any]:
    """The broker and the flood's publishers alone (bench/mqtt_flood.py): the same kind of
    messages at QoS 1 to a topic nobody subscribes to, as fast as they go."""
    django_setup()
    from bench.mqtt_flood import Flood
    from haiquan.transit.mqtt import broker_address

    url = env.get("HAIQUAN_MQTT_URL", "mqtt://127.0.0.1:1883")
    payloads = _mqtt_payloads(gen, f"haiquan-bench-{os.getpid()}-nobody", messages)
    flood = Flood(broker_address(url), payloads, publishers)
    start = time.perf_counter()
    flood.start()
    flood.wait()
    elapsed = time.perf_counter() - start
    return {
        "published": len(payloads),
        "publishers": publishers,
        "publish_per_s": round(len(payloads) / elapsed, 1),
    }


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
    publishers: int = 2,
) -> dict:
    """Publish `messages` positions (prepared beforehand), at `rate` a second by one paho
    client, or with no rate as fast as `publishers` flood processes go (bench/mqtt_flood.py:
    one paho client was the limit, about 4,000/s); door alarms are mixed in at `alarms` a
    second by the paho client, stamped when sent. `subscribers` processes of `haiquan
    telemetry-mqtt` share the subscription."""
    django_setup()
    from bench.mqtt_flood import Flood
    from haiquan.transit.mqtt import broker_address, mqtt_client
    from haiquan.transit.osmand import mqtt_payload

    url = env.get("HAIQUAN_MQTT_URL", "mqtt://127.0.0.1:1883")
    topic = f"haiquan-bench-{os.getpid()}/eseal/+/position"
    first_round = gen.step
    payloads = _mqtt_payloads(gen, f"haiquan-bench-{os.getpid()}", messages)
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
    flood = None if rate else Flood(broker_address(url), payloads, publishers)
    client = mqtt_client(url=url, max_inflight=5000)
    client.loop_start()
    published = 0
    alarm_sent = time.time()
    start = time.perf_counter()
    next_alarm = start
    infos = []
    try:
        if flood is not None:
            flood.start()
            published = flood.count
            while flood.running():
                # During the round being published (each publisher sends its seals' rounds
                # in order, so the messages written tell the round).
                a = gen.alarm(first_round + flood.written() // gen.seals) if alarms else None
                if a:
                    infos.append(
                        client.publish(topic.replace("+", a["id"]), mqtt_payload(a), qos=1)
                    )
                    published += 1
                time.sleep(1 / alarms if alarms else 0.1)
            flood.wait()
        for t, payload in payloads if flood is None else ():
            infos.append(client.publish(t, payload, qos=1))
            published += 1
            if rate:
                ahead = published / rate - (time.perf_counter() - start)
                if ahead > 0:
                    time.sleep(ahead)
            if alarms and time.perf_counter() >= next_alarm:
                # During the round being published (its payloads were prepared beforehand).
                a = gen.alarm(first_round + (published - 1) // gen.seals)
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
        peaks = [peak_rss_mb(p.pid) or 0.0 for p in procs]
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
        "subscriber_peak_rss_mb": max(peaks),
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


def main(argv: list[str] | None = None) -> None:
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
    ap.add_argument(
        "--mqtt-publishers", type=int, default=2,
        help="flood publisher processes (bench/mqtt_flood.py)",
    )  # fmt: skip
    ap.add_argument("--mqtt-qos", type=int, choices=[0, 1], default=1, help="subscription QoS")
    ap.add_argument(
        "--latency-rate",
        type=float,
        default=1000,
        help="Positions a second during the latency phase (below capacity: latency, not backlog).",
    )
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument(
        "--base",
        default="",
        help="URL of a haiquan already serving --database-url (prepared, not prepared again)",
    )
    ap.add_argument("--database-url", default=postgres_url("haiquan_bench_telemetry"))
    ap.add_argument("--out", type=Path, help="results JSON (default bench/results/telemetry-*)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["osmand", "batch", "mqtt", "latency"])
    args = ap.parse_args(argv)

    db_url = args.database_url
    env = django_env(db_url)
    os.environ.update(
        {k: v for k, v in env.items() if k.startswith(("DATABASE", "DJANGO", "HAIQUAN"))}
    )
    t0 = time.perf_counter()
    if not args.base:
        prepare_database(env)
    span = 3600  # device seconds available to the phases
    info = setup(env, args.seals, span)
    setup_s = time.perf_counter() - t0
    gen = Positions(info["seals"], info["depart"], steps=span - 60)

    def phase(name: str, run: Any, one_by_one: bool) -> None:
        before = last_position_id(db_url)
        results[name] = run()
        results[name]["baseline"] = sql_baselines(
            db_url, before, last_position_id(db_url), one_by_one
        )
        print(name, json.dumps(results[name]), flush=True)

    results: dict[str, Any] = {}
    server = sampler = None
    if args.base:
        base = args.base
    else:
        from bench.run_all import RssSampler

        base = f"http://127.0.0.1:{args.port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "haiquan.config.wsgi:application", "--bind",
             f"127.0.0.1:{args.port}", "--workers", str(args.workers), "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
    try:
        wait_http(base + "/api/v1/openapi.json")
        if server is not None:
            sampler = RssSampler(server.pid)
        if "osmand" not in args.skip:
            phase(
                "http_osmand",
                lambda: asyncio.run(
                    http_osmand(base, gen, args.seconds, args.concurrency, args.alarms_per_second)
                ),
                one_by_one=True,
            )
        if "latency" not in args.skip:
            # The alert is in the answer: its latency is the request's, at a load below capacity.
            phase(
                "http_osmand_latency",
                lambda: asyncio.run(
                    http_osmand(base, gen, args.seconds / 2, 2, args.alarms_per_second)
                ),
                one_by_one=True,
            )
        if "batch" not in args.skip:
            phase(
                "http_batch",
                lambda: asyncio.run(
                    http_batches(
                        base, info["token"], gen, args.seconds, args.batch_concurrency, args.batch
                    )
                ),
                one_by_one=False,  # a transaction per position would take minutes
            )
    finally:
        if sampler is not None:
            sampler.stop()
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    if "mqtt" not in args.skip:
        results["mqtt"] = mqtt_phase(
            env, db_url, gen, args.mqtt_messages, args.mqtt_subscribers, args.alarms_per_second,
            qos=args.mqtt_qos, publishers=args.mqtt_publishers,
        )  # fmt: skip
        results["mqtt"]["baseline"] = mqtt_publish_only(
            env, gen, args.mqtt_messages, args.mqtt_publishers
        )
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
        "gunicorn_workers": args.workers if server is not None else None,
        "workers_peak_rss_mb": sampler.peak() if sampler is not None else None,
        "target": TARGET,
        "machine": machine(),
        "python": platform.python_version(),
        **results,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = args.out or out / f"telemetry-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    print(f"\nwritten to {path}")
    for name, r in results.items():
        lat = r.get("alert_latency", {})
        print(
            f"{name:12} {r['positions_per_s']:>9.0f} positions/s "
            f"({r['positions_per_s'] / TARGET['positions_per_s']:.0%} of 10,000/s)"
            + (f"; alert latency p99 {lat['p99_ms']} ms (n={lat['n']})" if lat.get("n") else "")
        )


def _register() -> None:
    from bench.common import run_json
    from bench.run_all import Context, Result, _gap, benchmark

    @benchmark("telemetry")
    def bench_telemetry(ctx: Context) -> list[Result]:
        """E-seal positions over HTTP (batches; one by one with alarms) to the run's server, and
        over MQTT to `telemetry-mqtt` processes, each beside plain SQL or the bare broker."""
        s = SCALES[ctx.scale_name]
        base = ctx.server()
        start = time.time()
        r = run_json(
            "telemetry.py",
            ["--base", base, "--database-url", ctx.db_url, "--seals", str(s["seals"]),
             "--seconds", str(s["seconds"]), "--mqtt-messages", str(s["mqtt_messages"]),
             "--latency-rate", str(s["latency_rate"]), "--alarms-per-second", str(s["alarms"]),
             "--skip", "osmand"],
            ctx.env,
        )  # fmt: skip
        workers = ctx.rss.peak(since=start) if ctx.rss else None
        rows = []
        b = r["http_batch"]
        ok, gap = _gap(b["positions_per_s"], TARGET["positions_per_s"], True)
        copy = b["baseline"].get("copy_per_s")
        rows.append(
            Result(
                benchmark=f"telemetry: HTTP batches of {b['batch']} positions, alerts evaluated",
                throughput=b["positions_per_s"],
                p50_ms=b["request_p50_ms"],
                p99_ms=b["request_p99_ms"],
                peak_rss_mb=workers,
                target=f">= {TARGET['positions_per_s']:,} positions/s",
                meets_target=ok,
                target_gap=gap,
                baseline="the same positions by one COPY",
                baseline_figure=f"{copy:,.0f}/s" if copy else "",
                ratio=round(b["positions_per_s"] / copy, 3) if copy else None,
                notes=f"{r['seals_in_transit']} seals, {ctx.workers} workers; p50/p99 per request",
            )
        )
        h = r["http_osmand_latency"]
        lat = h["alert_latency"]
        one = h["baseline"]
        ok, gap = _gap(lat.get("p99_ms", float("inf")), TARGET["alert_p99_ms"], False)
        rows.append(
            Result(
                benchmark="telemetry: alert latency, OsmAnd one position a request, 2 clients",
                throughput=h["positions_per_s"],
                p50_ms=lat.get("p50_ms"),
                p99_ms=lat.get("p99_ms"),
                peak_rss_mb=workers,
                target=f"alert p99 < {TARGET['alert_p99_ms']:,} ms",
                meets_target=ok and lat.get("n", 0) > 0,
                target_gap=gap,
                baseline="the same positions, one INSERT a transaction (p99)",
                baseline_figure=f"{one.get('insert_p99_ms')} ms; {one.get('insert_per_s')}/s",
                ratio=round(one["insert_p99_ms"] / lat["p99_ms"], 3) if lat.get("n") else None,
                notes=f"{lat.get('n', 0)} door alarms; alert is in the answer",
            )
        )
        for key, label in (("mqtt", "flood"), ("mqtt_latency", "steady")):
            m = r[key]
            lat = m["alert_latency"]
            ok, gap = _gap(m["positions_per_s"], TARGET["positions_per_s"], True)
            ok99, gap99 = _gap(lat.get("p99_ms", float("inf")), TARGET["alert_p99_ms"], False)
            pub = (m.get("baseline") or r["mqtt"]["baseline"])["publish_per_s"]
            steady = key == "mqtt_latency"
            rows.append(
                Result(
                    benchmark=f"telemetry: MQTT {label}, {m['subscribers']} telemetry-mqtt "
                    "processes, alerts evaluated",
                    throughput=m["positions_per_s"],
                    p50_ms=lat.get("p50_ms"),
                    p99_ms=lat.get("p99_ms"),
                    peak_rss_mb=m["subscriber_peak_rss_mb"],
                    target=f"alert p99 < {TARGET['alert_p99_ms']:,} ms"
                    if steady
                    else f">= {TARGET['positions_per_s']:,}/s, alert p99 < 1 s",
                    meets_target=ok99 if steady else ok and ok99,
                    target_gap=" ".join(
                        g
                        for g in (
                            not steady and gap and f"throughput {gap}",
                            gap99 and f"p99 {gap99}",
                        )
                        if g
                    ),
                    baseline="the same messages published, nobody processing",
                    baseline_figure=f"{pub:,.0f}/s",
                    ratio=round(m["positions_per_s"] / pub, 3) if pub else None,
                    notes=f"{m['positions']:,} of {m['published']:,} stored; "
                    f"{lat.get('n', 0)} door alarms; p50/p99 = alert latency"
                    + (f"; published at {m['publish_per_s']:,.0f}/s" if steady else ""),
                )
            )
        return rows


if __name__ == "__main__":
    main()
else:
    _register()
