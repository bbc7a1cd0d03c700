import getpass
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import token_create, token_max_days
from haiquan.core.apiscopes import Scope
from haiquan.core.problems import ProblemError


class Command(BaseCommand):
    help = (
        "Issue an API token (printed once): haiquan token USERNAME --name ERP --scope read "
        "--scope file --days 90 [--purpose TEXT] [--issued-by ADMIN]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="The system that will use the token.")
        parser.add_argument(
            "--scope",
            action="append",
            required=True,
            choices=Scope.values,
            help="What the token may be used for (repeat for several).",
        )
        parser.add_argument(
            "--days",
            type=int,
            required=True,
            help="Days until it expires (at most HAIQUAN_API_TOKEN_MAX_DAYS, default 365).",
        )
        parser.add_argument(
            "--purpose", default="", help="What the system uses it for (required for customs)."
        )
        parser.add_argument(
            "--issued-by", help="The administrator issuing it (default: the operating-system user)."
        )

    def handle(self, *args: Any, **o: Any) -> None:
        user = User.objects.filter(username=o["username"]).first()
        if user is None:
            raise CommandError(f"no user {o['username']}")
        if not 1 <= o["days"] <= token_max_days():
            raise CommandError(f"--days must be between 1 and {token_max_days()}")
        issuer = None
        if o["issued_by"]:
            issuer = User.objects.filter(username=o["issued_by"]).first()
            if issuer is None:
                raise CommandError(f"no user {o['issued_by']}")
        try:
            _token, raw = token_create(
                user=user,
                name=o["name"],
                scopes=o["scope"],
                expires_at=timezone.now() + timedelta(days=o["days"]),
                issued_by=issuer,
                issued_by_label="" if issuer else f"command line ({getpass.getuser()})",
                purpose=o["purpose"],
            )
        except ProblemError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
