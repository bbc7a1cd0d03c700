import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from haiquan.accounts.models import User
from haiquan.accounts.selectors import user_needs_second_factor
from haiquan.accounts.services import enrolment_link_issue


class Command(BaseCommand):
    help = (
        "Issue a one-time link for a customs user to set up the authenticator (printed once): "
        "haiquan enrolment-link USERNAME [--base-url https://haiquan.example] [--issued-by ADMIN]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--base-url", default="", help="The site's address, e.g. https://…")
        parser.add_argument("--issued-by", help="The administrator issuing it.")

    def handle(self, *args: Any, **o: Any) -> None:
        user = User.objects.filter(username=o["username"]).first()
        if user is None:
            raise CommandError(f"no user {o['username']}")
        if not user_needs_second_factor(user) or user.is_system_account:
            raise CommandError(f"{user.username} logs in without a second factor")
        issuer = None
        if o["issued_by"]:
            issuer = User.objects.filter(username=o["issued_by"]).first()
            if issuer is None:
                raise CommandError(f"no user {o['issued_by']}")
        _link, raw = enrolment_link_issue(
            user=user,
            issued_by=issuer,
            issued_by_label="" if issuer else f"command line ({getpass.getuser()})",
        )
        self.stdout.write(o["base_url"].rstrip("/") + reverse("accounts:enrol", args=[raw]))
