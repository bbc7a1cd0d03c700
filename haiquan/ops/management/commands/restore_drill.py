"""`haiquan restore-drill`: restore a base backup and the WAL archive to a point in time into a
scratch cluster this command starts, and verify it (haiquan.ops.backup).

    haiquan restore-drill --base-backup DIR --wal-archive DIR [--target-time TIME]
                          [--port N] [--database NAME] [--keep] [--report FILE]

Exit status 1 if the restore fails or its verification finds anything.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from haiquan.ops.backup import restore_drill
from haiquan.ops.pgcluster import ClusterError, owned_dir


class Command(BaseCommand):
    help = (
        "Restore a base backup and the WAL archive to a point in time into a scratch cluster, "
        "then verify row counts and the record's hash chains (verify-log)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-backup", required=True, type=Path, metavar="DIR")
        parser.add_argument("--wal-archive", required=True, type=Path, metavar="DIR")
        parser.add_argument(
            "--target-time",
            metavar="TIME",
            help="e.g. '2026-12-07 13:20:00+07'; the end of the archive if not given",
        )
        parser.add_argument("--port", type=int, help="the scratch cluster's (5440 or next free)")
        parser.add_argument("--database", help="the database to verify (DATABASE_URL's name)")
        parser.add_argument("--keep", action="store_true", help="leave the cluster running")
        parser.add_argument("--report", type=Path, metavar="FILE", help="write the result as JSON")

    def handle(self, *args: Any, **o: Any) -> None:
        for opt in ("base_backup", "wal_archive"):
            if not o[opt].is_dir():
                raise CommandError(
                    _("--%(option)s: %(dir)s is not a directory.")
                    % {"option": opt.replace("_", "-"), "dir": o[opt]}
                )
        target_time = o["target_time"]
        if target_time:
            try:
                when = datetime.fromisoformat(target_time)
            except ValueError as exc:
                raise CommandError(
                    _("--target-time: %(value)s is not a date and time (2026-12-07 13:20:00+07).")
                    % {"value": target_time}
                ) from exc
            if when.tzinfo is None:
                raise CommandError(
                    _("--target-time: give the time zone too (2026-12-07 13:20:00+07).")
                )
            target_time = when.isoformat()
        database = o["database"] or connections["default"].settings_dict["NAME"]
        workdir = owned_dir("haiquan-restore-")
        try:
            result, cluster = restore_drill(
                backup=o["base_backup"].resolve(),
                archive=o["wal_archive"].resolve(),
                target_time=target_time,
                database=str(database),
                port=o["port"],
                keep=o["keep"],
                workdir=workdir,
            )
        except ClusterError as exc:
            raise CommandError(str(exc)) from exc
        if o["report"]:
            o["report"].write_text(json.dumps(asdict(result), indent=1), encoding="utf-8")
        w = self.stdout.write
        w(
            _("Restore to %(target)s on port %(port)s: %(seconds)s s.")
            % {"target": result.target_time, "port": result.port, "seconds": result.seconds}
        )
        for table, n in sorted(result.counts.items()):
            if n:
                w(f"  {table}: {n}")
        if result.last_event_at:
            w(_("Last event: %(at)s") % {"at": result.last_event_at})
        if result.verify_log_output:
            w(result.verify_log_output)
        if o["keep"]:
            w(
                _("The scratch cluster is still running: %(url)s (data in %(dir)s).")
                % {"url": cluster.url(str(database)), "dir": cluster.datadir}
            )
        if not result.ok:
            for p in result.problems:
                w(_("PROBLEM: %(problem)s") % {"problem": p})
            raise CommandError(_("The restore drill failed."))
        w(_("The restore drill passed."))
