"""The nightly signing of the daily roots, on the scheduler's clock: after the roots are closed
(00:05) the job signs them (00:20) into one file a day that `haiquan log-roots verify` accepts;
a day already signed is not signed again, and without a key nothing is signed."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from haiquan.eventlog.models import Event
from haiquan.eventlog.signing import key_generate, public_key_load, root_signature_valid
from haiquan.eventlog.tests.test_chain import three_events
from haiquan.ops import registry
from haiquan.ops.models import JobRun, Outcome
from haiquan.ops.scheduler import Inline, Scheduler

from .helpers import SUNDAY, FakeClock

pytestmark = pytest.mark.django_db

NIGHTLY = ("log-roots", "log-roots-sign")


def nights(clock: FakeClock, days: int) -> None:
    """The two nightly jobs, as registered, through `days` simulated days."""
    jobs = {name: registry.jobs()[name] for name in NIGHTLY}
    scheduler = Scheduler(jobs=jobs, clock=clock, node="node-a", executor=Inline())
    with translation.override("en"):
        scheduler.run(until=clock.now() + timedelta(days=days))


def runs(name: str) -> list[JobRun]:
    return list(JobRun.objects.filter(job=name).order_by("scheduled_for"))


@pytest.fixture
def signing(tmp_path: Path, settings: Any) -> tuple[Path, Path]:
    """The administration's key, configured; the directory the signed roots go to."""
    private, public = tmp_path / "root.key", tmp_path / "root.pub"
    key_generate(private, public)
    out = tmp_path / "signed"
    settings.HAIQUAN = {**settings.HAIQUAN, "LOG_ROOT_KEY": str(private), "LOG_ROOTS_DIR": str(out)}
    return public, out


def test_the_closed_roots_are_signed_each_night_after_they_are_closed(signing) -> None:
    public, out = signing
    three_events(subject_id=4201)
    clock = FakeClock(SUNDAY)

    nights(clock, days=1)

    (closed,) = runs("log-roots")
    (signed,) = runs("log-roots-sign")
    assert closed.scheduled_for == SUNDAY + timedelta(minutes=5)
    assert signed.scheduled_for == SUNDAY + timedelta(minutes=20)
    assert (closed.outcome, signed.outcome) == (Outcome.SUCCEEDED, Outcome.SUCCEEDED)
    day = timezone.localdate() - timedelta(days=1)  # the jobs close and sign yesterday's
    path = out / f"roots-{day.isoformat()}.jsonl"
    assert day.isoformat() in signed.detail and path.exists()
    roots = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [r["log"] for r in roots] == ["access", "events"]
    assert roots[1]["rows"] == Event.objects.count() >= 3  # every event written so far
    assert all(root_signature_valid(r, public_key_load(public)) for r in roots)
    # The file is what a partner is sent: the log verifies against it.
    stdout = StringIO()
    with translation.override("en"):
        call_command("log_roots", "verify", str(path), "--public-key", str(public), stdout=stdout)
    assert stdout.getvalue().count("verifies") == 2

    # The next night finds that day signed already: nothing to do, the file left as it was.
    before = path.read_bytes()
    nights(clock, days=1)
    assert [r.outcome for r in runs("log-roots-sign")] == [Outcome.SUCCEEDED, Outcome.SKIPPED]
    assert path.read_bytes() == before and len(list(out.iterdir())) == 1


def test_without_a_key_the_night_signs_nothing_and_says_why(settings, tmp_path) -> None:
    settings.HAIQUAN = {**settings.HAIQUAN, "LOG_ROOT_KEY": "", "LOG_ROOTS_DIR": str(tmp_path)}
    three_events(subject_id=4202)
    nights(FakeClock(SUNDAY), days=1)
    (run,) = runs("log-roots-sign")
    assert run.outcome == Outcome.SKIPPED and "HAIQUAN_LOG_ROOT_KEY" in run.detail
    assert not list(tmp_path.iterdir())
