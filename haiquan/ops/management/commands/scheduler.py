"""`haiquan scheduler`: run every periodic job on its schedule (see haiquan.ops.scheduler).

    haiquan scheduler              # runs until SIGTERM/SIGINT, then lets the runs under way end
    haiquan scheduler --list       # the jobs, their schedules, next and last runs
    haiquan scheduler --run NAME   # one run of a job now (same lock, claim and record)

Run one on each of two or more nodes for availability: they never run one job at once.
"""

from __future__ import annotations

import signal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.ops.models import JobState
from haiquan.ops.registry import jobs
from haiquan.ops.schedule import schedules
from haiquan.ops.scheduler import Result, Scheduler


class Command(BaseCommand):
    help = (
        "Run every periodic job (refreshes, watches, escalations, scans, training) on its "
        "schedule, one copy of each across all nodes; --list shows them, --run NAME runs one now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="list the jobs and stop")
        parser.add_argument("--run", metavar="NAME", help="run this job once, now, and stop")
        parser.add_argument(
            "--node", help="this node's name in the run records (default: HAIQUAN_NODE or host)"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            plan = schedules()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        if o["list"]:
            self._list(plan)
            return
        scheduler = Scheduler(node=o["node"])
        if o["run"]:
            if o["run"] not in scheduler.jobs:
                raise CommandError(
                    _("No periodic job %(name)s; the jobs are: %(names)s.")
                    % {"name": o["run"], "names": ", ".join(scheduler.jobs)}
                )
            try:
                result = scheduler.run_now(o["run"])
            finally:
                scheduler.close()
            self.stdout.write(
                _("%(name)s: %(result)s") % {"name": o["run"], "result": _label(result)}
            )
            if result is Result.FAILED:
                raise CommandError(_("The job failed; its run record holds the traceback."))
            return
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_a: scheduler.stop())
        scheduler.prepare()
        connections.close_all()  # the jobs' threads open their own; this one would only idle
        self.stdout.write(
            _("Scheduler on %(node)s: %(n)d periodic job(s).")
            % {"node": scheduler.node, "n": len(scheduler.plan())}
        )
        self.stdout.flush()
        scheduler.run()

    def _list(self, plan: dict[str, Any]) -> None:
        states = {s.name: s for s in JobState.objects.all()}
        now = timezone.now()
        for name, job in jobs().items():
            schedule = plan[name]
            state = states.get(name)
            when = (
                timezone.localtime(schedule.after(now)).strftime("%Y-%m-%d %H:%M")
                if schedule
                else "-"
            )
            last = (
                timezone.localtime(state.last_success_at).strftime("%Y-%m-%d %H:%M")
                if state and state.last_success_at
                else "-"
            )
            self.stdout.write(
                f"{name:22} {schedule.expression if schedule else _('off'):14} "
                f"{_('next')} {when:16} {_('last success')} {last:16} {job.description}"
            )


def _label(result: Result) -> str:
    return {
        Result.SUCCEEDED: _("succeeded"),
        Result.SKIPPED: _("nothing to do"),
        Result.FAILED: _("failed"),
        Result.BUSY: _("running on another node; not started"),
        Result.TAKEN: _("already run for this moment by another node"),
    }[result]
