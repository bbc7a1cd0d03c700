"""Refreshing the fact store: incremental by the event-id watermark, rebuilt when it and the
database disagree."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from haiquan.accounts.services import user_create
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.timerelease.models import RefreshState
from haiquan.timerelease.reports import filters_build, report
from haiquan.timerelease.services import timerelease_refresh
from haiquan.timerelease.store import month_files, rollup_dir, store_count, store_dir

from .builders import REGISTER, at, consignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: Any, store_root: Path) -> dict[str, Any]:
    firm = EnterpriseFactory(mst=valid_mst(7801))
    return {
        "firm": firm,
        "filer": user_create(
            username="sv.filer", password=None, role="declarant", enterprise_msts=[firm.mst]
        ),
        "analyst": user_create(username="sv.analyst", password=None, role="analyst"),
    }


def _may(analyst: Any) -> Any:
    return filters_build(
        user=analyst, date_from=date(2026, 5, 1), date_to=date(2026, 5, 31), flow="import"
    )


def test_new_events_update_the_consignments_they_belong_to(people: dict) -> None:
    kw = {"filer": people["filer"], "enterprise": people["firm"]}
    waiting = consignment(start=at("2026-05-04 08:00"), status="awaiting_payment", **kw).events(
        *REGISTER
    )
    consignment(start=at("2026-06-02 08:00"), **kw).events(
        *REGISTER,
        (600, "declaration.cleared", "customs"),
        (3600, "declaration.released", "movement"),
    )
    first = timerelease_refresh(full=True)
    assert first.full and first.consignments == 2
    assert [p.name for p in month_files()] == ["2026-05.parquet", "2026-06.parquet"]
    assert [p.name for p in month_files(rollup_dir())] == ["2026-05.parquet", "2026-06.parquet"]
    as_of = at("2026-06-10 08:00")
    before = report(_may(people["analyst"]), as_of)["current"]
    assert before["consignments"] == 0 and before["unfinished"]["open"] == 1

    waiting.events(
        (7200, "declaration.cleared", "customs"), (9000, "declaration.released", "movement")
    )
    second = timerelease_refresh()
    assert second.full is False
    assert second.last_event_id > first.last_event_id
    assert RefreshState.objects.get().last_event_id == second.last_event_id
    after = report(_may(people["analyst"]), as_of)["current"]
    assert after["consignments"] == 1 and after["mean_s"] == 9000
    assert after["unfinished"]["open"] == 0
    assert store_count() == 2  # replaced, not added


def test_a_store_that_lost_its_files_is_rebuilt(people: dict) -> None:
    consignment(
        start=at("2026-05-04 08:00"), filer=people["filer"], enterprise=people["firm"]
    ).events(*REGISTER, (3600, "declaration.released", "movement"))
    timerelease_refresh(full=True)
    (store_dir() / "GENERATION").unlink()
    again = timerelease_refresh()
    assert again.full is True and store_count() == 1


def test_a_store_written_with_other_columns_is_rebuilt(people: dict) -> None:
    """A step added to the measurement (a column more): the old files are not read as if
    they had it; the next refresh rebuilds the store."""
    consignment(
        start=at("2026-05-04 08:00"), filer=people["filer"], enterprise=people["firm"]
    ).events(*REGISTER, (3600, "declaration.released", "movement"))
    timerelease_refresh(full=True)
    columns = store_dir() / "COLUMNS"
    columns.write_text(columns.read_text().replace(",step_document_request_s INTEGER", ""))
    again = timerelease_refresh()
    assert again.full is True and store_count() == 1
