"""`haiquan verify-log`: recompute every link of the event log's and the access trail's hash
chains and every daily root; name the first broken link of each chain.

    haiquan verify-log                         # both logs; exit status 1 on any break
    haiquan verify-log --log events
    haiquan verify-log --roots ministry.jsonl  # and compare with a partner's copy of the roots
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haiquan.eventlog.chain import CHAINS, Break, chain_verify
from haiquan.eventlog.kinds import kind_label


def describe(b: Break) -> str:
    """A break in words, naming the row (and for an event its kind and subject)."""
    from haiquan.eventlog.models import Event

    what = _("access record #%(id)s") % {"id": b.row_id}
    if b.log == "events" and b.row_id is not None:
        event = Event.objects.filter(pk=b.row_id).first()
        what = _("event #%(id)s (%(kind)s, %(subject)s #%(subject_id)s)") % {
            "id": b.row_id,
            "kind": kind_label(event.kind) if event else "?",
            "subject": event.subject_type if event else "?",
            "subject_id": event.subject_id if event else "?",
        }
    if b.reason == "altered":
        return _(
            "%(what)s: its content or its link to the row before it does not match its hash "
            "(changed after it was written)."
        ) % {"what": what}
    if b.reason == "missing":
        return _(
            "%(what)s: the rows at positions %(range)s of its chain before it are missing "
            "(removed)."
        ) % {"what": what, "range": b.detail}
    if b.reason == "forked":
        return _(
            "%(what)s: a second row in the same place of its chain (after row #%(other)s)."
        ) % {
            "what": what,
            "other": b.detail,
        }
    if b.reason == "unsealed":
        return _("%(what)s: has no link (written behind the chain's trigger).") % {"what": what}
    if b.detail == "partner":
        return _(
            "The root of %(day)s differs from the partner's copy, or is missing here "
            "(the log or its roots were rewritten)."
        ) % {"day": b.chain[0]}
    return _(
        "The root of %(day)s no longer matches its rows (rows were changed, removed or added "
        "in that day's range)."
    ) % {"day": b.chain[0]}


class Command(BaseCommand):
    help = (
        "Check the hash chains of the event log and the access trail, and their daily roots; "
        "name the first broken link. Exit status 1 on any break."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--log", choices=sorted(CHAINS), action="append")
        parser.add_argument(
            "--roots", metavar="FILE", help="a partner's copy of the roots (haiquan log-roots)"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        partner: list[dict[str, Any]] = []
        if o["roots"]:
            try:
                text = Path(o["roots"]).read_text(encoding="utf-8")
                partner = [json.loads(line) for line in text.splitlines() if line.strip()]
            except (OSError, ValueError) as exc:
                raise CommandError(
                    _("Cannot read the roots file %(file)s: %(error)s")
                    % {"file": o["roots"], "error": exc}
                ) from exc
        broken = False
        for name in o["log"] or sorted(CHAINS):
            result = chain_verify(CHAINS[name], partner_roots=partner)
            label = _("event log") if name == "events" else _("access trail")
            self.stdout.write(
                _("%(log)s: %(rows)d rows in %(chains)d chains, %(roots)d daily roots checked.")
                % {
                    "log": label,
                    "rows": result.rows,
                    "chains": result.chains,
                    "roots": result.roots,
                }
            )
            for b in result.breaks:
                broken = True
                self.stdout.write("  " + describe(b))
        if broken:
            raise CommandError(_("The record has been altered: see the breaks above."))
        self.stdout.write(_("Every link and every root verifies."))
