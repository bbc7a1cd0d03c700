"""Logs: one JSON object a line, every line written while a request is answered carrying that
request's id (returned in X-Request-ID), production settings logging so by default."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest

from haiquan.ops.logs import JsonFormatter, RequestIdFilter, request_id_bound

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():  # type: ignore[no-untyped-def]
    """What the console handler of production would write, captured: the same filter and
    formatter on the root logger, and the access log switched on."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root, access = logging.getLogger(), logging.getLogger("haiquan.request")
    root.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        access.setLevel(level)


def test_a_log_line_is_one_json_object_with_the_request_id():
    record = logging.LogRecord(
        "haiquan.clearance", logging.WARNING, __file__, 1, "Tờ khai %s bị giữ", ("105",), None
    )
    with request_id_bound("req-7"):
        RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "Tờ khai 105 bị giữ"
    assert (data["level"], data["logger"], data["request_id"]) == (
        "WARNING",
        "haiquan.clearance",
        "req-7",
    )
    assert data["time"].endswith("+00:00") and data["time"][10] == "T"  # ISO 8601, UTC
    assert list(data)[:3] == ["time", "level", "logger"]


def test_an_error_s_traceback_stays_inside_its_one_line():
    try:
        raise ValueError("bad rate")
    except ValueError:
        record = logging.LogRecord(
            "haiquan", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: bad rate" in json.loads(line)["exc_info"]


def test_every_line_of_a_request_carries_its_id_and_the_response_returns_it(client, log_lines):
    resp = client.get("/no/such/page/", HTTP_X_REQUEST_ID="lb-4f2a9c")
    assert resp.status_code == 404
    assert resp["X-Request-ID"] == "lb-4f2a9c"
    lines = log_lines()
    loggers = {line["logger"] for line in lines}
    assert {"django.request", "haiquan.request"} <= loggers
    assert {line.get("request_id") for line in lines} == {"lb-4f2a9c"}
    (access,) = [line for line in lines if line["logger"] == "haiquan.request"]
    assert (access["method"], access["route"], access["status"]) == ("GET", "unmatched", 404)
    assert access["path"] == "/no/such/page/" and access["duration_ms"] >= 0


def test_a_request_without_a_sane_id_is_given_a_new_one(client):
    ids = set()
    for given in (None, "", "two words", "x" * 200, 'quote"d', "line\nbreak"):
        headers = {} if given is None else {"HTTP_X_REQUEST_ID": given}
        got = client.get("/health/live", **headers)["X-Request-ID"]
        assert got != given and len(got) == 32 and int(got, 16) >= 0
        ids.add(got)
    assert len(ids) == 6  # a new one each time


def test_lines_written_after_a_request_carry_no_id(client, log_lines):
    client.get("/health/live", HTTP_X_REQUEST_ID="lb-1")
    logging.getLogger("haiquan.test").warning("after it")
    line = log_lines()[-1]
    assert line["message"] == "after it" and "request_id" not in line


def _logging_of(settings_module: str) -> tuple[str, str]:
    code = (
        "import importlib, os; "
        f"s = importlib.import_module({settings_module!r}); "
        "print(s.LOGGING['handlers']['console']['formatter'], "
        "s.LOGGING['loggers']['haiquan.request']['level'])"
    )
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HAIQUAN_LOG", "HAIQUAN_ACCESS"))
    }
    env.update(
        HAIQUAN_SECRET_KEY="k" * 20 + "9f83b1c2d4e5a6978b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8",
        HAIQUAN_ALLOWED_HOSTS="haiquan.customs.gov.vn",
        DATABASE_URL="postgres://haiquan@db.internal:5432/haiquan",
        HAIQUAN_REDIS_URL="redis://redis.internal:6379/0",
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], out[1]


def test_production_logs_json_with_a_line_per_request_and_a_workstation_text():
    assert _logging_of("haiquan.config.settings.production") == ("json", "INFO")
    assert _logging_of("haiquan.config.settings.local") == ("text", "WARNING")
