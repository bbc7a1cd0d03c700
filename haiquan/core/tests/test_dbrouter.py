"""The database router: reports, lists and dashboards read from the standby when there is one;
writes, transactions and a user's reads just after they wrote stay on the primary; with no
standby (the demo, one PostgreSQL) everything goes to `default`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections, transaction
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import token_create, user_create
from haiquan.config.settings.databases import databases_from_env
from haiquan.core import dbrouter
from haiquan.core.dbrouter import (
    PRIMARY,
    STANDBY,
    PrimaryPinMiddleware,
    StandbyRouter,
    primary_pin,
    reads_from_standby,
    standby_reads,
)

SQLITE = Path("/tmp/x.sqlite3")


def test_without_a_standby_there_is_only_default():
    assert set(databases_from_env({}, SQLITE)) == {"default"}
    one_pg = databases_from_env({"DATABASE_URL": "postgres://hq@db:5432/haiquan"}, SQLITE)
    assert set(one_pg) == {"default"}
    assert "target_session_attrs" not in one_pg["default"]["OPTIONS"]


def test_a_list_of_nodes_connects_to_whichever_accepts_writes():
    dbs = databases_from_env(
        {
            "DATABASE_URL": "postgres://hq:pw@db1:5433,db2/haiquan",
            "HAIQUAN_STANDBY_DATABASE_URL": "postgres://hq:pw@db2:5432,db1:5433/haiquan",
        },
        SQLITE,
    )
    primary, standby = dbs["default"], dbs["standby"]
    assert (primary["HOST"], primary["PORT"], primary["NAME"]) == (
        "db1,db2",
        "5433,5432",
        "haiquan",
    )
    assert (primary["USER"], primary["PASSWORD"]) == ("hq", "pw")
    assert primary["OPTIONS"]["target_session_attrs"] == "read-write"
    assert (standby["HOST"], standby["PORT"]) == ("db2,db1", "5432,5433")
    assert standby["OPTIONS"]["target_session_attrs"] == "prefer-standby"
    assert standby["TEST"] == {"MIRROR": "default"}
    # An explicit choice in the URL wins.
    own = databases_from_env(
        {"DATABASE_URL": "postgres://hq@db1,db2/haiquan?target_session_attrs=primary"}, SQLITE
    )
    assert own["default"]["OPTIONS"]["target_session_attrs"] == "primary"


def test_a_standby_of_another_kind_is_refused():
    with pytest.raises(ValueError, match="HAIQUAN_STANDBY_DATABASE_URL"):
        databases_from_env(
            {
                "DATABASE_URL": "postgres://hq@db1/haiquan",
                "HAIQUAN_STANDBY_DATABASE_URL": "sqlite:////tmp/other.sqlite3",
            },
            SQLITE,
        )


def test_with_no_standby_marked_reads_go_to_default(db):
    router = StandbyRouter()
    with standby_reads():
        assert router.db_for_read(User) == PRIMARY
    with pytest.raises(MiddlewareNotUsed):
        PrimaryPinMiddleware(lambda r: HttpResponse())


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A standby configured (the router's view of the settings); no pins left from before."""
    monkeypatch.setattr(dbrouter, "standby_configured", lambda: True)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def standby(configured: None, transactional_db: None) -> Iterator[str]:
    """A second connection to the test database under the name `standby`, as a replica is
    (committed rows only: the tests that use it commit)."""
    primary = connections[PRIMARY]
    wrapper = load_backend(primary.settings_dict["ENGINE"]).DatabaseWrapper(
        {**primary.settings_dict}, alias=STANDBY
    )
    connections[STANDBY] = wrapper
    yield STANDBY
    wrapper.close()
    del connections[STANDBY]


def test_marked_reads_go_to_the_standby_writes_and_transactions_to_the_primary(standby):
    """Through the HTTP layer too: a trader's list of declarations comes from the standby until
    the trader writes something."""
    router = StandbyRouter()
    assert router.db_for_read(User) == PRIMARY  # not marked
    with standby_reads():
        assert router.db_for_read(User) == STANDBY
        assert router.db_for_write(User) == PRIMARY
        with transaction.atomic():
            assert router.db_for_read(User) == PRIMARY  # what a transaction reads, it reads there
        assert router.allow_migrate(STANDBY, "clearance") is False
        assert router.allow_migrate(PRIMARY, "clearance") is None

    user_create(username="dn.standby", password=None, role="declarant")
    with CaptureQueriesContext(connections[STANDBY]) as on_standby, standby_reads():
        user = User.objects.get(username="dn.standby")
    assert len(on_standby) == 1 and user._state.db == STANDBY
    user.first_name = "Lan"
    user.save()  # an object read from the standby is written to the primary
    assert User.objects.get(pk=user.pk).first_name == "Lan"

    _t, raw = token_create(
        user=user, name="t", scopes=["read", "file"], expires_at=timezone.now() + timedelta(days=1)
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with CaptureQueriesContext(connections[STANDBY]) as on_standby:
        resp = client.get("/api/v1/declarations")
    assert resp.status_code == 200, resp.content
    assert any("clearance_declaration" in q["sql"] for q in on_standby.captured_queries)

    # After a write the same user's list comes from the primary (read-your-writes)...
    primary_pin(user.pk)
    with CaptureQueriesContext(connections[STANDBY]) as on_standby:
        assert client.get("/api/v1/declarations").status_code == 200
    assert not any("clearance_declaration" in q["sql"] for q in on_standby.captured_queries)
    # ...and the declaration itself (not a list) is always read from the primary.
    with CaptureQueriesContext(connections[STANDBY]) as on_standby:
        client.get("/api/v1/declarations/1")
    assert not on_standby.captured_queries


def test_a_successful_write_pins_the_user_to_the_primary(configured):
    user = User(pk=424242, username="dn.pin")  # (no database: only its id is used)
    factory = RequestFactory()

    def call(method: str, status: int) -> bool:
        request = getattr(factory, method)("/x")
        request.user = user
        cache.clear()
        PrimaryPinMiddleware(lambda r: HttpResponse(status=status))(request)
        router_reads: list[str] = []

        @reads_from_standby
        def view(req: HttpRequest) -> HttpResponse:
            router_reads.append(StandbyRouter().db_for_read(User))
            return HttpResponse()

        view(request)
        return router_reads == [PRIMARY]

    assert call("post", 201) is True
    assert call("post", 422) is False  # nothing was written
    assert call("get", 200) is False
