"""The demo's progress: the share of the planned work done and the time left, which follows the
machine's observed speed once a little of the work is done."""

from __future__ import annotations

from django.utils import translation

from haiquan.core.i18n import later
from haiquan.demo.progress import DemoProgress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_share_done_and_time_left_follow_the_plan_then_the_machine():
    lines: list[str] = []
    clock = Clock()
    progress = DemoProgress(write=lines.append, language="en", clock=clock)
    progress.plan(["setup", "generate", "riskml"], declarations=100_000)
    total = sum(progress.costs.values())
    assert progress.share_done() == 0
    assert progress.seconds_left() == total  # nothing done yet: the plan as it is
    progress.phase("setup")
    progress.phase("generate")
    progress.advance(0.5)
    done = progress.costs["setup"] + progress.costs["generate"] / 2
    clock.now = 2 * done  # this machine is twice as slow as the plan
    assert abs(progress.share_done() - done / total) < 1e-9
    left = progress.seconds_left()
    assert left is not None and abs(left - 2 * (total - done)) < 1e-6
    progress(later("Exchange rates: %(n)s days written.", n=1025))
    share = round(100 * done / total)
    assert (
        lines[-1]
        == f"[{share:>3d}% · about {round(left / 60)} min left] Exchange rates: 1,025 days written."
    )
    progress.finish()
    assert progress.share_done() == 1.0 or progress.current is None


def test_the_line_is_in_the_language_of_whoever_runs_it():
    lines: list[str] = []
    progress = DemoProgress(write=lines.append, language="vi", clock=Clock())
    progress.plan(["setup"], declarations=0)
    with translation.override("en"):  # whatever the content's language is
        progress(later("Exchange rates: %(n)s days written.", n=1025))
    assert lines == ["[  0% · còn chưa đến một phút] Tỷ giá: đã ghi 1.025 ngày."]


def test_without_a_plan_there_is_no_estimate_and_quiet_prints_nothing():
    lines: list[str] = []
    DemoProgress(write=lines.append, language="en")("plain")
    DemoProgress(write=lines.append, language="en", quiet=True)("hidden")
    assert lines == ["plain"]
