"""/api/v1/transit through HTTP: devices reporting in OsmAnd, a platform's batches, movements,
the monitoring feed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.supervision.models import Alert
from haiquan.transit.models import Position
from haiquan.transit.scenario import GATE_OPERATOR, ROUTES

pytestmark = pytest.mark.django_db
OSMAND = "/api/v1/transit/osmand"


def post(client, url, body, **headers):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


class TestOsmAnd:
    def test_a_device_reports_by_get_and_by_form_post(self, on_the_way, sign):
        movement = on_the_way(hours_ago=0.2)
        device = movement.containers.get().seal.device_id
        ts = int(timezone.now().timestamp())
        client = Client()
        resp = client.get(
            OSMAND,
            sign({"id": device, "timestamp": ts - 60, "lat": 21.54, "lon": 107.96, "batt": 80}),
        )
        assert resp.status_code == 200 and resp.json() == {
            "stored": 1,
            "duplicate": False,
            "conflict": False,
            "alerts": [],
        }
        resp = client.post(
            OSMAND, sign({"id": device, "timestamp": ts - 30, "location": "21.539,107.955"})
        )
        assert resp.status_code == 200 and resp.json()["stored"] == 1
        assert Position.objects.filter(seal__device_id=device, channel="http").count() == 2

    def test_a_reading_sent_again_changes_nothing_and_a_replayed_message_is_refused(
        self, on_the_way, sign
    ):
        device = on_the_way(hours_ago=0.2).containers.get().seal.device_id
        reading = {
            "id": device,
            "timestamp": int(timezone.now().timestamp()) - 10,
            "lat": 21.5,
            "lon": 107.9,
        }
        message = sign(reading)
        assert Client().get(OSMAND, message).status_code == 200
        # The device sends the same reading again, signed with its next counter: a duplicate.
        again = Client().get(OSMAND, sign(reading))
        assert again.status_code == 200 and again.json() == {
            "stored": 0,
            "duplicate": True,
            "conflict": False,
            "alerts": [],
        }
        # The very same message again (same counter): refused as a replay.
        replay = Client().get(OSMAND, message)
        assert replay.status_code == 409
        assert replay.json()["type"] == "urn:haiquan:problem:replayed"
        assert Position.objects.count() == 1

    def test_an_unsigned_or_unknown_device_is_refused(self, on_the_way):
        device = on_the_way(hours_ago=0.2).containers.get().seal.device_id
        for params in (
            {"id": "NOT-A-SEAL", "lat": 21.5, "lon": 107.9},
            {"id": device, "lat": 21.5, "lon": 107.9},
        ):
            resp = Client().get(OSMAND, params)
            assert resp.status_code == 401
            assert resp["Content-Type"] == "application/problem+json"
            assert resp.json()["type"] == "urn:haiquan:problem:not-authenticated"
        assert Position.objects.count() == 0

    def test_an_invalid_message_names_its_keys(self, on_the_way, sign):
        device = on_the_way(hours_ago=0.2).containers.get().seal.device_id
        resp = Client().get(OSMAND, sign({"id": device, "lat": 123, "lon": "east"}))
        assert resp.status_code == 400
        assert {e["field"] for e in resp.json()["errors"]} == {"lat", "lon"}

    def test_an_alarm_raises_its_alert_in_the_answer(self, on_the_way, sign):
        device = on_the_way(hours_ago=0.2).containers.get().seal.device_id
        resp = Client().get(
            OSMAND, sign({"id": device, "lat": 21.54, "lon": 107.96, "alarm": "tampering"})
        )
        assert resp.json()["alerts"] == ["seal_opened"]

    def test_a_trial_installation_may_take_unsigned_messages_but_checks_signed_ones(
        self, on_the_way, sign, settings
    ):
        settings.HAIQUAN = {**settings.HAIQUAN, "TELEMETRY_SIGNATURES": "optional"}
        device = on_the_way(hours_ago=0.2).containers.get().seal.device_id
        params = {"id": device, "lat": 21.54, "lon": 107.96}
        assert Client().get(OSMAND, params).status_code == 200
        forged = {**sign(params), "lat": "21.60"}
        assert Client().get(OSMAND, forged).status_code == 401
        assert Client().get(OSMAND, {"id": "NOT-A-SEAL", "lat": 1, "lon": 1}).status_code == 401


class TestBatches:
    def test_a_platform_sends_a_batch(self, on_the_way, places, api, sign):
        device = (
            on_the_way(hours_ago=0.2, owner_mst=GATE_OPERATOR[0]).containers.get().seal.device_id
        )
        platform = user_create(
            username="op.platform", password=None, role="operator", employer_mst=GATE_OPERATOR[0]
        )
        ts = int(timezone.now().timestamp())
        first = sign({"id": device, "timestamp": ts - 120, "lat": 21.54, "lon": 107.96})
        positions = [
            first,
            sign({"id": device, "timestamp": ts - 60, "lat": 21.5378, "lon": 107.95,
                  "alarm": "door"}),
            sign({"id": device, "timestamp": ts - 60, "lat": 21.5378, "lon": 107.95,
                  "alarm": "door"}),
            {"id": "NOPE", "lat": 1, "lon": 1, "ctr": "1", "sig": "00" * 32},
            sign({"id": device, "lat": 95, "lon": 1}),
            first,
        ]  # fmt: skip
        resp = post(api(platform), "/api/v1/transit/positions", {"positions": positions})
        assert resp.status_code == 200, resp.content
        body = resp.json()
        assert (body["received"], body["stored"], body["duplicates"], body["alerts"]) == (
            6,
            2,
            1,
            1,
        )
        assert body["refused"] == [3] and body["replayed"] == [5]
        assert body["invalid"][0]["index"] == 4
        assert body["invalid"][0]["errors"][0]["field"] == "positions[4].lat"

    def test_numbers_are_signed_as_they_are_written(self, on_the_way, places, api, seal_keys):
        from haiquan.transit import devicekeys

        device = (
            on_the_way(hours_ago=0.2, owner_mst=GATE_OPERATOR[0]).containers.get().seal.device_id
        )
        platform = user_create(
            username="op.platform", password=None, role="operator", employer_mst=GATE_OPERATOR[0]
        )
        ts = int(timezone.now().timestamp()) - 30
        text = {"id": device, "timestamp": str(ts), "lat": "21.5400", "lon": "107.9600"}
        signed = devicekeys.signed(seal_keys[device], text, 1)
        # Written by hand: the numbers' text must reach the server as the device signed it.
        body = (
            f'{{"positions": [{{"id": "{device}", "timestamp": {ts}, "lat": 21.5400, '
            f'"lon": 107.9600, "ctr": 1, "sig": "{signed["sig"]}"}}]}}'
        )
        resp = api(platform).post(
            "/api/v1/transit/positions", data=body, content_type="application/json"
        )
        assert resp.status_code == 200 and resp.json()["stored"] == 1, resp.content

    def test_only_a_platform_account_sends_batches(self, db, api):
        trader = user_create(username="dn.x", password=None, role="declarant")
        resp = post(api(trader), "/api/v1/transit/positions", {"positions": []})
        assert resp.status_code == 403


class TestMovements:
    def test_an_officer_declares_seals_and_follows_a_movement(
        self, places, leader, officer_elsewhere, api
    ):
        client = api(leader)
        resp = post(client, "/api/v1/transit/eseals", {"manufacturer": "Hoptroff", "serial": "A-1"})
        assert resp.status_code == 201
        device = resp.json()["device_id"]
        assert device.startswith("ES-") and len(resp.json()["key"]) == 64
        resp = post(
            client,
            "/api/v1/transit/movements",
            {
                "departure_zone": "20BDG01",
                "destination_zone": "20CDP01",
                "containers": ["MSKU1234565"],
                "route": ROUTES["20BDG01"],
                "time_limit_minutes": 360,
            },
        )
        assert resp.status_code == 201, resp.content
        ref = resp.json()["reference"]
        assert resp.json()["route"]["type"] == "LineString"
        resp = post(
            client,
            f"/api/v1/transit/movements/{ref}/seal",
            {"seals": [{"container_number": "MSKU1234565", "device_id": device}]},
        )
        assert resp.json()["state"] == "sealed"
        resp = post(client, f"/api/v1/transit/movements/{ref}/depart", {})
        assert resp.json()["state"] == "departed" and resp.json()["deadline"]
        # Another province's officer does not see it.
        assert api(officer_elsewhere).get(f"/api/v1/transit/movements/{ref}").status_code == 404

    def test_problems_are_named_as_problem_json(self, places, leader, api):
        resp = post(
            api(leader),
            "/api/v1/transit/movements",
            {"departure_zone": "20BDG01", "destination_zone": "20CDP01", "containers": ["BAD"],
             "route": "LINESTRING (0 0)", "time_limit_minutes": 0},
        )  # fmt: skip
        assert resp.status_code == 422
        fields = {e["field"] for e in resp.json()["errors"]}
        assert fields == {"containers[0]", "route", "time_limit_minutes"}


class TestMonitorFeed:
    def test_the_desk_sees_routes_positions_tracks_and_open_alerts(self, on_the_way, leader, api):
        from .conftest import Faults, drive

        movement = on_the_way()
        drive(movement, Faults(early_opening=True))
        resp = api(leader).get("/api/v1/transit/monitor")
        assert resp.status_code == 200
        feed = resp.json()
        (m,) = feed["movements"]
        assert m["reference"] == movement.reference and m["state"] == "departed"
        assert m["route"]["type"] == "LineString" and m["corridor"]["type"] == "Polygon"
        assert m["containers"][0]["lat"] is not None and len(m["track"]) > 300
        assert [a["kind"] for a in m["alerts"]] == ["seal_opened"] and feed["open_alerts"] == 1
        # Polling with `since`: only what is new, without the geometry.
        later = api(leader).get("/api/v1/transit/monitor", {"since": feed["generated_at"]}).json()
        assert later["movements"][0]["track"] == [] and later["movements"][0]["route"] is None

    def test_traders_do_not_see_the_desk(self, db, api):
        trader = user_create(username="dn.y", password=None, role="declarant")
        assert api(trader).get("/api/v1/transit/monitor").status_code == 403


def test_resolved_alerts_leave_the_feed(on_the_way, leader, api, sign):
    movement = on_the_way(hours_ago=0.2)
    device = movement.containers.get().seal.device_id
    Client().get(OSMAND, sign({"id": device, "lat": 21.54, "lon": 107.96, "alarm": "door"}))
    alert = Alert.objects.get()
    client = api(leader)
    resp = post(
        client,
        f"/api/v1/supervision/alerts/{alert.pk}/resolve",
        {"note": "Checked at a rest stop: intact"},
    )
    assert resp.status_code == 200 and resp.json()["state"] == "resolved"
    assert client.get("/api/v1/transit/monitor").json()["open_alerts"] == 0
    assert timezone.now() - alert.raised_at < timedelta(minutes=1)
