"""Telemetry ingestion and the alert rules, through the services, with simulated trips."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from haiquan.eventlog.models import Event
from haiquan.supervision.choices import AlertKind, AlertSubject
from haiquan.supervision.models import Alert
from haiquan.transit.corridor import corridor_build
from haiquan.transit.ingest import telemetry_ingest, transit_watch
from haiquan.transit.models import MovementContainer, Position
from haiquan.transit.osmand import osmand_parse
from haiquan.transit.services import movement_arrive
from haiquan.transit.simulator import Faults, trip_duration

from .conftest import drive, ingest

pytestmark = pytest.mark.django_db


def alert_kinds(movement) -> Counter:  # type: ignore[no-untyped-def]
    return Counter(
        Alert.objects.filter(
            subject_type=AlertSubject.TRANSIT_MOVEMENT, subject_id=movement.pk
        ).values_list("kind", flat=True)
    )


class TestSimulatedTrips:
    def test_a_clean_trip_raises_nothing(self, on_the_way):
        movement = on_the_way()
        messages, result = drive(movement)
        assert result.stored == len(messages) > 300 and result.duplicates == 0
        assert alert_kinds(movement) == Counter()

    def test_leaving_the_corridor_stopping_and_opening_raise_exactly_those_once_each(
        self, on_the_way
    ):
        movement = on_the_way()
        faults = Faults(corridor_exit=True, stop_minutes=45, early_opening=True)
        messages, _result = drive(movement, faults)
        assert alert_kinds(movement) == Counter(
            {AlertKind.CORRIDOR_EXIT: 1, AlertKind.LONG_STOP: 1, AlertKind.SEAL_OPENED: 1}
        )
        corridor = Alert.objects.get(kind=AlertKind.CORRIDOR_EXIT)
        assert corridor.data["distance_m"] > 600 and corridor.office.code == "20BD"
        stop = Alert.objects.get(kind=AlertKind.LONG_STOP)
        assert stop.data["minutes"] == 30  # raised at the first position past 30 minutes
        assert Alert.objects.get(kind=AlertKind.SEAL_OPENED).data["alarm"] == "door"
        assert Event.objects.filter(kind="alert.raised").count() == 3
        assert Event.objects.filter(kind="transit.seal_opened").count() == 1

        # The whole trip again (a platform resending): nothing changes.
        c = MovementContainer.objects.get(movement=movement)
        positions = Position.objects.count()
        again = ingest(messages, batch=80)
        assert again.stored == 0 and again.duplicates == len(messages)
        assert Position.objects.count() == positions
        assert alert_kinds(movement) == Counter(
            {AlertKind.CORRIDOR_EXIT: 1, AlertKind.LONG_STOP: 1, AlertKind.SEAL_OPENED: 1}
        )
        c2 = MovementContainer.objects.get(movement=movement)
        assert (c2.last_fix_at, c2.anchor_at, c2.open_episodes) == (
            c.last_fix_at, c.anchor_at, c.open_episodes,
        )  # fmt: skip

    def test_signal_loss_and_a_draining_battery(self, on_the_way):
        movement = on_the_way()
        drive(movement, Faults(signal_loss_minutes=25, low_battery=True))
        assert alert_kinds(movement) == Counter(
            {AlertKind.SIGNAL_LOST: 1, AlertKind.LOW_BATTERY: 1}
        )
        lost = Alert.objects.get(kind=AlertKind.SIGNAL_LOST)
        assert lost.data["minutes"] >= 25
        assert Alert.objects.get(kind=AlertKind.LOW_BATTERY).data["battery_pct"] < 20

    def test_a_second_exit_after_coming_back_is_a_second_episode(self, on_the_way):
        movement = on_the_way(hours_ago=8)
        start = movement.departed_at
        # The same detour twice: the first trip up to the return, then again an hour later.
        drive(movement, Faults(corridor_exit=True), start=start)
        drive(movement, Faults(corridor_exit=True), start=start + timedelta(minutes=200))
        episodes = sorted(
            Alert.objects.filter(kind=AlertKind.CORRIDOR_EXIT).values_list("episode", flat=True)
        )
        assert episodes == [1, 2]

    def test_duplicates_within_a_batch_are_stored_once(self, on_the_way):
        movement = on_the_way()
        seal = movement.containers.get().seal
        now = timezone.now() - timedelta(minutes=1)
        msg = {
            "id": seal.device_id,
            "timestamp": str(int(now.timestamp())),
            "lat": "21.5",
            "lon": "107.9",
        }
        result = telemetry_ingest(positions=[osmand_parse(msg)] * 3, channel="direct")
        assert (result.stored, result.duplicates) == (1, 2)
        # The same instant in milliseconds is the same message.
        ms = {**msg, "timestamp": str(int(now.timestamp()) * 1000)}
        assert telemetry_ingest(positions=[osmand_parse(ms)], channel="direct").stored == 0

    def test_an_unknown_device_is_not_stored(self, db):
        msg = {"id": "NOPE-1", "lat": "21.5", "lon": "107.9"}
        result = telemetry_ingest(positions=[osmand_parse(msg)], channel="direct")
        assert result.unknown == [(0, "NOPE-1")] and Position.objects.count() == 0


class TestTheWatch:
    def test_late_arrival_is_raised_once(self, on_the_way):
        movement = on_the_way(hours_ago=3, time_limit_minutes=120)
        drive(movement)  # reports until now, 3 hours after departure
        assert alert_kinds(movement)[AlertKind.LATE_ARRIVAL] == 1
        transit_watch()
        assert alert_kinds(movement)[AlertKind.LATE_ARRIVAL] == 1

    def test_silence_is_noticed_by_the_watch_and_ended_by_the_next_position(self, on_the_way):
        movement = on_the_way(hours_ago=1)
        seal = movement.containers.get().seal
        t0 = movement.departed_at
        msg = {
            "id": seal.device_id,
            "timestamp": str(int(t0.timestamp()) + 60),
            "lat": "21.54",
            "lon": "107.96",
        }
        ingest([msg])
        (lost,) = transit_watch()
        assert lost.kind == AlertKind.SIGNAL_LOST and lost.episode == 1
        assert transit_watch() == []  # still the same episode
        ingest([{**msg, "timestamp": str(int(timezone.now().timestamp()) - 60)}])
        c = MovementContainer.objects.get(movement=movement)
        assert AlertKind.SIGNAL_LOST not in c.open_episodes
        later = timezone.now() + timedelta(minutes=20)
        (again,) = transit_watch(now=later)
        assert again.episode == 2

    def test_a_late_message_counts_for_alarms_not_for_the_position(self, on_the_way):
        movement = on_the_way(hours_ago=0.2)
        seal = movement.containers.get().seal
        now = int(timezone.now().timestamp())
        # Tiên Yên, on the route; then a message from five minutes earlier arrives late.
        ingest(
            [{"id": seal.device_id, "timestamp": str(now - 60), "lat": "21.33", "lon": "107.40"}]
        )
        ingest(
            [{"id": seal.device_id, "timestamp": str(now - 300), "lat": "21.45", "lon": "107.75",
              "alarm": "tampering"}]
        )  # fmt: skip
        c = MovementContainer.objects.get(movement=movement)
        assert (c.last_lat, c.last_lon) == (21.33, 107.40)
        assert alert_kinds(movement) == Counter({AlertKind.SEAL_OPENED: 1})

    def test_opening_at_destination_after_arrival_is_no_alert(self, on_the_way, leader):
        movement = on_the_way(hours_ago=1)
        movement_arrive(actor=leader, movement=movement)
        seal = movement.containers.get().seal
        ingest([{"id": seal.device_id, "lat": "20.97", "lon": "107.05", "alarm": "door"}])
        assert alert_kinds(movement) == Counter()
        assert Event.objects.filter(kind="transit.seal_opened", subject_id=movement.pk).exists()


class TestCorridorGeometry:
    def test_distances_are_metres_on_the_ground(self):
        # A road through (107.25 21.0); a point 0.01° of latitude north of that vertex is
        # 1,107.2 m away on the WGS 84 ellipsoid (pyproj.Geod.inv), UTM 48N distorting it by
        # well under a metre here.
        corridor = corridor_build("LINESTRING (107.2 21.0, 107.25 21.0, 107.3 21.0)", 500.0, ())
        xs, ys = corridor.project(np.array([107.25]), np.array([21.01]))
        (d,) = corridor.distances_m(xs, ys)
        assert abs(d - 1107.2) < 1

    def test_places_given_as_points_count_with_a_radius(self):
        corridor = corridor_build(
            "LINESTRING (107.0 21.0, 107.5 21.0)", 500.0, ("POINT (107.25 21.0)",)
        )
        near = corridor.project(np.array([107.251]), np.array([21.0]))  # about 104 m east
        far = corridor.project(np.array([107.26]), np.array([21.0]))  # about 1 km east
        assert corridor.permitted_at(float(near[0][0]), float(near[1][0]))
        assert not corridor.permitted_at(float(far[0][0]), float(far[1][0]))

    def test_trip_duration_includes_the_stop(self):
        route = "LINESTRING (107.0 21.0, 107.5 21.0)"
        plain = trip_duration(route, 50)
        assert trip_duration(route, 50, Faults(stop_minutes=45)) - plain == timedelta(minutes=45)
