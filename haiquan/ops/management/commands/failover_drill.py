"""`haiquan failover-drill`: the database nodes as the application sees them and, with
--promote, the promotion of the standby once the primary is gone (haiquan.ops.failover).

    haiquan failover-drill                 # each node: primary, standby (with its lag) or down
    haiquan failover-drill --promote       # promote the standby if no primary answers, then
                                           # wait until the application writes to it
    haiquan failover-drill --promote --force   # even though a primary answers (fence it first!)
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haiquan.ops.failover import application_primary, node_state, nodes, promote


class Command(BaseCommand):
    help = (
        "Show which database node is the primary and which are standbys; with --promote, "
        "promote the standby when the primary is down and wait until the application reaches it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--promote", action="store_true")
        parser.add_argument(
            "--force", action="store_true", help="promote even though a primary still answers"
        )
        parser.add_argument("--wait", type=int, default=60, metavar="SECONDS")

    def handle(self, *args: Any, **o: Any) -> None:
        listed = nodes()
        if not listed:
            raise CommandError(_("No PostgreSQL node is configured (DATABASE_URL)."))
        states = [node_state(n) for n in listed]
        roles = {
            "primary": _("primary"),
            "standby": _("standby"),
            "down": _("down"),
        }
        for s in states:
            self.stdout.write(f"{s.node.host}:{s.node.port}  {roles[s.role]}  {s.detail}")
        if not o["promote"]:
            return
        primaries = [s for s in states if s.role == "primary"]
        standbys = [s for s in states if s.role == "standby"]
        if primaries and not o["force"]:
            raise CommandError(
                _(
                    "A primary still answers (%(node)s): promoting a standby now would give two "
                    "primaries. Stop or fence it first, or give --force."
                )
                % {"node": f"{primaries[0].node.host}:{primaries[0].node.port}"}
            )
        if not standbys:
            raise CommandError(_("No standby answers: there is nothing to promote."))
        chosen = standbys[0].node
        self.stdout.write(_("Promoting %(node)s...") % {"node": f"{chosen.host}:{chosen.port}"})
        try:
            promote(chosen, wait_seconds=o["wait"])
        except (psycopg.Error, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        reached = application_primary(o["wait"])
        if reached is None:
            raise CommandError(
                _("The application reaches no primary within %(seconds)s s.")
                % {"seconds": o["wait"]}
            )
        self.stdout.write(
            _("The application now writes to %(node)s.") % {"node": f"{reached[0]}:{reached[1]}"}
        )
