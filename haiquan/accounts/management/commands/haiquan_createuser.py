import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.services import user_create
from haiquan.core.problems import ProblemError


class Command(BaseCommand):
    help = "Create a user in a role with its scope (haiquan createuser NAME --role officer --office 20BD)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--password", help="Prompted for when omitted (use --no-password for systems)."
        )
        parser.add_argument(
            "--system",
            "--no-password",
            dest="system",
            action="store_true",
            help="A system account (no password, API tokens only); customs roles get tokens only so.",
        )
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--enterprise", action="append", default=[], help="MST a declarant files for."
        )
        parser.add_argument("--employer", help="MST of the broker firm (brokers).")
        parser.add_argument(
            "--office", action="append", default=[], help="Office code (officers, leaders)."
        )
        parser.add_argument("--team", action="append", default=[], help="Central team code.")

    def handle(self, *args: Any, **o: Any) -> None:
        password = None
        if not o["system"]:
            password = o["password"] or getpass.getpass("Password: ")
        try:
            user = user_create(
                username=o["username"],
                password=password,
                role=o["role"],
                email=o["email"],
                enterprise_msts=o["enterprise"],
                employer_mst=o["employer"],
                office_codes=o["office"],
                team_codes=o["team"],
                system_account=o["system"],
            )
        except ProblemError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Created %(user)s (%(role)s).")
            % {"user": user.username, "role": user.get_role_display()}
        )
