"""Operators' times against the server's clock (issue 16).

On 7 Dec 2026 the destination operator back-dated an arrival nine hours, to before its
deadline: no late-arrival alert and `late: false` in the event log; a departure reported a year
ahead pushed the deadline into 2027. Reported times are now taken only within a window of the
server's time and after the step they follow; both the reported and the server's time are
kept, and deadlines and lateness run from the server's."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.eventlog.models import Event
from haiquan.supervision.choices import AlertKind
from haiquan.supervision.models import Alert, GateEvent
from haiquan.transit.models import TransitMovement
from haiquan.transit.scenario import DESTINATION, GATE_OPERATOR, PORT_OPERATOR

from .eseal_world import api_client, leader, on_the_road

pytestmark = pytest.mark.django_db


def _post(client, url: str, body: dict):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def test_a_back_dated_arrival_is_refused_and_a_late_one_is_late_by_the_server_s_clock():
    # Left two hours ago with one hour to arrive: it is an hour late.
    movement = on_the_road({}, hours_ago=2, time_limit_minutes=60)
    port = user_create(
        username="op.cailan", password=None, role="operator", employer_mst=PORT_OPERATOR[0]
    )
    client = api_client(port)
    url = f"/api/v1/transit/movements/{movement.reference}/arrive"
    nine_hours_ago = timezone.now() - timedelta(hours=9)
    resp = _post(client, url, {"at": _iso(nine_hours_ago)})
    assert resp.status_code == 422, resp.content
    assert [e["field"] for e in resp.json()["errors"]] == ["at"]
    movement.refresh_from_db()
    assert movement.state == "departed"

    # Reported 50 minutes ago (inside the window, before the deadline): taken, but late.
    reported = timezone.now() - timedelta(minutes=50)
    resp = _post(client, url, {"at": _iso(reported)})
    assert resp.status_code == 200, resp.content
    movement.refresh_from_db()
    assert movement.arrival_reported_at == reported
    assert timezone.now() - movement.arrived_at < timedelta(minutes=1)
    assert movement.deadline < movement.arrived_at
    arrived = Event.objects.get(subject_id=movement.pk, kind="transit.arrived")
    assert arrived.data["late"] is True
    assert Alert.objects.filter(subject_id=movement.pk, kind=AlertKind.LATE_ARRIVAL).exists()


def test_a_departure_a_year_ahead_is_refused_and_the_deadline_runs_from_the_server_s_time():
    movement = on_the_road({}, hours_ago=1)
    # A second one, sealed and waiting at the border gate.
    from haiquan.transit.scenario import movements_create

    (sealed,) = movements_create(actor=leader(), count=1, time_limit_minutes=360)
    gate = user_create(
        username="op.cuakhau", password=None, role="operator", employer_mst=GATE_OPERATOR[0]
    )
    client = api_client(gate)
    url = f"/api/v1/transit/movements/{sealed.reference}/depart"
    next_year = timezone.now() + timedelta(days=365)
    resp = _post(client, url, {"at": _iso(next_year)})
    assert resp.status_code == 422, resp.content
    assert [e["field"] for e in resp.json()["errors"]] == ["at"]
    sealed.refresh_from_db()
    assert sealed.state == "sealed" and sealed.deadline is None

    # Reported as it happens (not before the sealing, which was just now).
    reported = timezone.now()
    resp = _post(client, url, {"at": _iso(reported)})
    assert resp.status_code == 200, resp.content
    sealed.refresh_from_db()
    assert sealed.departure_reported_at == reported
    assert sealed.deadline == sealed.departed_at + timedelta(minutes=360)
    assert sealed.deadline > timezone.now() + timedelta(minutes=355)
    assert TransitMovement.objects.filter(deadline__year__gte=timezone.now().year + 1).count() == 0
    assert movement.state == "departed"


def test_gate_events_keep_both_times_and_refuse_old_future_and_out_of_order_ones():
    from haiquan.transit.scenario import places_ensure

    zone = places_ensure(actor=leader())[DESTINATION]
    port = user_create(
        username="op.cailan", password=None, role="operator", employer_mst=PORT_OPERATOR[0]
    )
    client = api_client(port)
    url = f"/api/v1/supervision/zones/{zone.code}/gate-events"
    container = "MSKU1234565"
    now = timezone.now()
    for n, at in enumerate((now - timedelta(hours=9), now + timedelta(hours=2))):
        resp = _post(
            client,
            url,
            {"message_id": f"M-{n}", "direction": "in", "container_number": container,
             "occurred_at": _iso(at)},
        )  # fmt: skip
        assert resp.status_code == 422, resp.content
        assert [e["field"] for e in resp.json()["errors"]] == ["occurred_at"]
    reported_in = now - timedelta(minutes=30)
    resp = _post(
        client,
        url,
        {"message_id": "IN-1", "direction": "in", "container_number": container,
         "occurred_at": _iso(reported_in)},
    )  # fmt: skip
    assert resp.status_code in (200, 201), resp.content
    event = GateEvent.objects.get(message_id="IN-1")
    assert event.occurred_at == reported_in and now - event.recorded_at < timedelta(minutes=1)
    resp = _post(
        client,
        url,
        {"message_id": "OUT-1", "direction": "out", "container_number": container,
         "occurred_at": _iso(reported_in - timedelta(minutes=5))},
    )  # fmt: skip
    assert resp.status_code == 422, resp.content
    assert resp.json()["errors"][0]["code"] == "out-of-order"
