"""haiquan history-import FILE.jsonl --actor USERNAME [--dry-run]: bring declaration history
from another system into haiquan (see haiquan/clearance/history.py and docs/history-import.md)."""

from __future__ import annotations

import io
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.clearance.history import history_import


class Command(BaseCommand):
    help = (
        "Import finished declarations (JSON Lines, one per line) from another system: every "
        "record is checked first and nothing is written if any is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON Lines file, or - for standard input")
        parser.add_argument(
            "--actor", required=True, help="administrator the import is recorded under"
        )
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = User.objects.filter(username=o["actor"], is_active=True).first()
        if actor is None or actor.role != Role.ADMIN:
            raise CommandError(
                _("--actor: %(user)s is not an active administrator.") % {"user": o["actor"]}
            )
        started = time.perf_counter()
        try:
            if o["file"] == "-":
                stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
                report = history_import(stream=stdin, actor=actor, dry_run=o["dry_run"])
            else:
                with open(o["file"], encoding="utf-8") as stream:
                    report = history_import(stream=stream, actor=actor, dry_run=o["dry_run"])
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{o['file']}: {exc}") from exc
        seconds = time.perf_counter() - started
        if not report.ok:
            for line_no, p in report.problems:
                where = _("line %(n)d") % {"n": line_no} if line_no else _("file")
                self.stderr.write(f"{where}: {p.field or '-'}: {p.problem} [{p.code}]")
            raise CommandError(
                _("%(p)d problem(s) in %(r)d record(s); nothing imported.")
                % {"p": report.problem_count, "r": report.records}
            )
        if o["dry_run"]:
            self.stdout.write(
                _("%(r)d record(s) checked, no problem; nothing written.") % {"r": report.records}
            )
            return
        rate = report.declarations / seconds if seconds else 0.0
        self.stdout.write(
            _(
                "Imported %(d)d declarations, %(l)d lines, %(e)d events in %(s).1f s (%(r)d "
                "declarations a second)."
            )
            % {
                "d": report.declarations,
                "l": report.lines,
                "e": report.events,
                "s": seconds,
                "r": round(rate),
            }
        )
