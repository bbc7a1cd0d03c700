"""The demo's time-release figures: the fact store built from the generated history.

The demo's existing customs users see the dashboards (no new log-ins): ld.quangninh and
ld.binhduong (their Departments, with drill-down to the offices), cc.mongcai / cc.cailan /
cc.trungtam (their offices), rr.phantich and admin (every office)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_noop

from haiquan.core.i18n import later, number

from .services import timerelease_refresh


def demo_setup(*, say: Callable[[str], None]) -> None:
    """Idempotent: the first run builds the store, later runs fold in only what is new."""
    result = timerelease_refresh(say=say)
    say(
        later(
            gettext_noop("Time release: %(n)s consignments built in %(s)s s.")
            if result.full
            else gettext_noop("Time release: %(n)s consignments refreshed in %(s)s s."),
            n=result.consignments,
            s=number(result.seconds, 1),
        )
    )
