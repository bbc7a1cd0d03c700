"""`haiquan failover-drill` reads the nodes from the settings and never promotes a standby while
a primary still answers (two primaries would split the record). The promotion itself is shown by
the fault test (bench/faults.py --scenarios promote-standby, which CI runs)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import translation

from haiquan.ops.failover import Node, nodes


def test_the_nodes_are_every_host_of_the_primary_and_the_standby(monkeypatch):
    pg = {"ENGINE": "django.db.backends.postgresql", "NAME": "haiquan"}
    monkeypatch.setitem(connections.settings, "default", {**pg, "HOST": "db1,db2", "PORT": "5432"})
    monkeypatch.setitem(
        connections.settings, "standby", {**pg, "HOST": "db2,db3", "PORT": "5432,5433"}
    )
    assert nodes() == [Node("db1", "5432"), Node("db2", "5432"), Node("db3", "5433")]


@pytest.mark.django_db
def test_a_promotion_is_refused_while_a_primary_answers():
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("failover_drill", "--promote", stdout=out)
    if connection.vendor != "postgresql":
        assert "No PostgreSQL node is configured" in str(refused.value)
        return
    assert "primary" in out.getvalue()  # the test database's server, as it is
    assert "A primary still answers" in str(refused.value)
    assert "--force" in str(refused.value)
