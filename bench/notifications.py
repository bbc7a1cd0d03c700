"""Benchmark: notifications (issue 22). One worker delivering webhooks to a local receiver, and
the time from an event to its delivery under a submission load.

    .venv/bin/python bench/notifications.py [--deliveries 2000] [--declarations 300]
                                            [--writers 4] [--out results.json]

1. Throughput: `--deliveries` notifications sent through `notification_send` (a portal row, an
   e-mail and a webhook delivery each) are delivered by one worker (`work_once` rounds in this
   process) to a local HTTP receiver (http.server, verifying every signature) and a local SMTP
   server (aiosmtpd). Reported: webhook calls and e-mails per second, and the worker's CPU time
   per delivery (process time: it survives a shared machine's contention).
   Baseline: the same number of signed POSTs to the same receiver by a bare urllib loop (the
   machine's limit for one sender over HTTP/1.1 without keep-alive, as the worker sends).
2. Latency: `--writers` threads register `--declarations` declarations through the clearance
   service (validation, duties, lane: each writes its events), while a `haiquan
   notifications-worker` process (idle poll 50 ms) delivers their "lane decided" webhooks.
   Reported: p50/p99 from the event's time to its arrival at the receiver.

Its own scratch PostgreSQL database (`hq_notify_bench`, or `--database`), migrated first.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, percentile  # noqa: E402


def _setup(database: str) -> None:
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            f"DROP DATABASE IF EXISTS {database}",
        ],
        check=True,
    )
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            f"CREATE DATABASE {database}",
        ],
        check=True,
    )
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "haiquan.config.settings.local"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_refdata", verbosity=0)


def _world() -> tuple[Any, Any]:
    from decimal import Decimal

    from django.utils import timezone

    from haiquan.accounts.services import user_create
    from haiquan.refdata.services import exchange_rate_set
    from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst

    today = timezone.localdate()
    for d in (today - timezone.timedelta(days=1), today, today + timezone.timedelta(days=1)):
        exchange_rate_set(currency="USD", day=d, rate_vnd=Decimal("25000"), source="bench")
    enterprise = EnterpriseFactory(mst=valid_mst(1), name="Công ty TNHH Hoàng Long")
    declarant = user_create(
        username="dn.bench",
        password="pw-bench-2026!",
        role="declarant",
        enterprise_msts=[enterprise.mst],
    )
    declarant.email, declarant.language = "dn@bench.vn", "vi"
    declarant.save()
    return enterprise, declarant


def throughput(n: int, enterprise: Any, declarant: Any) -> dict[str, Any]:
    from django.db import transaction
    from django.test import override_settings

    from haiquan.eventlog import kinds
    from haiquan.notifications.delivery import emails_send_due, webhooks_send_due
    from haiquan.notifications.models import EmailDelivery, WebhookDelivery, WebhookEndpoint
    from haiquan.notifications.services import Text, endpoint_register, notification_send
    from haiquan.notifications.tests.servers import MailServer, Receiver

    receiver = Receiver().start()
    smtp = MailServer().start()
    endpoint, secret = endpoint_register(
        actor=declarant, enterprise_mst=enterprise.mst, url=receiver.url
    )
    receiver.secret = secret
    with transaction.atomic():
        for i in range(n):
            notification_send(
                kind=kinds.INQUIRY_ANSWERED.code,
                users=[declarant],
                title=Text("Customs answered your inquiry %(ref)s", {"ref": f"VM-{i:05d}"}),
                enterprises=[enterprise],
                subject_type="inquiry",
                subject_id=i % 50,
                reference=f"VM-{i:05d}",
            )
    out: dict[str, Any] = {}
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp.port,
    ):
        for name, step, model in (
            ("webhooks", webhooks_send_due, WebhookDelivery),
            ("emails", emails_send_due, EmailDelivery),
        ):
            wall, cpu = time.perf_counter(), time.process_time()
            while model.objects.filter(state="pending").exists():
                step(limit=200)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            out[name] = {"n": n, "per_s": n / wall, "cpu_ms_per": cpu * 1000 / n, "wall_s": wall}
    assert receiver.bad_signatures == 0 and len(receiver.applied) == n
    assert len(smtp.messages) == n

    # Baseline: the same number of signed POSTs by a bare loop, nothing read or written.
    body = b'{"id":"x","kind":"inquiry.answered"}'
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        request = urllib.request.Request(
            receiver.url.replace("/hooks/", "/plain/"),
            data=body,
            method="POST",
            headers={"X-Haiquan-Delivery": "x", "Content-Type": "application/json"},
        )
        # The receiver answers 401 (no signature): still a full round trip.
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=5).read()
    wall = time.perf_counter() - wall
    out["baseline_posts_per_s"] = n / wall
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
    receiver.stop()
    smtp.stop()
    return out


def latency(declarations: int, writers: int, enterprise: Any, declarant: Any) -> dict[str, Any]:
    from django.db import close_old_connections
    from django.utils.dateparse import parse_datetime

    from haiquan.clearance import services as clearance
    from haiquan.clearance.tests.conftest import declaration_input
    from haiquan.eventlog import kinds
    from haiquan.notifications.dispatch import dispatch_once
    from haiquan.notifications.services import endpoint_register
    from haiquan.notifications.tests.servers import Receiver

    receiver = Receiver().start()
    endpoint_register(
        actor=declarant,
        enterprise_mst=enterprise.mst,
        url=receiver.url,
        kinds=[kinds.DECLARATION_LANE_DECIDED.code],
    )
    dispatch_once()  # the cursor at the end of the log: only this load is told
    env = {**os.environ, "HAIQUAN_LOG_LEVEL": "ERROR"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "haiquan.config.cli", "notifications-worker", "--idle", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    # The worker is up once it has moved its cursor's clock (each round saves it).
    from haiquan.notifications.models import DispatchCursor

    launched = DispatchCursor.objects.get().updated_at
    # Its start-up is not measured: on a loaded machine importing Django alone can take a
    # minute. A worker that never starts is stopped, not left behind.
    deadline = time.monotonic() + 300
    while DispatchCursor.objects.get().updated_at == launched:
        if time.monotonic() > deadline or worker.poll() is not None:
            worker.kill()
            worker.wait(timeout=10)
            receiver.stop()
            raise RuntimeError("the notifications worker did not start within 300 s")
        time.sleep(0.1)
    done = threading.Barrier(writers + 1)
    per_writer = declarations // writers

    def write(k: int) -> None:
        for i in range(per_writer):
            clearance.declaration_register(
                actor=declarant,
                data=declaration_input(
                    enterprise.mst, invoice_number=f"BENCH-{k}-{i}", containers=()
                ),
            )
        close_old_connections()
        done.wait()

    started = time.perf_counter()
    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    done.wait()
    load_s = time.perf_counter() - started
    expected = per_writer * writers
    deadline = time.monotonic() + 120
    while len(receiver.applied) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.terminate()
    worker.wait(timeout=10)
    lags: list[float] = []
    for doc, arrived in receiver_arrivals(receiver):
        occurred = parse_datetime(doc["occurred_at"])
        assert occurred is not None
        lags.append((arrived - occurred.timestamp()) * 1000)
    receiver.stop()
    return {
        "declarations": expected,
        "delivered": len(receiver.applied),
        "load_s": load_s,
        "submissions_per_s": expected / load_s,
        "p50_ms": percentile(lags, 50),
        "p99_ms": percentile(lags, 99),
    }


def receiver_arrivals(receiver: Any) -> list[tuple[dict[str, Any], float]]:
    return [(doc, doc["_arrived"]) for doc in receiver.applied]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--declarations", type=int, default=300)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--database", default="hq_notify_bench")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    _setup(args.database)
    enterprise, declarant = _world()
    results = {
        "machine": machine(),
        "throughput": throughput(args.deliveries, enterprise, declarant),
        "latency": latency(args.declarations, args.writers, enterprise, declarant),
    }
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text)


def _register() -> None:
    from bench.common import run_json
    from bench.run_all import Context, Result, benchmark

    @benchmark("notifications")
    def bench_notifications(ctx: Context) -> list[Result]:
        """Webhooks and e-mails delivered per second by one worker; event to delivery under a
        submission load."""
        n = 500 if ctx.scale_name == "quick" else 3000
        decl = 120 if ctx.scale_name == "quick" else 600
        r = run_json(
            "notifications.py", ["--deliveries", str(n), "--declarations", str(decl)], ctx.env
        )
        t, lat = r["throughput"], r["latency"]
        return [
            Result(
                benchmark="notifications: webhooks by one worker",
                throughput=round(t["webhooks"]["per_s"], 1),
                baseline="bare signed POSTs to the same receiver",
                baseline_figure=f"{t['baseline_posts_per_s']:.0f}/s",
                ratio=round(t["webhooks"]["per_s"] / t["baseline_posts_per_s"], 2),
                notes=f"{t['webhooks']['cpu_ms_per']:.1f} ms CPU per delivery; {n:,} deliveries",
            ),
            Result(
                benchmark="notifications: e-mails by one worker (SMTP)",
                throughput=round(t["emails"]["per_s"], 1),
                notes=f"{t['emails']['cpu_ms_per']:.1f} ms CPU per e-mail",
            ),
            Result(
                benchmark="notifications: event to webhook under submission load",
                throughput=round(lat["submissions_per_s"], 1),
                p50_ms=round(lat["p50_ms"]),
                p99_ms=round(lat["p99_ms"]),
                notes=f"{lat['declarations']} declarations by 4 writers; worker polls every 50 ms",
            ),
        ]


if __name__ == "__main__":
    main()
else:
    _register()
