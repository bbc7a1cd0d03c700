from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.accounts.services import token_create
from haiquan.core.problems import ProblemError


class Command(BaseCommand):
    help = "Create an API token for a user (printed once): haiquan token USERNAME --name 'ERP'"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="The system that will use the token.")
        parser.add_argument("--days", type=int, default=None, help="Expire after this many days.")

    def handle(self, *args, **o):
        user = User.objects.filter(username=o["username"]).first()
        if user is None:
            raise CommandError(f"no user {o['username']}")
        expires = timezone.now() + timedelta(days=o["days"]) if o["days"] else None
        try:
            _token, raw = token_create(user=user, name=o["name"], expires_at=expires)
        except ProblemError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
