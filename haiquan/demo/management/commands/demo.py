"""`haiquan demo`: a ready-to-try installation in one command.

Migrates the database, loads the reference data and the tariff, sets up Quảng Ninh's central
team, the demo log-ins, the risk profiles and the partner banks, generates the history (unless
it is there already), and prints how to log in. `--serve` then starts the development server.
"""

from __future__ import annotations

from datetime import date
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from haiquan.demo.choices import DatasetMode
from haiquan.demo.generator import DemoDataExists, demo_generate, history_period, national_generate
from haiquan.demo.models import DemoDataset
from haiquan.demo.reset import NothingToReset, demo_reset
from haiquan.demo.setup import (
    DEMO_PASSWORD,
    central_team_ensure,
    demo_banks_ensure,
    demo_enrolment_links,
    demo_token_issue,
    risk_profiles_ensure,
    staff_users_ensure,
    trader_users_ensure,
)

DEFAULT_ADDRESS = "127.0.0.1:8000"
# Apps whose `demo.py` adds content once the history is there, in the order they build on
# each other: the learned model before the audit candidates it ranks, the aggregates last.
DEMO_APPS = (
    "transit",
    "singlewindow",
    "eservices",
    "portal",
    "riskml",
    "postaudit",
    "timerelease",
    "stats",
)


class Command(BaseCommand):
    help = "Set up a demo installation with realistic synthetic history, and print the log-ins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2020, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--months", type=int, default=24, help="full months of history (default 24)"
        )
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            default=None,
            help="last day of the history, YYYY-MM-DD (default: today, up to now)",
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="volume relative to the calibrated one (Quảng Ninh ~5,000 a month)",
        )
        parser.add_argument(
            "--national",
            type=int,
            default=0,
            metavar="N",
            help="also generate N declarations in national benchmark mode",
        )
        parser.add_argument(
            "--chunk", type=int, default=20_000, help="declarations per transaction"
        )
        parser.add_argument("--reset", action="store_true", help="wipe the generated data first")
        parser.add_argument(
            "--serve",
            nargs="?",
            const=DEFAULT_ADDRESS,
            default=None,
            metavar="ADDR:PORT",
            help=f"then run the server (default {DEFAULT_ADDRESS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]

        def say(message: str) -> None:
            if verbosity:
                self.stdout.write(message)

        say(_("Migrating the database…"))
        call_command("migrate", interactive=False, verbosity=0)
        say(_("Loading reference data and the tariff…"))
        call_command("load_refdata", verbosity=0)
        if options["reset"]:
            try:
                removed = demo_reset()
                say(
                    _(
                        "Reset: removed %(d)d declarations, %(e)d events, %(n)d enterprises, %(u)d accounts."
                    )
                    % {
                        "d": removed["declarations"],
                        "e": removed["events"],
                        "n": removed["enterprises"],
                        "u": removed["users"],
                    }
                )
            except NothingToReset as exc:
                say(str(exc))
        central_team_ensure()
        staff = staff_users_ensure()
        from haiquan.accounts.models import User

        analyst = User.objects.get(username="rr.phantich")
        try:
            start, _end = history_period(months=options["months"], until=options["until"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        risk_profiles_ensure(valid_from=start.date(), actor=analyst)
        banks = demo_banks_ensure()

        try:
            report = demo_generate(
                seed=options["seed"],
                months=options["months"],
                until=options["until"],
                scale=options["scale"],
                progress=say,
                chunk_size=options["chunk"],
            )
            for line in report.lines_of_text():
                say("  " + line)
        except DemoDataExists:
            existing = DemoDataset.objects.filter(mode=DatasetMode.DEMO).first()
            say(
                _(
                    "Demo history exists already (%(d)s); not generated again. Use --reset to start over."
                )
                % {"d": existing}
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["national"]:
            self._national(options, say)

        traders = trader_users_ensure()
        others = self._apps_setup(say)
        token = demo_token_issue()
        logins = staff + traders + others
        enrolment = demo_enrolment_links([login.username for login in logins])
        self._print_summary(options["serve"] or DEFAULT_ADDRESS, logins, token, banks, enrolment)
        if options["serve"]:
            call_command("runserver", options["serve"], "--noreload")

    def _apps_setup(self, say: Any) -> list:
        """Each app's own demo content on top of the history (`<app>/demo.py: demo_setup`), in
        the order the parts build on each other; returns the log-ins they added."""
        logins: list = []
        for app in DEMO_APPS:
            try:
                module = import_module(f"haiquan.{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"haiquan.{app}.demo":
                    raise
                continue
            say(_("Demo content: %(app)s…") % {"app": apps.get_app_config(app).verbose_name})
            added = module.demo_setup(say=say)
            logins += list(added or [])
        return logins

    def _national(self, options: dict[str, Any], say: Any) -> None:
        n, seed = options["national"], options["seed"]
        done = DemoDataset.objects.filter(
            mode=DatasetMode.NATIONAL,
            seed=seed,
            parameters__declarations=n,
            finished_at__isnull=False,
        )
        if done.exists():
            say(
                _("A national run of %(n)d declarations (seed %(s)d) exists already; not repeated.")
                % {"n": n, "s": seed}
            )
            return
        report = national_generate(
            seed=seed,
            declarations=n,
            until=options["until"],
            progress=say,
            chunk_size=options["chunk"],
        )
        for line in report.lines_of_text():
            say("  " + line)

    def _print_summary(
        self,
        address: str,
        logins: list,
        token: str | None,
        banks: dict[str, str],
        enrolment: dict[str, str] | None = None,
    ) -> None:
        url = f"http://{address}/"
        w = self.stdout.write
        w("")
        w(self.style.SUCCESS(_("haiquan demo is ready.")))
        w(_("Open %(url)s — API documentation at %(url)sapi/v1/docs") % {"url": url})
        w(_("Log-ins (password for all: %(pw)s):") % {"pw": DEMO_PASSWORD})
        for login in logins:
            w(f"  {login.username:<16} {login.description}")
        if enrolment:
            w(
                _(
                    "Customs staff also need an authenticator app (TOTP). Log in with the password, "
                    "then open your one-time enrolment link (valid 72 hours; a new one with "
                    "`haiquan enrolment-link USER`):"
                )
            )
            for username, path in enrolment.items():
                w(f"  {username:<16} {url.rstrip('/')}{path}")
        if token:
            w(_("API token of dn.hoanglong (shown once): %(t)s") % {"t": token})
            w(
                "  "
                + _("It may read, file, pay and use the portal (scopes), and expires in 90 days.")
            )
        w(_("Partner banks and their demo signing secrets:"))
        for code, secret in banks.items():
            w(f"  {code:<6} {secret}")
