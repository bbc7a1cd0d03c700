"""The synthetic data generator: a realistic, reproducible history of declarations.

`demo_generate` writes the history of Quảng Ninh and Bình Dương Customs for the months before a
day, calibrated on the sources (volumes, lanes, values, time release); `national_generate`
writes a given number of declarations over the same offices for benchmarks (10 million and
more), in bounded memory. Both are deterministic for a seed: the same arguments on the same
database give the same numbers and values.

How a run goes: exchange rates for the period; the traders (`population`); then month by month
the plan of who files what and when (`volumes`, `profiles`), day by day the declarations
(`compose`: duties by the tariff's `compute_duties`, lanes by the risk app's `lane_decide`,
checks, payments and events; each made in two halves from random streams of its own, the
number-free half first, which a forked process can make when asked, `preparer`), written a chunk at a time in one
transaction each (`writer`: COPY from a second thread on PostgreSQL, executemany from a forked
process on an SQLite file, while the next rows are built). Every declaration gets a
`SyntheticTruth` row (the ground truth for risk models). Numbers continue `NumberSequence`,
which is moved on, so live registrations follow.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, gettext_noop

from haiquan.core.i18n import later
from haiquan.refdata.models import DeclarationType, ExchangeRate, Office
from haiquan.tariff.snapshot import Tariff

from . import volumes
from .catalogue import Catalogue
from .choices import DatasetMode
from .compose import Composer, Prepared, Skipped
from .models import DemoDataset
from .population import Firm, Population, population_build, weighted
from .preparer import ForkedDays, stream
from .profiles import DEPARTMENTS
from .rates import CURRENCIES, rate_walk
from .report import GenerationReport
from .setup import demo_banks_ensure, risk_profiles_ensure
from .timeline import VN_TZ
from .writer import BackgroundWriter, ProcessWriter

Progress = Callable[[str], None]
# One planned filing: when, at which office, by whom, import or export.
Spec = tuple[datetime, str, Firm, str]
Advance = Callable[[float], None]
DEFAULT_CHUNK = 20_000
RATES_AHEAD_DAYS = 7
BORDER_OFFICES = frozenset({"20BD", "20BC", "20BI"})
MIN_POPULATION_FACTOR = 0.1
# Rows of this many declarations are written at a time, whatever the chunk (transaction) size:
# what the generator holds in memory does not grow with the chunk.
WRITE_BATCH = 2_000
DEPARTMENTS_OFFICES = frozenset(c for d in DEPARTMENTS.values() for c in d.offices)


class DemoDataExists(Exception):
    """Demo history is already there; generating it again would duplicate it."""


class GeneratorNotReady(Exception):
    """Something the generator needs is missing (reference data, the tariff)."""


# ---------------------------------------------------------------------------------------------


def history_period(*, months: int, until: date | None) -> tuple[datetime, datetime]:
    """The `months` full months before `until`'s month, then `until`'s month up to `until`
    (up to now when `until` is today). The end is also where the history stops: a declaration
    whose steps run past it stays open (queues have work in them)."""
    today = timezone.localdate()
    until = until or today
    if until > today:
        raise ValueError(
            later(gettext_noop("The history cannot end in the future (until %(d)s)."), d=until)
        )
    first = until.replace(day=1)
    for _month in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    start = datetime(first.year, first.month, first.day, tzinfo=VN_TZ)
    if until == today:
        end = timezone.now().astimezone(VN_TZ).replace(microsecond=0)
    else:
        end = datetime(until.year, until.month, until.day, tzinfo=VN_TZ)
    return start, end


def demo_generate(
    *,
    seed: int = 2020,
    months: int = 24,
    until: date | None = None,
    scale: float = 1.0,
    progress: Progress | None = None,
    advance: Advance | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    threaded: bool | str | None = None,
    prepare: bool | None = None,
) -> GenerationReport:
    """Generate the demo history: Quảng Ninh (about 5,000 declarations a month) and Bình Dương
    (about 10,000), `scale` times that, over `history_period(months, until)`.

    Refuses (`DemoDataExists`) when demo history exists already: reset it first."""
    if DemoDataset.objects.filter(mode=DatasetMode.DEMO).exists():
        raise DemoDataExists(
            later(gettext_noop("Demo data exists already; reset it first (haiquan demo --reset)."))
        )
    start, end = history_period(months=months, until=until)
    return _generate(
        mode=DatasetMode.DEMO,
        seed=seed,
        start=start,
        end=end,
        scale=scale,
        total=None,
        progress=progress,
        advance=advance,
        chunk_size=chunk_size,
        threaded=threaded,
        prepare=prepare,
        parameters={"months": months, "until": until, "scale": scale},
    )


def national_generate(
    *,
    seed: int = 2020,
    declarations: int,
    months: int = 12,
    until: date | None = None,
    progress: Progress | None = None,
    advance: Advance | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    threaded: bool | str | None = None,
    prepare: bool | None = None,
) -> GenerationReport:
    """Generate exactly `declarations` declarations over the offices of the demo departments,
    spread over the period like real filings, with a population sized to the volume (about one
    enterprise per 100 declarations a month, at most 60,000). For benchmarks: memory stays
    bounded by the chunk (`chunk_size` declarations) and a day's plan, whatever the total.
    May run on top of a demo history; it adds to it."""
    if declarations <= 0:
        raise ValueError(later(gettext_noop("The number of declarations must be positive.")))
    start, end = history_period(months=months, until=until)
    return _generate(
        mode=DatasetMode.NATIONAL,
        seed=seed,
        start=start,
        end=end,
        scale=1.0,
        total=declarations,
        progress=progress,
        advance=advance,
        chunk_size=chunk_size,
        threaded=threaded,
        prepare=prepare,
        parameters={"months": months, "until": until, "declarations": declarations},
    )


# ---------------------------------------------------------------------------------------------


def exchange_rates_ensure(*, seed: int, first: date, last: date) -> int:
    """Daily rates of the demo currencies from `first` to `last`; days that have one keep it."""
    existing = set(
        ExchangeRate.objects.filter(
            day__range=(first, last), currency_id__in=CURRENCIES
        ).values_list("currency_id", "day")
    )
    rows = [
        ExchangeRate(currency_id=cur, day=day, rate_vnd=value, source="demo")
        for cur in CURRENCIES
        for day, value in rate_walk(cur, first, last, seed)
        if (cur, day) not in existing
    ]
    ExchangeRate.objects.bulk_create(rows, batch_size=2_000)
    return len(rows)


def _rates(first: date, last: date) -> dict[tuple[str, date], Decimal]:
    return {
        (cur, day): rate
        for cur, day, rate in ExchangeRate.objects.filter(day__range=(first, last)).values_list(
            "currency_id", "day", "rate_vnd"
        )
    }


@dataclass
class _Run:
    """One run's arguments, as `_generate`'s steps read them."""

    mode: str
    seed: int
    start: datetime
    end: datetime
    scale: float
    total: int | None
    say: Progress
    began: float


def _generate(
    *,
    mode: str,
    seed: int,
    start: datetime,
    end: datetime,
    scale: float,
    total: int | None,
    progress: Progress | None,
    chunk_size: int,
    parameters: dict[str, Any],
    advance: Advance | None = None,
    threaded: bool | str | None = None,
    prepare: bool | None = None,
) -> GenerationReport:
    run = _Run(
        mode, seed, start, end, scale, total, progress or (lambda _msg: None), time.monotonic()
    )
    with translation.override(settings.LANGUAGE_CODE):
        offices, departments = _demo_offices()
        catalogue = _catalogue()
        dataset = DemoDataset.objects.create(
            mode=mode, seed=seed, period_start=start, period_end=end, parameters=parameters
        )
        report = GenerationReport(mode=mode, seed=seed, period_start=start, period_end=end)
        report.profiles_dated = risk_profiles_ensure(valid_from=start.date())
        banks = demo_banks_ensure()
        max_age = settings.HAIQUAN["EXCHANGE_RATE_MAX_AGE_DAYS"]
        rates_first = start.date() - timedelta(days=max_age + 1)
        rates_last = max(timezone.localdate(), end.date()) + timedelta(days=RATES_AHEAD_DAYS)
        report.exchange_rates = exchange_rates_ensure(seed=seed, first=rates_first, last=rates_last)
        run.say(later(gettext_noop("Exchange rates: %(n)s days written."), n=report.exchange_rates))
        population = _population(run, catalogue, dataset, departments)
        report.enterprises = len(population.firms)
        report.brokers = len(population.brokers)
        report.users = population.created_users

        from haiquan.payments.models import Bank

        composer = Composer(
            catalogue=catalogue,
            population=population,
            types={
                t.code: (t.flow, t.duty_treatment)
                for t in DeclarationType.objects.filter(active=True)
            },
            offices={c: (o.pk, o.path, o.kind) for c, o in offices.items()},
            rates=_rates(rates_first, rates_last),
            rate_max_age=max_age,
            banks=dict(Bank.objects.filter(code__in=banks).values_list("code", "pk")),
            dataset_id=dataset.pk,
            end=end,
        )
        runner = _ChunkRunner(composer, chunk_size, run.say, run.began)
        runner.advance = advance
        runner.expected = total or _expected_total(start, end, departments, offices) * scale
        composer.counters_ensure()
        _compose(run, composer, runner, population, offices, departments, threaded, prepare)

        report.fill(composer.tally, population)
        report.elapsed_seconds = round(time.monotonic() - run.began, 1)
        dataset.report = report.as_json()
        dataset.finished_at = timezone.now()
        dataset.save(update_fields=["report", "finished_at"])
    return report


def _demo_offices() -> tuple[dict[str, Office], list[str]]:
    """The demo departments' offices that are loaded, and the departments that have one."""
    offices = {
        o.code: o
        for o in Office.objects.filter(
            code__in=[c for d in DEPARTMENTS.values() for c in d.offices]
        )
    }
    departments = [d for d, dept in DEPARTMENTS.items() if any(c in offices for c in dept.offices)]
    if not departments:
        raise GeneratorNotReady(
            later(
                gettext_noop(
                    "No customs office of the demo departments (20, 43) is loaded: "
                    "run load_refdata first."
                )
            )
        )
    return offices, departments


def _catalogue() -> Catalogue:
    """The goods the traders declare: the whole tariff in force."""
    catalogue = Catalogue(Tariff.load(None))
    if not catalogue.by_group:
        raise GeneratorNotReady(later(gettext_noop("The tariff is empty: run load_refdata first.")))
    return catalogue


def _population(
    run: _Run, catalogue: Catalogue, dataset: DemoDataset, departments: list[str]
) -> Population:
    """The traders, brokers and officers of the run. Below a tenth of the volume the population
    stops shrinking, so that a small history still has the mix of segments and compliance ranks
    of the whole."""
    factor = (
        max(run.scale, MIN_POPULATION_FACTOR)
        if run.total is None
        else _national_factor(run.total, run.start, run.end)
    )
    with transaction.atomic():
        return population_build(
            rng=random.Random(f"{run.seed}:{run.mode}:population"),
            catalogue=catalogue,
            dataset=dataset,
            departments=departments,
            factor=factor,
            history_start=run.start.date(),
            anchors=run.mode == DatasetMode.DEMO,
            progress=run.say,
        )


def _compose(
    run: _Run,
    composer: Composer,
    runner: _ChunkRunner,
    population: Population,
    offices: dict[str, Office],
    departments: list[str],
    threaded: bool | str | None,
    prepare: bool | None,
) -> None:
    """Every day's declarations: prepared (here, or in a forked process), then registered in
    time order, a chunk at a time."""

    def schedule() -> Iterator[tuple[date, list[Spec]]]:
        for month in volumes.month_starts(run.start.date(), run.end.date()):
            yield from _plan_month(
                seed=run.seed,
                mode=run.mode,
                month=month,
                population=population,
                offices=offices,
                departments=departments,
                scale=run.scale,
                total=run.total,
                start=run.start,
                end=run.end,
            )

    def prepared_days() -> Iterator[list[Prepared | Skipped]]:
        for day, specs in schedule():
            yield [
                composer.prepare(
                    stream("prepare", run.seed, run.mode, day, k),
                    firm=firm,
                    flow=flow,
                    office_code=office_code,
                    registered_at=registered_at,
                )
                for k, (registered_at, office_code, firm, flow) in enumerate(specs)
            ]

    with ruleset_pinned(), ExitStack() as stack:
        days: Iterable[list[Prepared | Skipped]] = prepared_days()
        if _preparing(prepare):
            days = stack.enter_context(ForkedDays(prepared_days))
        stack.enter_context(_writer(composer, threaded))
        try:
            for (day, specs), prepared in zip(schedule(), days, strict=True):
                if len(prepared) != len(specs):  # pragma: no cover - the same plan
                    raise RuntimeError("the prepared day does not match its plan")
                for k, declaration in enumerate(prepared):
                    runner.open()
                    composer.take(stream("register", run.seed, run.mode, day, k), declaration)
                    runner.maybe_commit(day)
            runner.commit(None)
        except BaseException as exc:
            cause = runner.abort()
            if cause is not None and cause is not exc and exc.__cause__ is None:
                # The writer's error came first: the main thread then only met the
                # transaction it had aborted ("current transaction is aborted").
                raise exc from cause
            raise


def _preparing(prepare: bool | None) -> bool:
    """Whether declarations are prepared in a forked process (`preparer`): only when asked.

    Measured on the quiet 2-core machine (7 Dec 2026, night), a first run with it wrote 752–791
    declarations a second against 883 without: the three processes (preparing, registering,
    writing) share two cores, and pickling the prepared declarations took about a quarter of the
    preparing process and a third of the registering one, more than the work moved. It pays only
    where the prepared half travels cheaply (a compact encoding) or with more cores."""
    connection = connections[DEFAULT_DB_ALIAS]
    if prepare and not ForkedDays.available(connection):
        raise ValueError("a preparing process needs a database it can open, outside a transaction")
    return bool(prepare)


@contextmanager
def _writer(composer: Composer, threaded: bool | str | None) -> Iterator[None]:
    """Rows written by a second thread or process while the next are built.

    `threaded`: True, a thread (`writer.BackgroundWriter`); "process", a forked process
    (`writer.ProcessWriter`, an SQLite file only); False, inline. By default (None): a thread on
    PostgreSQL, where COPY's work is another process's; a process on an SQLite file; inline
    otherwise (an in-memory database, or inside the caller's transaction). A thread does not
    help SQLite (7 Dec 2026, quiet machine, one month of history: 40–42 s against 28–33 s on one
    thread): `executemany` gives the interpreter up for every row's step and then waits for it
    while the generating thread holds it, so the declarations' table took 0.8 ms a row from the
    writer against 0.07 ms inline. A process has no interpreter to wait for."""
    connection = connections[DEFAULT_DB_ALIAS]
    if threaded is None:
        if connection.vendor == "postgresql":
            threaded = True
        elif ProcessWriter.available(connection):
            threaded = "process"
        else:
            threaded = False
    if not threaded:
        yield
        return
    if threaded == "process":
        if not ProcessWriter.available(connection):
            raise ValueError("a writing process needs an SQLite file, outside any transaction")
        with ProcessWriter() as process:
            composer.attach(process)
            try:
                yield
            finally:
                composer.attach(None)
        return
    # The main thread's own connection object (`connection` resolves per thread).
    with BackgroundWriter(connection) as writer:
        composer.attach(writer)
        try:
            yield
        finally:
            composer.attach(None)


@contextmanager
def ruleset_pinned() -> Iterator[None]:
    """Decide every lane of the run against the rule set in force when it starts.

    `lane_decide` re-reads the rule-set revision token on every call (one query), so that a
    live process sees an analyst's change at once. The generator decides hundreds of thousands
    of lanes in a row and nothing may change the rules meanwhile, so it compiles the rule set
    once and pins it for the run: a third less time, same decisions. (To be replaced by an
    explicit `ruleset=` argument of `lane_decide` when the risk app offers one.)
    """
    from haiquan.risk import engine

    ruleset = engine.ruleset_current()
    original = engine.ruleset_current
    engine.ruleset_current = lambda: ruleset
    try:
        yield
    finally:
        engine.ruleset_current = original


class _ChunkRunner:
    """One transaction per chunk of declarations."""

    def __init__(self, composer: Composer, size: int, say: Progress, began: float) -> None:
        self.composer = composer
        self.size = size
        self.say = say
        self.began = began
        self.atomic: Any = None
        self.opened = False  # a chunk is open (in `atomic`, or in the writing process's)
        self.pending = 0
        self.advance: Advance | None = None  # told the share of the expected declarations done
        self.expected = 0.0

    def open(self) -> None:
        if not self.opened:
            self.opened = True
            writer = self.composer.writer
            if isinstance(writer, ProcessWriter):
                writer.begin()  # the process holds the write lock before the counters are read
            else:
                self.atomic = transaction.atomic()
                self.atomic.__enter__()
            self.composer.begin_chunk()
        self.pending += 1

    def maybe_commit(self, day: date) -> None:
        if self.pending >= self.size:
            self.commit(day)
        elif self.composer.buffered >= WRITE_BATCH:
            # Rows go to the database as they come; the transaction stays open to the chunk's end.
            self.composer.flush()

    def commit(self, day: date | None) -> None:
        if not self.opened:
            return
        self.composer.flush()
        if self.composer.writer is not None:
            self.composer.writer.drain()  # every row in before the transaction commits
        if self.atomic is not None:
            self.atomic.__exit__(None, None, None)
        self.atomic = None
        self.opened = False
        self.pending = 0
        done = self.composer.tally.declarations
        elapsed = time.monotonic() - self.began
        if self.advance is not None and self.expected:
            self.advance(done / self.expected)
        self.say(
            later(
                gettext_noop("%(n)s declarations written (up to %(d)s), %(r)s a second."),
                n=done,
                d=day.isoformat() if day else gettext_lazy("the end"),
                r=round(done / max(elapsed, 1e-6)),
            )
        )

    def abort(self) -> BaseException | None:
        """Roll the chunk back; the writer's own error, if it had one, is returned."""
        cause = None
        if self.composer.writer is not None:
            cause = self.composer.writer.discard()  # off the connection before the rollback
        if self.atomic is not None:
            import sys

            self.atomic.__exit__(*sys.exc_info())
            self.atomic = None
        self.opened = False
        return cause


def _national_factor(total: int, start: datetime, end: datetime) -> float:
    """Population relative to the calibrated one (1,933 traders for ~15,000 a month)."""
    months = max(1.0, (end - start).days / 30.44)
    monthly = total / months
    firms = min(60_000, max(300, monthly / 8))
    return firms / 1_933


def _days(start: datetime, end: datetime) -> list[date]:
    """The days of the period: from the start's to the last one that begins before the end."""
    out, day = [], start.date()
    while datetime(day.year, day.month, day.day, tzinfo=VN_TZ) < end:
        out.append(day)
        day += timedelta(days=1)
    return out


def _expected(dept_code: str, office_code: str, day: date) -> float:
    dept = DEPARTMENTS[dept_code]
    return (
        dept.monthly
        * 12
        / 365.25
        * dept.level(day.year, day.month)
        * volumes.day_weight(day)
        * dept.offices[office_code]
    )


def _expected_total(start: datetime, end: datetime, departments: list[str], offices: Any) -> float:
    """Declarations the calibrated volumes expect over the period (at scale 1)."""
    return sum(
        _expected(d, code, day)
        for day in _days(start, end)
        for d in departments
        for code in DEPARTMENTS[d].offices
        if code in offices
    )


def expected_declarations(*, months: int, until: date | None, scale: float) -> float:
    """About how many declarations `demo_generate(months, until, scale)` writes: for planning
    (the demo's estimate of the time left), before anything is generated."""
    try:
        start, end = history_period(months=months, until=until)
    except ValueError:
        return 0.0
    return _expected_total(start, end, list(DEPARTMENTS), DEPARTMENTS_OFFICES) * scale


def _national_counts(
    total: int, start: datetime, end: datetime, offices: dict[str, Office], departments: list[str]
) -> dict[tuple[date, str], int]:
    """Exactly `total` declarations shared among (day, office) in proportion to the expected
    volumes (largest remainders)."""
    weights: dict[tuple[date, str], float] = {}
    for day in _days(start, end):
        for d in departments:
            for code in DEPARTMENTS[d].offices:
                if code in offices:
                    weights[(day, code)] = _expected(d, code, day)
    whole = sum(weights.values())
    exact = {k: total * w / whole for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    short = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:short]:
        counts[k] += 1
    return counts


_national_cache: dict[tuple, dict[tuple[date, str], int]] = {}


def _plan_month(
    *,
    seed: int,
    mode: str,
    month: date,
    population: Population,
    offices: dict[str, Office],
    departments: list[str],
    scale: float,
    total: int | None,
    start: datetime,
    end: datetime,
) -> list[tuple[date, list[Spec]]]:
    """Who files what on each day of the month, registration times in order.

    Each month a firm is active with its own probability; every active firm files at least
    once (so a month's active enterprises come out as in the sources), the other filings of an
    office go to its active firms in proportion to their size."""
    rng = random.Random(f"{seed}:{mode}:plan:{month.isoformat()}")
    period_days = set(_days(start, end))
    days = [d for d in volumes.month_days(month) if d in period_days]
    month_end = days[-1] if days else month
    codes = [c for d in departments for c in DEPARTMENTS[d].offices if c in offices]
    counts = _day_counts(rng, seed, days, codes, offices, departments, scale, total, start, end)
    by_office: dict[str, list[Firm]] = {c: [] for c in codes}
    for f in population.firms:
        if f.established > month_end:
            continue
        for c in f.offices:
            if c in by_office:
                by_office[c].append(f)
    active = [
        f for f in population.firms if f.established <= month_end and rng.random() < f.p_active
    ]
    slots = _first_filings(rng, active, days, counts, by_office)
    active_by_office: dict[str, list[Firm]] = {c: [] for c in codes}
    for f in active:
        for c in f.offices:
            if c in active_by_office:
                active_by_office[c].append(f)
    return [
        (day, _day_specs(rng, day, codes, counts, slots, active_by_office, by_office, total, end))
        for day in days
    ]


def _day_counts(
    rng: random.Random,
    seed: int,
    days: list[date],
    codes: list[str],
    offices: dict[str, Office],
    departments: list[str],
    scale: float,
    total: int | None,
    start: datetime,
    end: datetime,
) -> dict[tuple[date, str], int]:
    """How many declarations each office receives each day: drawn around the calibrated
    volume, or the fixed total's share."""
    if total is None:
        return {
            (d, c): volumes.poisson(rng, _expected(c[:2], c, d) * scale)
            for d in days
            for c in codes
        }
    key = (seed, total, start, end)
    if key not in _national_cache:
        _national_cache.clear()
        _national_cache[key] = _national_counts(total, start, end, offices, departments)
    return {(d, c): _national_cache[key].get((d, c), 0) for d in days for c in codes}


def _first_filings(
    rng: random.Random,
    active: list[Firm],
    days: list[date],
    counts: dict[tuple[date, str], int],
    by_office: dict[str, list[Firm]],
) -> dict[tuple[date, str], list[Firm]]:
    """Each active firm's first filing of the month: a day at one of its offices that still
    has room, in proportion to the room left."""
    slots: dict[tuple[date, str], list[Firm]] = {k: [] for k in counts}
    for f in active:
        choices = {c: w for c, w in f.offices.items() if c in by_office}
        if not choices:
            continue
        office = weighted(rng, choices)
        free = [d for d in days if counts[(d, office)] > len(slots[(d, office)])]
        if not free:
            continue
        day = rng.choices(
            free, weights=[counts[(d, office)] - len(slots[(d, office)]) for d in free]
        )[0]
        slots[(day, office)].append(f)
    return slots


def _day_specs(
    rng: random.Random,
    day: date,
    codes: list[str],
    counts: dict[tuple[date, str], int],
    slots: dict[tuple[date, str], list[Firm]],
    active_by_office: dict[str, list[Firm]],
    by_office: dict[str, list[Firm]],
    total: int | None,
    end: datetime,
) -> list[Spec]:
    """The day's filings, office by office: the firms whose first filing falls there, the
    rest drawn among the office's active firms by size; each with its time and flow."""
    specs: list[Spec] = []
    for code in codes:
        n = counts[(day, code)]
        if not n:
            continue
        pool = active_by_office[code] or by_office[code]
        if not pool:
            continue
        firms = list(slots[(day, code)])
        if n > len(firms):
            firms += rng.choices(
                pool, weights=[f.size * f.offices[code] for f in pool], k=n - len(firms)
            )
        border = code in BORDER_OFFICES
        for f in firms:
            hour = volumes.hour_of_day(rng, border)
            at = datetime(
                day.year,
                day.month,
                day.day,
                hour,
                rng.randrange(60),
                rng.randrange(60),
                tzinfo=VN_TZ,
            )
            flow = "import" if rng.random() < f.import_share else "export"
            if flow not in f.flows:
                flow = f.flows[0]
            if at >= end:
                if total is None:
                    continue  # the last, partial day: filings after the end never happened
                at = _before_end(rng, day, end)
            specs.append((at, code, f, flow))
    specs.sort(key=lambda s: (s[0], s[1], s[2].index))
    return specs


def _before_end(rng: random.Random, day: date, end: datetime) -> datetime:
    """A fixed total's filing of the history's last day: in the part of the day before the end."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=VN_TZ)
    return midnight + timedelta(seconds=rng.randrange(int((end - midnight).total_seconds())))
