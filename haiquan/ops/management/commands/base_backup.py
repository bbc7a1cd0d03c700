"""`haiquan base-backup --to DIR`: a base backup of the primary (pg_basebackup, plain format,
with its WAL and a manifest checked by pg_verifybackup) in a new dated directory under DIR.
With the primary's WAL archive it is what `haiquan restore-drill` restores from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from haiquan.ops.backup import base_backup
from haiquan.ops.pgcluster import ClusterError


class Command(BaseCommand):
    help = "Take a base backup of the primary database (pg_basebackup) into a dated directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, metavar="DIR", type=Path)

    def handle(self, *args: Any, **o: Any) -> None:
        db = connections["default"].settings_dict
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError(_("Base backups are taken of PostgreSQL only."))
        try:
            target = base_backup(db, o["to"])
        except ClusterError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("Base backup written and verified: %(dir)s") % {"dir": target})
