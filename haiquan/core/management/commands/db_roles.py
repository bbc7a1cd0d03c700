import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haiquan.core.dbroles import RoleProblem, db_roles_ensure


class Command(BaseCommand):
    help = (
        "Create or update the PostgreSQL role the application runs as (owns nothing, reads and "
        "writes rows only; the event log and access trail append-only). Run as the owner after "
        "each migrate: haiquan db-roles --app-role haiquan_app "
        "(password from HAIQUAN_APP_DB_PASSWORD)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-role", default="haiquan_app")
        parser.add_argument(
            "--password-env",
            default="HAIQUAN_APP_DB_PASSWORD",
            help="Environment variable holding the role's password (unset = leave it unchanged).",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        password = os.environ.get(o["password_env"]) or None
        try:
            report = db_roles_ensure(app_role=o["app_role"], app_password=password)
        except RoleProblem as exc:
            raise CommandError(str(exc)) from exc
        verb = "created" if report.created else "updated"
        self.stdout.write(
            f"{report.app_role} {verb}: rows of {report.tables} tables (event log and access "
            f"trail append-only), owns nothing; migrations stay with {report.owner}."
        )
