"""The `haiquan` command: Django's management commands under haiquan's settings.

haiquan migrate | load-refdata | demo | createuser | token | enrolment-link | db-roles | serve | ...
"""

from __future__ import annotations

import os
import sys

# Short names an operator types, mapped to management commands.
ALIASES = {
    "load-refdata": "load_refdata",
    "load-tariff": "load_tariff",
    "demo": "demo",
    "createuser": "haiquan_createuser",
    "token": "haiquan_token",
    "serve": "serve",
    "telemetry-mqtt": "telemetry_mqtt",
    "telemetry-simulate": "telemetry_simulate",
    "transit-watch": "transit_watch",
    "supervision-watch": "supervision_watch",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haiquan.config.settings.local")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        # `haiquan history-import` runs `history_import`: commands are typed with hyphens.
        args[1] = ALIASES.get(args[1], args[1].replace("-", "_"))
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
