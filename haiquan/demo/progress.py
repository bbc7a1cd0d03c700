"""What `haiquan demo` prints while it works: each step in the language of whoever runs it, with
the share of the work done and an estimate of the time left.

The estimate comes from a plan: each phase's cost in seconds on the reference machine (2 cores),
as a fixed part plus a part per declaration of the history (`PHASE_COSTS`, measured: see
BENCHMARKS.md). As the run goes, the plan is scaled by how fast this machine actually is (the
time taken so far against the plan's cost of the work done so far), so the estimate settles after
the first tenth of the work, whatever the machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

# Seconds per phase on a quiet 2-core machine: (fixed, per 1,000 declarations of the history),
# from the per-phase profile of a first run of the default demo (BENCHMARKS.md, "Demo data"). Only
# their proportions matter much: the run scales them by the speed it observes.
PHASE_COSTS: dict[str, tuple[float, float]] = {
    "setup": (20.0, 0.0),  # migrate a fresh database, reference data, log-ins, banks
    "generate": (5.0, 0.8),
    "transit": (4.0, 0.0),
    "singlewindow": (4.0, 0.01),
    "eservices": (3.0, 0.0),
    "portal": (3.0, 0.002),
    "manifests": (1.0, 0.02),  # not yet measured: a few bulk writes over the sea/air imports
    "riskml": (5.0, 0.1),
    "postaudit": (5.0, 0.24),
    "timerelease": (3.0, 0.2),
    "stats": (1.0, 0.0),  # built alongside the time-release store: no time of its own
}
# Below this share of the plan done, the machine's speed is not known yet: the plan is used as is.
CALIBRATE_FROM = 0.03


@dataclass
class DemoProgress:
    """Prints messages in `language` (made with `haiquan.core.i18n.later` or plain text), each
    with "[ 37% · about 4 min left]" once a plan is set."""

    write: Callable[[str], None]
    language: str
    quiet: bool = False
    clock: Callable[[], float] = time.monotonic
    costs: dict[str, float] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    current: str | None = None
    fraction: float = 0.0
    started: float | None = None

    def plan(self, phases: list[str], declarations: float) -> None:
        """Expect `phases` in this run, over a history of about `declarations`."""
        self.costs = {
            p: PHASE_COSTS[p][0] + PHASE_COSTS[p][1] * declarations / 1000 for p in phases
        }
        self.done = set()
        self.started = self.clock()

    def phase(self, name: str) -> None:
        """`name` begins (the phase before it is over)."""
        if self.current is not None:
            self.done.add(self.current)
        self.current, self.fraction = name, 0.0

    def advance(self, fraction: float) -> None:
        """The current phase is this far (0 to 1)."""
        self.fraction = min(1.0, max(0.0, fraction))

    def finish(self) -> None:
        if self.current is not None:
            self.done.add(self.current)
        self.current = None

    def share_done(self) -> float:
        total = sum(self.costs.values())
        if not total:
            return 0.0
        done = sum(c for p, c in self.costs.items() if p in self.done)
        if self.current in self.costs and self.current not in self.done:
            done += self.costs[self.current] * self.fraction
        return min(1.0, done / total)

    def seconds_left(self) -> float | None:
        if not self.costs or self.started is None:
            return None
        total = sum(self.costs.values())
        share = self.share_done()
        planned_left = total * (1 - share)
        if share < CALIBRATE_FROM:
            return planned_left
        elapsed = self.clock() - self.started
        return planned_left * elapsed / (total * share)

    def status(self) -> str:
        """ "[ 37% · about 4 min left]", or "" without a plan."""
        left = self.seconds_left()
        if left is None:
            return ""
        minutes = round(left / 60)
        when = (
            _("about %(n)s min left") % {"n": minutes}
            if minutes >= 1
            else _("less than a minute left")
        )
        return f"[{round(100 * self.share_done()):>3d}% · {when}] "

    def __call__(self, message: object) -> None:
        if self.quiet:
            return
        with translation.override(self.language):
            self.write(self.status() + str(message))

    def plain(self, message: object) -> None:
        """A line without the status (the summary at the end)."""
        with translation.override(self.language):
            self.write(str(message))
