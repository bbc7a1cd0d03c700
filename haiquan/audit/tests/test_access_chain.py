"""The access trail's hash chains, one per user: checked as the event log's are."""

from __future__ import annotations

import pytest

from haiquan.audit.choices import Via
from haiquan.audit.services import declaration_access_record
from haiquan.core.tests.world import World
from haiquan.eventlog.chain import ACCESS, chain_verify
from haiquan.eventlog.tests.test_chain import behind_the_applications_back, verify

pytestmark = pytest.mark.django_db


def test_the_access_trail_is_chained_per_user_and_checked_the_same_way(world: World) -> None:
    decl = world.own.declarations["awaiting"]
    records = [
        declaration_access_record(
            user=world.users[name], declaration=decl, via=Via.PAGE, address=ip
        )
        for name, ip in (("officer", "10.0.0.7"), ("officer", "2001:db8::1"), ("leader", None))
    ]
    assert [r.pk for r in records if r] and chain_verify(ACCESS).ok
    tampered = records[1]
    assert tampered is not None
    with behind_the_applications_back("audit_accessrecord") as cur:
        cur.execute(
            "UPDATE audit_accessrecord SET address = '10.9.9.9' WHERE id = %s", [tampered.pk]
        )
    ok, out = verify("--log", "access")
    assert not ok and f"access record #{tampered.pk}" in out
