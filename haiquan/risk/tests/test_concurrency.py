"""Concurrent changes on PostgreSQL: version numbers are taken one after the other."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from haiquan.accounts.choices import Role
from haiquan.accounts.tests.factories import UserFactory
from haiquan.risk.engine import lane_decide
from haiquan.risk.services import profile_create, profile_update

from .facts import facts, line

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_get_distinct_version_numbers(refdata_reloaded):
    analyst = UserFactory(role=Role.ANALYST)
    profile = profile_create(
        code="FROM-CN",
        name="From China",
        criteria={"origins": ["CN"]},
        lane="yellow",
        reason="r",
        actor=analyst,
    )
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def update(i: int) -> None:
        try:
            barrier.wait()
            profile_update(
                profile=profile,
                criteria={"origins": ["CN"]},
                lane="red" if i == 3 else "yellow",
                reason=f"r{i}",
                change_note=f"change {i}",
                actor=analyst,
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=update, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(profile.versions.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    # The decision uses whichever update committed last (the highest number).
    last = profile.versions.order_by("-number").first()
    result = lane_decide(facts(line(origin="CN")))
    assert (result.lane, result.reasons[0].version) == (last.lane, last.number)
