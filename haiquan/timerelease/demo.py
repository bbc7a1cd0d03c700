"""The demo's time-release figures: the fact store built from the generated history.

The demo's existing customs users see the dashboards (no new log-ins): ld.quangninh and
ld.binhduong (their Departments, with drill-down to the offices), cc.mongcai / cc.cailan /
cc.trungtam (their offices), rr.phantich and admin (every office)."""

from __future__ import annotations

from collections.abc import Callable

from .services import timerelease_refresh


def demo_setup(*, say: Callable[[str], None]) -> None:
    """Idempotent: the first run builds the store, later runs fold in only what is new."""
    result = timerelease_refresh(say=say)
    say(
        f"time release: {result.consignments} consignments "
        f"{'built' if result.full else 'refreshed'} in {result.seconds:.1f} s"
    )
