"""/metrics as Prometheus scrapes it: who may scrape, the exposition format, requests by route
name (never by path), the system's state from cheap queries, and the workers added up."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db.models import Max
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.core.tests.fixtures import world  # noqa: F401 - the fixture
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event
from haiquan.ops import registry
from haiquan.ops.checks import ops_settings_check
from haiquan.ops.metrics import metrics_text
from haiquan.ops.scheduler import Inline, Scheduler
from haiquan.stats.models import Watermark
from haiquan.supervision.choices import OPEN_ALERT_STATES
from haiquan.supervision.models import Alert
from haiquan.timerelease.models import RefreshState

pytestmark = pytest.mark.django_db

SCRAPER = {"HTTP_AUTHORIZATION": "Bearer test-metrics-token"}


def scrape(client, **headers) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    resp = client.get("/metrics", **SCRAPER, **headers)
    assert resp.status_code == 200, resp.content
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(resp.content.decode())
        for s in family.samples
    }


def value(samples, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_scraper_without_the_token_is_refused(client):
    resp = client.get("/metrics")
    assert resp.status_code == 401
    assert resp["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic dGVzdA==").status_code == 401
    assert b"haiquan_" not in resp.content


def test_metrics_are_not_served_at_all_without_a_token_or_networks(client, settings):
    settings.HAIQUAN_OPS = {**settings.HAIQUAN_OPS, "METRICS_TOKEN": "", "METRICS_NETWORKS": []}
    assert client.get("/metrics", **SCRAPER).status_code == 404


def test_networks_narrow_who_may_scrape(client, settings):
    settings.HAIQUAN_OPS = {
        **settings.HAIQUAN_OPS,
        "METRICS_TOKEN": "",
        "METRICS_NETWORKS": ["10.20.0.0/16"],
    }
    assert client.get("/metrics").status_code == 403  # from 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    settings.HAIQUAN_OPS = {**settings.HAIQUAN_OPS, "METRICS_TOKEN": "test-metrics-token"}
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 401  # both needed
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4", **SCRAPER).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.30.3.4", **SCRAPER).status_code == 403


def test_a_malformed_network_lets_nobody_in_and_is_reported(client, settings):
    settings.HAIQUAN_OPS = {
        **settings.HAIQUAN_OPS,
        "METRICS_TOKEN": "",
        "METRICS_NETWORKS": ["10.20.0.0/33"],
    }
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 403
    assert [m.id for m in ops_settings_check()] == ["haiquan_ops.E002"]


def test_the_exposition_is_prometheus_text_or_openmetrics_when_asked(client):
    resp = client.get("/metrics", **SCRAPER)
    assert resp["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    types = [
        line.split()[2] for line in resp.content.decode().splitlines() if line.startswith("# TYPE")
    ]
    assert len(types) == len(set(types)), "a metric family appears twice"
    resp = client.get(
        "/metrics", **SCRAPER, HTTP_ACCEPT="application/openmetrics-text; version=1.0.0"
    )
    assert resp["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert resp.content.endswith(b"# EOF\n")


def test_requests_are_counted_by_route_name_and_status_never_by_path(client):
    before = scrape(client)
    client.get("/declarations/987654/")  # sent to log in
    client.get("/api/v1/declarations/987653")  # no token
    client.get("/no/such/page/987652")
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    page = {"route": "clearance:declaration_detail", "method": "GET"}
    assert grew("haiquan_http_requests_total", **page, status="302") == 1
    assert grew("haiquan_http_request_duration_seconds_count", **page) == 1
    api = {"route": "api-v1:declaration_detail", "method": "GET"}
    assert grew("haiquan_http_requests_total", **api, status="401") == 1
    assert grew("haiquan_http_requests_total", route="unmatched", method="GET", status="404") == 1
    body = client.get("/metrics", **SCRAPER).content.decode()
    # no label names a path or an object (a sample's value, e.g. bytes of memory, may hold any digits)
    labels = [line.split("{", 1)[1].rsplit("}", 1)[0] for line in body.splitlines() if "{" in line]
    assert labels and not [x for x in labels if "98765" in x or "/declarations/" in x]


def test_the_system_s_state_is_read_at_scrape_time(client, world, django_assert_max_num_queries):  # noqa: F811
    """Queues, alerts, refresh lags and the jobs, each against the database itself."""
    first = Event.objects.create(
        kind="test.one", subject_type="test", subject_id=1, party=Party.CUSTOMS
    )
    Event.objects.create(
        kind="test.two", subject_type="test", subject_id=2, party=Party.CUSTOMS,
        occurred_at=timezone.now() - timedelta(minutes=2),
    )  # fmt: skip
    newest = Event.objects.aggregate(top=Max("id"))["top"]
    RefreshState.objects.update_or_create(
        pk=1,
        defaults={"last_event_id": first.id, "refreshed_at": timezone.now() - timedelta(minutes=1)},
    )
    Watermark.objects.update_or_create(name="aggregates", defaults={"last_event_id": newest})
    scheduler = Scheduler(node="n", executor=Inline())
    scheduler.run_now("portal-escalate")
    scheduler.close()

    with django_assert_max_num_queries(25):
        samples = scrape(client)

    for status in (Status.DOCUMENT_CHECK, Status.INSPECTION, Status.AWAITING_PAYMENT):
        expected = Declaration.objects.filter(status=status).count()
        assert value(samples, "haiquan_declarations_waiting", status=status) == expected
    assert value(samples, "haiquan_declarations_waiting", status="document_check") >= 1
    open_alerts = Alert.objects.filter(state__in=OPEN_ALERT_STATES)
    assert open_alerts.exists()
    for kind in {a.kind for a in open_alerts}:
        assert (
            value(samples, "haiquan_alerts_open", kind=kind)
            == open_alerts.filter(kind=kind).count()
        )
    # Time release has read up to `first`: the events after it wait, the oldest for about a
    # minute (its own time says two, but the last refresh was a minute ago).
    assert value(samples, "haiquan_refresh_lag_events", refresh="timerelease") == newest - first.id
    assert 55 <= value(samples, "haiquan_refresh_lag_seconds", refresh="timerelease") <= 120
    assert value(samples, "haiquan_refresh_lag_events", refresh="stats") == 0
    assert value(samples, "haiquan_refresh_lag_seconds", refresh="stats") == 0
    assert value(samples, "haiquan_job_runs_total", job="portal-escalate") == 1
    assert value(samples, "haiquan_job_failures_total", job="portal-escalate") == 0
    assert value(samples, "haiquan_job_late", job="portal-escalate") == 0
    assert value(samples, "haiquan_job_late", job="risk-train") == 1  # never planned
    assert value(samples, "haiquan_job_freshness_limit_seconds", job="risk-train") == 8 * 86400
    assert ("haiquan_telemetry_positions_total", ()) in samples
    assert ("haiquan_inquiries_open", ()) in samples
    assert ("haiquan_eservice_filings_overdue", ()) in samples
    ups = {k[1][0][1]: v for k, v in samples.items() if k[0] == "haiquan_metrics_collector_up"}
    assert len(ups) == len(registry.collectors()) and set(ups.values()) == {1.0}


def test_a_failing_collector_is_reported_and_the_others_still_scraped(client, monkeypatch):
    def broken():  # type: ignore[no-untyped-def]
        raise RuntimeError("the table is missing")

    monkeypatch.setattr(registry, "_collectors", [*registry.collectors(), broken])
    samples = scrape(client)
    name = f"{__name__}.{broken.__qualname__}"
    assert value(samples, "haiquan_metrics_collector_up", collector=name) == 0
    assert (
        value(samples, "haiquan_metrics_collector_up", collector="haiquan.ops.builtin.job_metrics")
        == 1
    )


WORKER = """
from haiquan.ops.metrics import request_observe
for _ in range(3):
    request_observe(route="portal:faq", method="GET", status=200, seconds=0.02)
"""


def test_the_figures_of_every_worker_are_added_up(tmp_path):
    """Under gunicorn each worker is a process of its own: each writes its counts to the
    multiprocess directory and a scrape, whichever worker answers it, adds them up."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True)
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    body, _type = metrics_text(multiprocess_dir=str(tmp_path))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    labels = {"route": "portal:faq", "method": "GET"}
    assert value(samples, "haiquan_http_requests_total", **labels, status="200") == 6
    assert value(samples, "haiquan_http_request_duration_seconds_count", **labels) == 6
    assert ("haiquan_job_runs_total", (("job", "transit-watch"),)) not in samples  # none ran
    assert any(k[0] == "haiquan_job_late" for k in samples)  # the system's state is there too
