"""The supervision and transit demo content, on a small generated history."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from haiquan.demo.generator import demo_generate
from haiquan.demo.setup import central_team_ensure, staff_users_ensure
from haiquan.supervision.models import Alert, GateEvent
from haiquan.transit.choices import MovementState
from haiquan.transit.demo import FINISHED, ON_THE_ROAD, demo_setup
from haiquan.transit.models import TransitMovement

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        demo_generate(seed=3, months=1, until=date(2026, 11, 1), scale=0.02)
        central_team_ensure()
        staff_users_ensure()
        said: list[str] = []
        logins = demo_setup(say=said.append)
        yield logins, said
        transaction.set_rollback(True)


def test_operators_can_log_in_and_the_port_has_its_gate_events(demo):
    logins, _said = demo
    assert {login.username for login in logins} == {"op.cailan", "op.cuakhau"}
    events = GateEvent.objects.filter(zone__code="20CDP01")
    assert events.filter(direction="in").exists()
    # Every get-out the operator reported was of released goods, so the port let it go.
    assert not events.filter(direction="out").exclude(outcome="allowed").exists()


def test_finished_trips_are_written_off_and_faulty_ones_raise_their_alerts(demo):
    assert TransitMovement.objects.filter(state=MovementState.CLOSED).count() == FINISHED
    on_road = TransitMovement.objects.filter(state=MovementState.DEPARTED)
    assert on_road.count() == ON_THE_ROAD
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert {"corridor_exit", "long_stop"} <= kinds, kinds


def test_running_it_again_adds_nothing(demo):
    before = (TransitMovement.objects.count(), GateEvent.objects.count(), Alert.objects.count())
    demo_setup(say=lambda _m: None)
    after = (TransitMovement.objects.count(), GateEvent.objects.count(), Alert.objects.count())
    assert before == after
