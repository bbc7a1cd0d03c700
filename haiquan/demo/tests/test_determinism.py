"""Same seed, same history; another seed, another history."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from haiquan.clearance.models import Container, Declaration, DeclarationLine
from haiquan.demo.generator import demo_generate
from haiquan.demo.models import SyntheticEnterprise, SyntheticTruth
from haiquan.eventlog.models import Event

pytestmark = pytest.mark.django_db


def _fingerprint() -> dict[str, list]:
    return {
        "enterprises": sorted(
            SyntheticEnterprise.objects.values_list(
                "enterprise__mst", "enterprise__name", "enterprise__compliance_rank", "segment"
            )
        ),
        "declarations": list(
            Declaration.objects.order_by("number").values_list(
                "number",
                "type_id",
                "office__code",
                "enterprise__mst",
                "lane",
                "status",
                "registered_at",
                "invoice_value",
                "currency_id",
                "exchange_rate",
                "total_duties_vnd",
                "paid_vnd",
                "released_at",
            )
        ),
        "lines": list(
            DeclarationLine.objects.order_by("declaration__number", "line_no").values_list(
                "declaration__number",
                "hs_code",
                "origin_id",
                "quantity",
                "unit_price",
                "preference",
            )
        ),
        "containers": sorted(Container.objects.values_list("declaration__number", "number")),
        "truth": list(
            SyntheticTruth.objects.order_by("declaration__number").values_list(
                "declaration__number", "fraud_kind", "revenue_at_stake_vnd", "detected"
            )
        ),
        "events": sorted(
            Event.objects.filter(declaration_id__isnull=False).values_list(
                "occurred_at", "kind", "party", "actor_label"
            )
        ),
    }


def _generate(seed: int, *, threaded: bool = True) -> dict[str, list]:
    with transaction.atomic():
        demo_generate(seed=seed, months=1, until=date(2023, 7, 1), scale=0.02, threaded=threaded)
        fingerprint = _fingerprint()
        # Keys follow the order things happened in, whoever wrote the rows.
        fingerprint["event order"] = list(
            Event.objects.filter(declaration_id__isnull=False)
            .order_by("id")
            .values_list("occurred_at", "kind", "actor_label")
        )
        transaction.set_rollback(True)
    return fingerprint


def test_the_same_seed_gives_the_same_history_and_another_seed_another():
    first = _generate(11)
    assert len(first["declarations"]) > 200 and first["events"]
    again = _generate(11)
    for key in first:
        assert again[key] == first[key], key
    other = _generate(12)
    for key in ("enterprises", "declarations", "lines", "truth"):
        assert other[key] != first[key], key


def test_writing_on_a_second_thread_writes_the_same_history():
    """The background writer (`demo.writer`) changes when rows are written, not what."""
    threaded = _generate(13, threaded=True)
    assert len(threaded["declarations"]) > 200
    synchronous = _generate(13, threaded=False)
    for key in threaded:
        assert synchronous[key] == threaded[key], key


# --- A writing process, on an SQLite file --------------------------------------------------------

_IN_A_FILE = """
import json, os, sys
import django
django.setup()
from datetime import date
from haiquan.demo.generator import demo_generate
from haiquan.demo.tests.test_determinism import _fingerprint

mode = sys.argv[1]
if mode == "lock":
    import sqlite3
    from django.db import connection
    from haiquan.demo.writer import ProcessWriter

    def other_writer_blocked():
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return str(exc)
        other.rollback()
        return ""
    seen = []
    with ProcessWriter() as process:
        seen.append(other_writer_blocked())
        process.begin()
        seen.append(other_writer_blocked())
        process.drain()
        seen.append(other_writer_blocked())
    print(json.dumps({"blocked": seen}))
    sys.exit(0)
if mode == "broken":
    from haiquan.demo import writer

    real = writer.write_rows

    def write_rows(table, rows):
        if table.name == "clearance_declarationline":
            raise RuntimeError("the disk is full")
        return real(table, rows)

    writer.write_rows = write_rows
    mode = "process"
if mode == "unprepared":
    from haiquan.demo.compose import Composer

    real_prepare = Composer.prepare
    made = []

    def prepare(self, *args, **kwargs):
        made.append(1)
        if len(made) > 50:
            raise RuntimeError("the tariff went away")
        return real_prepare(self, *args, **kwargs)

    Composer.prepare = prepare
    mode = "process"
try:
    demo_generate(seed=13, months=1, until=date(2023, 7, 1), scale=0.02,
                  threaded={"process": "process", "inline": False}[mode],
                  prepare={"process": True, "inline": False}[mode])
except Exception as exc:
    print(json.dumps({"failed": f"{type(exc).__name__}: {exc}"}))
else:
    from haiquan.eventlog.chain import CHAINS, chain_verify
    fingerprint = _fingerprint()
    checked = [chain_verify(chain) for chain in CHAINS.values()]
    fingerprint["verified"] = [[v.log, v.rows, v.ok] for v in checked]
    print(json.dumps(fingerprint, default=str))
"""


def _in_a_file(path, mode: str) -> dict:
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haiquan.config.settings.test",
        "DATABASE_URL": f"sqlite:///{path}",
    }
    done = subprocess.run(
        [sys.executable, "-c", _IN_A_FILE, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_writing_process_writes_the_same_history_into_an_sqlite_file(tmp_path):
    """On an SQLite file the declarations are prepared by one forked process (`preparer`) and
    their rows written by another (`writer.ProcessWriter`), in its own transactions: the same
    history as prepared and written inline, its chains verifying; a failure in either fails the
    run and leaves nothing of the chunk."""
    import shutil

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("a writing process is SQLite's (PostgreSQL's writer is a thread)")
    first = tmp_path / "process.sqlite3"
    with connection.cursor() as cursor:  # the test database, reference data and all
        cursor.execute("VACUUM INTO %s", [str(first)])
    for name in ("inline", "broken", "unprepared"):
        shutil.copy(first, tmp_path / f"{name}.sqlite3")

    by_process = _in_a_file(first, "process")
    assert len(by_process["declarations"]) > 200
    assert all(ok for _log, _rows, ok in by_process["verified"]), by_process["verified"]
    inline = _in_a_file(tmp_path / "inline.sqlite3", "inline")
    for key in inline:
        assert by_process[key] == inline[key], key

    # The chunk's transaction holds SQLite's write lock from `begin`, before the generator reads
    # the number counters: no registration can take a number in between.
    assert _in_a_file(tmp_path / "inline.sqlite3", "lock") == {
        "blocked": ["", "database is locked", ""]
    }

    broken = _in_a_file(tmp_path / "broken.sqlite3", "broken")
    assert broken["failed"].startswith("WriterFailed")
    assert "the disk is full" in broken["failed"]
    import sqlite3

    with sqlite3.connect(tmp_path / "broken.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM clearance_declaration").fetchone() == (0,)
        assert db.execute(
            "SELECT count(*) FROM clearance_numbersequence WHERE last > 0"
        ).fetchone() == (0,)

    unprepared = _in_a_file(tmp_path / "unprepared.sqlite3", "unprepared")
    assert unprepared["failed"].startswith("PreparerFailed")
    assert "the tariff went away" in unprepared["failed"]
    with sqlite3.connect(tmp_path / "unprepared.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM clearance_declaration").fetchone() == (0,)
