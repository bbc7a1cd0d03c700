"""`haiquan serve` as production runs it: gunicorn with two workers answers the probes, adds up
the workers' request counts at /metrics, and writes its logs, gunicorn's own lines included,
one JSON object a line with each request's id.

PostgreSQL only (the server's workers connect to the test database)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def _live_count(exposition: bytes) -> float:
    """Requests to /health/live answered 200, all workers together."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition.decode())
        for sample in family.samples
        if sample.name == "haiquan_http_requests_total"
        and sample.labels == {"route": "ops:health_live", "method": "GET", "status": "200"}
    )


def test_the_production_server_is_watched_like_any_service(tmp_path: Path):
    if connection.vendor != "postgresql":
        pytest.skip("the server's workers need a database they can share: PostgreSQL")
    s = connection.settings_dict
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.test",
        "DATABASE_URL": f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@"
        f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "HAIQUAN_LOG_FORMAT": "json",
        "HAIQUAN_ACCESS_LOG": "1",
    }
    (tmp_path / "prometheus").mkdir()
    (tmp_path / "prometheus" / "counter_99999.db").write_bytes(b"left by an earlier server")
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "haiquan.config.cli", "serve", "--bind", f"127.0.0.1:{port}",
         "--workers", "2"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    scraper = {"Authorization": "Bearer test-metrics-token"}
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if _get(f"{base}/health/live")[0] == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
        before = _live_count(_get(f"{base}/metrics", scraper)[2])
        for i in range(30):
            status, headers, body = _get(f"{base}/health/live", {"X-Request-ID": f"probe-{i}"})
            assert (status, headers["X-Request-ID"], json.loads(body)) == (
                200,
                f"probe-{i}",
                {"status": "pass"},
            )
        status, _headers, body = _get(f"{base}/metrics", scraper)
        assert status == 200
        # Every probe, whichever of the two workers answered it; nothing from the earlier
        # server (its file was removed at the start).
        assert before >= 1 and _live_count(body) == before + 30
        assert not (tmp_path / "prometheus" / "counter_99999.db").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
        log.close()
    lines = (tmp_path / "server.log").read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(
        r["logger"] == "gunicorn.error" and "Booting worker" in r["message"] for r in records
    )
    access = [r for r in records if r["logger"] == "haiquan.request"]
    assert {r["request_id"] for r in access} >= {f"probe-{i}" for i in range(30)}
    assert all(r["route"] == "ops:health_live" or r["route"] == "ops:metrics" for r in access)
