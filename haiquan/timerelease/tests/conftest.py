"""A store directory per test module: the fact store's files never leave the test's tmp dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from haiquan.accounts.services import user_create
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.timerelease.services import timerelease_refresh

from .builders import REGISTER, at, consignment

H = 3600


@pytest.fixture(scope="module")
def store_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("timerelease")
    with override_settings(VAR_DIR=root):
        yield root


@pytest.fixture(scope="module")
def logbook(django_db_setup: Any, django_db_blocker: Any, store_root: Path) -> Iterator[dict]:
    """The hand-built event log of test_reports' table, built once per module."""
    with django_db_blocker.unblock(), transaction.atomic():
        ok = EnterpriseFactory(mst=valid_mst(7701), compliance_rank="high")
        bad = EnterpriseFactory(mst=valid_mst(7702), compliance_rank="low")
        filer = user_create(
            username="tr.filer", password=None, role="declarant", enterprise_msts=[ok.mst, bad.mst]
        )
        users = {
            "leader": user_create(
                username="tr.leader", password=None, role="leader", office_codes=["20"]
            ),
            "officer": user_create(
                username="tr.officer", password=None, role="officer", office_codes=["20CD"]
            ),
            "analyst": user_create(username="tr.analyst", password=None, role="analyst"),
            "declarant": filer,
        }

        def make(start: str, **kw: Any) -> Any:
            kw.setdefault("enterprise", ok)
            return consignment(filer=filer, start=at(start), **kw)

        make("2026-05-04 08:00").events(
            (-2 * H, "cargo.arrived", "movement"),
            *REGISTER,
            (3600, "payment_order.created", "trader"),
            (4200, "payment.confirmed", "bank"),
            (4205, "declaration.cleared", "customs"),
            (14400, "declaration.released", "movement"),
            (14400 + 24 * H, "declaration.amended", "trader"),
        )
        make(
            "2026-05-05 09:00",
            lane="red",
            enterprise=bad,
            mode="sea",
            hs_codes=(("08109092", 1000), ("85171300", 5000)),
        ).events(
            *REGISTER,
            (10800, "declaration.inspection_recorded", "customs"),
            (14400, "payment_order.created", "trader"),
            (16200, "payment.confirmed", "bank"),
            (16200, "declaration.cleared", "customs"),
            (28800, "declaration.released", "movement"),
            (32400, "cargo.gate_out", "movement"),
        )
        make("2026-05-06 10:00", lane="yellow", office="20CD", mode="sea").events(
            *REGISTER,
            (3600, "declaration.document_check_recorded", "customs"),
            (7200, "declaration.amended", "trader"),
            (10800, "payment_order.created", "trader"),
            (12000, "payment.confirmed", "bank"),
            (12000, "declaration.cleared", "customs"),
            (21600, "declaration.released", "movement"),
        )
        make("2026-05-07 08:00").events(
            *REGISTER,
            (1800, "singlewindow.permit_requested", "trader"),
            (9000, "singlewindow.result_posted", "agency"),
            (10800, "payment_order.created", "trader"),
            (11400, "payment.confirmed", "bank"),
            (11400, "declaration.cleared", "customs"),
            (14400, "declaration.released", "movement"),
        )
        make("2026-05-20 08:00", status="awaiting_payment").events(
            *REGISTER, (1800, "payment_order.created", "trader")
        )
        make("2026-05-21 08:00", status="cancelled").events(
            *REGISTER, (3600, "declaration.cancelled", "trader")
        )
        make("2026-05-03 08:00").events(
            *REGISTER,
            (3600, "declaration.cleared", "customs"),
            (31 * 24 * H, "declaration.released", "movement"),
        )
        # Not counted in Quảng Ninh's imports of May 2026:
        make("2026-05-08 08:00", flow="export", type_code="B11").events(
            *REGISTER,
            (0, "declaration.cleared", "customs"),
            (7200, "declaration.released", "movement"),
        )
        make("2026-05-08 09:00", office="43IH").events(
            *REGISTER,
            (60, "declaration.cleared", "customs"),
            (3600, "declaration.released", "movement"),
        )
        make("2026-04-10 08:00").events(
            *REGISTER,
            (3600, "declaration.cleared", "customs"),
            (18000, "declaration.released", "movement"),
        )
        make("2025-05-12 08:00").events(
            *REGISTER,
            (2000, "declaration.cleared", "customs"),
            (22000, "declaration.released", "movement"),
        )
        make("2026-04-30 08:00", status="draft").events(
            (0, "declaration.draft_created", "trader")
        )  # never registered: no fact row
        result = timerelease_refresh(full=True)
        yield {"users": users, "refresh": result, "ok": ok, "bad": bad}
        transaction.set_rollback(True)
