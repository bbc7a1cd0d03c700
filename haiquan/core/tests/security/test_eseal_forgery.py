"""Forged e-seal positions (issue 16): someone sends clean, in-corridor positions for a seal
ahead of its real reports, so that the real ones — with a corridor exit and the seal opened —
would be dropped as duplicates and raise nothing.

The attack is tried as it was on 7 Dec 2026, through the OsmAnd endpoint: by someone without
the seal's key (refused, the real trip raises its alerts), and by someone holding the key (the
real reports are kept as evidence and raise a forgery alert). The trip is the simulator's, one
report every 30 seconds (about 300 reports)."""

from __future__ import annotations

import pytest
from django.test import Client

from haiquan.supervision.choices import AlertKind
from haiquan.supervision.models import Alert
from haiquan.transit.models import Position
from haiquan.transit.simulator import Faults, trip_messages

from .eseal_world import OSMAND, device_of, on_the_road, signed, signer

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _trips(keys: dict[str, str]):  # type: ignore[no-untyped-def]
    movement = on_the_road(keys, hours_ago=3.5)
    device = device_of(movement)

    def trip(faults: Faults) -> list[dict[str, str]]:
        return trip_messages(
            device_id=device, route_wkt=movement.route_wkt, start=movement.departed_at,
            faults=faults,
        ).messages  # fmt: skip

    real = trip(Faults(corridor_exit=True, early_opening=True))
    clean = trip(Faults())  # the same times, on the route, no alarm
    assert [m["timestamp"] for m in real] == [m["timestamp"] for m in clean]
    return movement, device, real, clean


def _kinds(movement) -> set[str]:  # type: ignore[no-untyped-def]
    return set(Alert.objects.filter(subject_id=movement.pk).values_list("kind", flat=True))


def test_positions_sent_ahead_without_the_key_are_refused_and_the_real_trip_raises_its_alerts():
    keys: dict[str, str] = {}
    movement, device, real, clean = _trips(keys)
    client = Client()
    # The forger has no key: plain OsmAnd messages, then messages signed with a key of its own.
    forged = [client.get(OSMAND, m).status_code for m in clean]
    forged += [
        client.get(OSMAND, signed("ab" * 32, m, k + 1)).status_code
        for k, m in enumerate(clean[:20])
    ]
    assert set(forged) == {401}, f"forged reports taken: {forged.count(200)}"
    assert not Position.objects.filter(seal__device_id=device).exists()

    sign = signer(keys)
    answers = [client.get(OSMAND, sign(m)) for m in real]
    assert {a.status_code for a in answers} == {200}
    assert sum(a.json()["stored"] for a in answers) == len(real)
    assert {AlertKind.CORRIDOR_EXIT, AlertKind.SEAL_OPENED} <= _kinds(movement)


def test_with_a_stolen_key_the_real_reports_are_kept_as_evidence_and_raise_a_forgery_alert():
    keys: dict[str, str] = {}
    movement, device, real, clean = _trips(keys)
    client = Client()
    # The forger holds the seal's key and signs ahead of the device, with the counters the
    # device will use next.
    sign_as_forger = signer(keys)
    assert {client.get(OSMAND, sign_as_forger(m)).status_code for m in clean} == {200}

    sign_as_device = signer(keys)
    answers = [client.get(OSMAND, sign_as_device(m)) for m in real]
    # Every real report that differs from the forged one for its time is kept, none dropped.
    differing = sum(
        1
        for r, c in zip(real, clean, strict=True)
        if (r["lat"], r["lon"]) != (c["lat"], c["lon"]) or "alarm" in r
    )
    assert differing > 20
    from haiquan.transit.models import PositionConflict

    evidence = PositionConflict.objects.filter(seal__device_id=device)
    assert evidence.count() >= differing
    assert any(e.report.get("alarm") == "door" for e in evidence)
    assert AlertKind.POSITION_CONFLICT in _kinds(movement)
    alert = Alert.objects.get(subject_id=movement.pk, kind=AlertKind.POSITION_CONFLICT)
    assert movement.reference in alert.subject_label
    assert {a.status_code for a in answers} <= {200, 409}


def test_a_second_report_for_a_stored_time_raises_the_alert_even_where_signatures_are_optional(
    settings,
):
    settings.HAIQUAN = {**settings.HAIQUAN, "TELEMETRY_SIGNATURES": "optional"}
    keys: dict[str, str] = {}
    movement, _device, real, clean = _trips(keys)
    client = Client()
    assert {client.get(OSMAND, m).status_code for m in clean[:150]} == {200}
    for m in real[:150]:
        client.get(OSMAND, m)
    assert AlertKind.POSITION_CONFLICT in _kinds(movement)
