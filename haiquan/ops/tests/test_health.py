"""Liveness and readiness as load balancers and Kubernetes probes read them: the status code
(200 or 503) and a small application/health+json body naming the failed check."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from haiquan.ops import health
from haiquan.ops.models import JobState
from haiquan.ops.registry import jobs
from haiquan.transit.tests.test_mqtt import broker_reachable

pytestmark = pytest.mark.django_db


def _all_fresh(now=None):  # type: ignore[no-untyped-def]
    now = now or timezone.now()
    for name in jobs():
        JobState.objects.update_or_create(
            name=name, defaults={"registered_at": now - timedelta(days=30), "last_success_at": now}
        )


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        resp = client.get("/health/live")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/health+json"
    assert resp.json() == {"status": "pass"}
    assert "no-store" in resp["Cache-Control"]
    assert not resp.cookies


def test_readiness_passes_with_the_database_and_fresh_jobs(client, django_assert_max_num_queries):
    _all_fresh()
    with django_assert_max_num_queries(2):  # SELECT 1, and the few job rows
        resp = client.get("/health/ready")
    assert resp.status_code == 200, resp.content
    assert resp["Content-Type"] == "application/health+json"
    assert resp.json() == {
        "status": "pass",
        "checks": {"database": {"status": "pass"}, "jobs": {"status": "pass"}},
    }


def test_a_late_job_makes_the_system_not_ready_and_is_named(client):
    _all_fresh()
    JobState.objects.filter(name="stats-refresh").update(
        last_success_at=timezone.now() - timedelta(minutes=31)
    )
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    assert resp.json() == {
        "status": "fail",
        "checks": {
            "database": {"status": "pass"},
            "jobs": {"status": "fail", "output": "late: stats-refresh"},
        },
    }


def test_jobs_no_scheduler_has_planned_are_late(client):
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    output = resp.json()["checks"]["jobs"]["output"]
    assert output == "late: " + ", ".join(jobs())


def test_a_job_never_run_counts_from_when_a_scheduler_first_planned_it():
    now = timezone.now()
    _all_fresh(now)
    JobState.objects.filter(name="transit-watch").update(
        last_success_at=None, registered_at=now - timedelta(minutes=5)
    )
    assert health.jobs_late(now=now) == []
    JobState.objects.filter(name="transit-watch").update(registered_at=now - timedelta(minutes=11))
    assert health.jobs_late(now=now) == ["transit-watch"]


def test_readiness_can_leave_the_jobs_out(client, settings):
    settings.HAIQUAN_OPS = {**settings.HAIQUAN_OPS, "READY_JOBS": False}
    resp = client.get("/health/ready")
    assert resp.status_code == 200
    assert resp.json() == {"status": "pass", "checks": {"database": {"status": "pass"}}}


def test_a_database_that_does_not_answer_fails_readiness_without_saying_where_it_is(
    client, monkeypatch
):
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError(
            'connection to server at "10.9.8.7", port 5432 failed: '
            'password authentication failed for user "haiquan"'
        )

    monkeypatch.setattr(health.connection, "cursor", refuse)
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    assert resp.json()["checks"] == {
        "database": {"status": "fail", "output": "unreachable"},
        "jobs": {"status": "fail", "output": "not checked: no database"},
    }
    assert b"10.9.8.7" not in resp.content and b"password" not in resp.content


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_readiness_checks_the_mqtt_broker_when_telemetry_comes_through_one(client, settings):
    _all_fresh()
    settings.HAIQUAN_OPS = {**settings.HAIQUAN_OPS, "READY_MQTT": True}
    settings.HAIQUAN = {
        **settings.HAIQUAN,
        "MQTT_URL": f"mqtt://telemetry:s3cret@127.0.0.1:{_closed_port()}",
    }
    resp = client.get("/health/ready")
    assert resp.status_code == 503
    assert resp.json()["checks"]["mqtt"] == {"status": "fail", "output": "unreachable"}
    assert b"s3cret" not in resp.content and b"127.0.0.1" not in resp.content

    url = os.environ.get("HAIQUAN_MQTT_URL", "mqtt://127.0.0.1:1883")
    if not broker_reachable(url):
        if os.environ.get("HAIQUAN_REQUIRE_MQTT") == "1":
            pytest.fail(f"no MQTT broker at {url} and HAIQUAN_REQUIRE_MQTT=1")
        pytest.skip(f"no MQTT broker answers at {url}")
    settings.HAIQUAN = {**settings.HAIQUAN, "MQTT_URL": url}
    resp = client.get("/health/ready")
    assert resp.status_code == 200, resp.content
    assert resp.json()["checks"]["mqtt"] == {"status": "pass"}


def test_without_mqtt_telemetry_the_broker_is_not_checked(client):
    _all_fresh()
    assert "mqtt" not in client.get("/health/ready").json()["checks"]


def test_probes_reach_the_checks_by_address_over_plain_http(client, settings):
    """A probe or a scraper calls http://10.0.3.7:8000/health/ready: no allowed host name, no
    HTTPS. The checks answer it; the pages do not."""
    _all_fresh()
    settings.ALLOWED_HOSTS = ["haiquan.customs.gov.vn"]
    settings.SECURE_SSL_REDIRECT = True
    for path in ("/health/live", "/health/ready"):
        assert client.get(path, HTTP_HOST="10.0.3.7:8000").status_code == 200, path
    assert client.get("/portal/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/portal/", HTTP_HOST="haiquan.customs.gov.vn").status_code == 301


def test_the_checks_take_get_and_head_only(client):
    assert client.head("/health/live").status_code == 200
    assert client.post("/health/live").status_code == 405
    assert client.get("/health/live/").status_code == 200  # with or without the slash
