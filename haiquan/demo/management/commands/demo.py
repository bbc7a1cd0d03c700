"""`haiquan demo`: a ready-to-try installation in one command.

First it checks that the database is its own or empty (`haiquan.demo.guard`): anything else it
refuses, changing nothing. Then it migrates the database, loads the reference data and the
tariff, marks the database as a demo database in the same transaction as its first content
(Quảng Ninh's central team and the staff log-ins), sets up the risk profiles and the partner
banks, generates the history (unless it is there already), adds every part's own demo content,
and prints how to log in. `--serve` then starts the development server.

It speaks the language of whoever runs it (the `haiquan` command's `--language` or locale), with
the share done and the time left on every step; the content it writes is in the installation's
language (LANGUAGE_CODE), whoever runs it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from importlib import import_module
from multiprocessing.connection import Connection
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from haiquan.core.i18n import concat, later
from haiquan.demo.choices import DatasetMode
from haiquan.demo.generator import (
    DemoDataExists,
    demo_generate,
    expected_declarations,
    history_period,
    national_generate,
)
from haiquan.demo.guard import NotADemoDatabase, demo_database_check, demo_database_claim
from haiquan.demo.models import DemoDataset
from haiquan.demo.progress import DemoProgress
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
    "manifests",
    "riskml",
    "postaudit",
    "timerelease",
    "stats",
)
# The last parts, which only read what the others made: run side by side (`_alongside`).
ALONGSIDE = ("timerelease", "stats")
# Parts built in a second process while the others are built in this one (`_apart`): they read
# only the history (and the audit candidates the learned model), write nothing the others read,
# and are mostly Python, which a second thread could not run at the same time.
APART = ("riskml", "postaudit")
# HAIQUAN_DEMO_TIMES=FILE appends each phase's wall and CPU seconds to FILE (BENCHMARKS.md).
TIMES_VARIABLE = "HAIQUAN_DEMO_TIMES"


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

    def execute(self, *args: Any, **options: Any) -> Any:
        """A refusal or a problem is said in the user's words, without Django's "CommandError:"
        in front; a non-zero exit all the same."""
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            self.stderr.write(f"haiquan demo: {exc}")
            sys.exit(exc.returncode)

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        # Whoever runs the demo reads its messages in their language; what it writes into the
        # database is in the installation's.
        language = translation.get_language() or settings.LANGUAGE_CODE
        progress = DemoProgress(write=self.stdout.write, language=language, quiet=not verbosity)
        self.times: list[tuple[str, float, float]] = []
        try:
            demo_database_check()
        except NotADemoDatabase as exc:
            raise CommandError(str(exc)) from exc
        try:
            start, _end = history_period(months=options["months"], until=options["until"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        with translation.override(settings.LANGUAGE_CODE):
            fresh = options["reset"] or not _history_exists()
            phases = ["setup", *(["generate"] if fresh else []), *self._content_apps(fresh)]
            progress.plan(
                phases,
                expected_declarations(
                    months=options["months"], until=options["until"], scale=options["scale"]
                )
                + options["national"],
            )
            progress.phase("setup")
            with self._timed("setup"):
                progress(later(gettext_noop("Migrating the database…")))
                call_command("migrate", interactive=False, verbosity=0)
                progress(later(gettext_noop("Loading reference data and the tariff…")))
                call_command("load_refdata", verbosity=0)
                with transaction.atomic():
                    # The mark first, with the first demo content: a crash leaves an empty
                    # database or a marked one, never a half-made one without the mark.
                    demo_database_claim()
                    if options["reset"]:
                        self._reset(progress)
                    central_team_ensure()
                    staff = staff_users_ensure()
                from haiquan.accounts.models import User

                analyst = User.objects.get(username="rr.phantich")
                risk_profiles_ensure(valid_from=start.date(), actor=analyst)
                banks = demo_banks_ensure()

            progress.phase("generate")
            with self._timed("generate"):
                self._generate(options, progress)
                if options["national"]:
                    self._national(options, progress)
                traders = trader_users_ensure()
            others = self._apps_setup(progress, fresh)
            token = demo_token_issue()
        progress.finish()
        self._times_write()
        logins = staff + traders + others
        enrolment = demo_enrolment_links([login.username for login in logins])
        self._print_summary(
            progress, options["serve"] or DEFAULT_ADDRESS, logins, token, banks, enrolment
        )
        if options["serve"]:
            self._serve(progress, options["serve"])

    # -----------------------------------------------------------------------------------------

    @contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        """Note the phase's wall and CPU seconds (written to HAIQUAN_DEMO_TIMES)."""
        wall, cpu = time.monotonic(), time.process_time()
        try:
            yield
        finally:
            self.times.append((name, time.monotonic() - wall, time.process_time() - cpu))

    def _times_write(self) -> None:
        path = os.environ.get(TIMES_VARIABLE)
        if not path:
            return
        with open(path, "a", encoding="utf-8") as out:
            for name, wall, cpu in self.times:
                out.write(f"{name}\t{wall:.1f}\t{cpu:.1f}\n")
            out.write(
                f"total\t{sum(t[1] for t in self.times):.1f}\t{sum(t[2] for t in self.times):.1f}\n"
            )

    def _reset(self, progress: DemoProgress) -> None:
        try:
            removed = demo_reset()
        except NothingToReset as exc:
            progress(exc)
            return
        progress(
            later(
                gettext_noop(
                    "Reset: removed %(d)s declarations, %(e)s events, %(n)s enterprises, %(u)s "
                    "accounts."
                ),
                d=removed["declarations"],
                e=removed["events"],
                n=removed["enterprises"],
                u=removed["users"],
            )
        )

    def _generate(self, options: dict[str, Any], progress: DemoProgress) -> None:
        try:
            report = demo_generate(
                seed=options["seed"],
                months=options["months"],
                until=options["until"],
                scale=options["scale"],
                progress=progress,
                advance=progress.advance,
                chunk_size=options["chunk"],
            )
        except DemoDataExists:
            existing = DemoDataset.objects.filter(mode=DatasetMode.DEMO).first()
            progress(
                later(
                    gettext_noop(
                        "Demo history exists already (%(a)s to %(b)s, seed %(s)s); not generated "
                        "again. Use --reset to start over."
                    ),
                    a=f"{existing.period_start:%Y-%m-%d}" if existing else "-",
                    b=f"{existing.period_end:%Y-%m-%d}" if existing else "-",
                    s=existing.seed if existing else "-",
                )
            )
            return
        except ValueError as exc:
            # The message is translated when shown: in the language of whoever runs the demo.
            raise CommandError(exc.args[0] if exc.args else exc) from exc
        for line in report.lines_of_text():
            progress(concat("  ", line))

    def _content_apps(self, fresh: bool) -> list[str]:
        if not fresh:
            return []  # their content is there: each only checks and adds what is missing
        return [a for a in DEMO_APPS if _demo_module(a) is not None]

    def _apps_setup(self, progress: DemoProgress, fresh: bool) -> list:
        """Each app's own demo content on top of the history (`<app>/demo.py: demo_setup`), in
        the order the parts build on each other; returns the log-ins they added. The last two
        (`ALONGSIDE`: the time-release store and the statistics) only read what the others made
        and nothing of each other's, so they run at once, one on a second thread: the second
        core works, and each builds what it would have built alone."""
        logins: list = []
        # A second connection sees only committed rows: inside a caller's transaction (a test's)
        # everything runs one after the other, here.
        concurrent = not connection.in_atomic_block
        apart = [a for a in APART if _demo_module(a) is not None]
        child = self._apart(apart, progress) if concurrent and apart else None
        for app in DEMO_APPS:
            if app in ALONGSIDE or (child is not None and app in APART):
                continue
            logins += self._app_setup(app, progress, fresh)
        pair = [a for a in ALONGSIDE if _demo_module(a) is not None]
        if len(pair) == 2 and concurrent:
            self._alongside(pair, progress, fresh)
        else:
            for app in pair:
                logins += self._app_setup(app, progress, fresh)
        if child is not None:
            child.wait()
        return logins

    def _apart(self, group: list[str], progress: DemoProgress) -> _Apart | None:
        """Start building `group` (in order) in a forked process with its own database
        connection; its messages are shown here as they come. None where processes cannot be
        forked (the group is then built here with the others)."""
        name = str(connection.settings_dict["NAME"])
        in_memory = connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)
        if not hasattr(os, "fork") or in_memory:
            return None  # no fork, or a database only this process can see
        connections.close_all()  # the child opens its own
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(
            target=_apart_main,
            args=(group, send, progress.language),
            name="demo-apart",
            daemon=False,
        )
        process.start()
        send.close()
        apart = _Apart(group, process, receive, progress, self.times)
        apart.listen()
        return apart

    def _app_setup(self, app: str, progress: DemoProgress, fresh: bool) -> list:
        module = _demo_module(app)
        if module is None:
            return []
        if fresh:
            progress.phase(app)
        progress(
            later(gettext_noop("Demo content: %(app)s…"), app=apps.get_app_config(app).verbose_name)
        )
        with self._timed(app):
            added = module.demo_setup(say=progress)
        return list(added or [])

    def _alongside(self, pair: list[str], progress: DemoProgress, fresh: bool) -> None:
        """`pair[1]` on a second thread (its own database connection, the installation's
        language for what it writes) while `pair[0]` runs here; errors of either are raised."""
        first, second = pair
        failed: list[BaseException] = []

        def run_second() -> None:
            try:
                _patient_sqlite()
                with translation.override(settings.LANGUAGE_CODE):
                    wall, cpu = time.monotonic(), time.thread_time()
                    progress(
                        later(
                            gettext_noop("Demo content: %(app)s…"),
                            app=apps.get_app_config(second).verbose_name,
                        )
                    )
                    _demo_module(second).demo_setup(say=progress)
                    self.times.append((second, time.monotonic() - wall, time.thread_time() - cpu))
            except BaseException as exc:
                failed.append(exc)
            finally:
                connection.close()  # this thread's own connection (`connection` is per thread)

        thread = threading.Thread(target=run_second, name=f"demo-{second}")
        restore = _patient_sqlite()
        if fresh:
            progress.phase(first)
        thread.start()
        try:
            progress(
                later(
                    gettext_noop("Demo content: %(app)s…"),
                    app=apps.get_app_config(first).verbose_name,
                )
            )
            wall, cpu = time.monotonic(), time.thread_time()
            _demo_module(first).demo_setup(say=progress)
            self.times.append((first, time.monotonic() - wall, time.thread_time() - cpu))
            if fresh:
                progress.phase(second)  # what is left is the second's
        finally:
            thread.join()
            _patient_sqlite(restore)
        if failed:
            raise failed[0]

    def _national(self, options: dict[str, Any], progress: DemoProgress) -> None:
        n, seed = options["national"], options["seed"]
        done = DemoDataset.objects.filter(
            mode=DatasetMode.NATIONAL,
            seed=seed,
            parameters__declarations=n,
            finished_at__isnull=False,
        )
        if done.exists():
            progress(
                later(
                    gettext_noop(
                        "A national run of %(n)s declarations (seed %(s)s) exists already; not "
                        "repeated."
                    ),
                    n=n,
                    s=seed,
                )
            )
            return
        report = national_generate(
            seed=seed,
            declarations=n,
            until=options["until"],
            progress=progress,
            chunk_size=options["chunk"],
        )
        for line in report.lines_of_text():
            progress(concat("  ", line))

    def _print_summary(
        self,
        progress: DemoProgress,
        address: str,
        logins: list,
        token: str | None,
        banks: dict[str, str],
        enrolment: dict[str, str] | None = None,
    ) -> None:
        url = f"http://{address}/"
        w = progress.plain
        w("")
        w(self.style.SUCCESS(later(gettext_noop("haiquan demo is ready."))))
        w(later(gettext_noop("Open %(url)s — API documentation at %(url)sapi/v1/docs"), url=url))
        w(later(gettext_noop("Log-ins (password for all: %(pw)s):"), pw=DEMO_PASSWORD))
        for login in logins:
            # Descriptions are lazy: they read in the language of whoever runs the demo.
            w(f"  {login.username:<16} {login.description}")
        if enrolment:
            w(
                later(
                    gettext_noop(
                        "Customs staff also need an authenticator app (TOTP). Log in with the "
                        "password, then open your one-time enrolment link (valid 72 hours; a new "
                        "one with `haiquan enrolment-link USER`):"
                    )
                )
            )
            for username, path in enrolment.items():
                w(f"  {username:<16} {url.rstrip('/')}{path}")
        if token:
            w(later(gettext_noop("API token of dn.hoanglong (shown once): %(t)s"), t=token))
            w(
                concat(
                    "  ",
                    later(
                        gettext_noop(
                            "It may read, file, pay and use the portal (scopes), and expires in "
                            "90 days."
                        )
                    ),
                )
            )
        w(later(gettext_noop("Partner banks and their demo signing secrets:")))
        for code, secret in banks.items():
            w(f"  {code:<6} {secret}")

    def _serve(self, progress: DemoProgress, address: str) -> None:
        """The development server, without its English start-up banner (the summary above says
        where it answers); its request log lines carry no words."""
        progress.plain(
            later(
                gettext_noop("Serving on http://%(a)s/ — stop with Control-C."),
                a=address,
            )
        )
        with open(os.devnull, "w", encoding="utf-8") as quiet:
            call_command("runserver", address, "--noreload", "--skip-checks", stdout=quiet)


def _apart_main(group: list[str], send: Connection, language: str) -> None:
    """The forked process of `Command._apart`: build each app of `group`, sending what it says
    (in `language`, the reader's), its wall and CPU seconds, and any failure to the parent."""
    try:
        _patient_sqlite()
        for app in group:
            module = _demo_module(app)
            if module is None:
                continue

            def say(message: object) -> None:
                with translation.override(language):
                    send.send(("say", str(message)))

            say(
                later(
                    gettext_noop("Demo content: %(app)s…"),
                    app=apps.get_app_config(app).verbose_name,
                )
            )
            wall, cpu = time.monotonic(), time.process_time()
            module.demo_setup(say=say)
            send.send(("done", app, time.monotonic() - wall, time.process_time() - cpu))
    except BaseException:  # every failure is the parent's to raise
        send.send(("failed", traceback.format_exc()))
    finally:
        connections.close_all()
        send.close()


class _Apart:
    """The parent's side of `_apart_main`: a thread shows the child's messages with the run's
    progress, counts its finished phases as done, and keeps its times."""

    def __init__(
        self,
        group: list[str],
        process: Any,
        receive: Connection,
        progress: DemoProgress,
        times: list[tuple[str, float, float]],
    ) -> None:
        self.group, self.process, self.receive = group, process, receive
        self.progress, self.times = progress, times
        self.failure: str | None = None
        self.thread = threading.Thread(target=self._listen, name="demo-apart-listener")

    def listen(self) -> None:
        self.thread.start()

    def _listen(self) -> None:
        while True:
            try:
                message = self.receive.recv()
            except EOFError:
                return
            match message:
                case ("say", text):
                    self.progress(text)
                case ("done", app, wall, cpu):
                    self.progress.done.add(app)
                    self.times.append((app, wall, cpu))
                case ("failed", text):
                    self.failure = text

    def wait(self) -> None:
        """Wait for the child; raise what failed there."""
        self.process.join()
        self.thread.join()
        self.receive.close()
        if self.failure is not None or self.process.exitcode != 0:
            raise CommandError(
                self.failure or f"the demo's second process ended with {self.process.exitcode}"
            )


def _patient_sqlite(milliseconds: int | None = None) -> int | None:
    """On SQLite, let this thread's connection wait up to 10 minutes (or `milliseconds`) for the
    other thread's write transaction instead of failing after the usual 20 s; returns the wait
    it had. Nothing on PostgreSQL, where writers wait for row locks only."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds or 600_000)}")
    return int(before)


def _history_exists() -> bool:
    """A demo history is there already (the tables may not exist yet: before `migrate`)."""
    if DemoDataset._meta.db_table not in connection.introspection.table_names():
        return False
    return DemoDataset.objects.filter(mode=DatasetMode.DEMO).exists()


def _demo_module(app: str) -> Any:
    try:
        return import_module(f"haiquan.{app}.demo")
    except ModuleNotFoundError as exc:
        if exc.name != f"haiquan.{app}.demo":
            raise
        return None
