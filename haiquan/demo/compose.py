"""One synthetic declaration as the live workflow would have registered it, and the buffers
its rows wait in until a chunk is written.

A declaration is made in two halves, each from a random stream of its own (`preparer.stream`).
`Composer.prepare` makes what its number does not decide: it draws the consignment
(`consignment`), assesses it with the tariff's real `compute_duties` (and, when a violation is
planted, the truth too: `fraud`), asks the risk app's real `lane_decide_unnumbered` for the
lane's profiles and score, and draws who files it and its documents. `Composer.register` takes
the next number, completes the lane with the number's random draw (`lane_with_draw`), then
replays the declaration's life (`workflow`). The first half can be made in another process
(`preparer`); the second is made in time order. `Composer.flush` writes the buffered rows
(`writer`). Nothing here writes row by row.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils.translation import gettext_noop

from haiquan.clearance.models import NumberSequence
from haiquan.clearance.numbering import number_format
from haiquan.core.bulkwrite import IdAllocator, write_rows
from haiquan.core.i18n import later
from haiquan.core.problems import ValidationFailed
from haiquan.payments.models import ReceiptSequence
from haiquan.risk.engine import (
    DeclarationFacts,
    LaneResult,
    LineFacts,
    lane_decide_unnumbered,
    lane_with_draw,
)
from haiquan.tariff.duties import DeclarationDuties, DeclarationIn, LineIn, compute_duties
from haiquan.tariff.snapshot import Tariff

from . import consignment, fraud
from .catalogue import Catalogue
from .goods import GROUPS
from .population import Firm, Population, regime_types, weighted
from .report import Tally
from .rows import WRITE_ORDER, json_text, tables
from .timeline import VN_TZ
from .workflow import Documents, Filing, Replay, notes_json
from .writer import BackgroundWriter, ProcessWriter

CENT = Decimal("0.01")


class Composer:
    """Builds the rows of declarations one by one and writes them a batch at a time."""

    def __init__(
        self,
        *,
        catalogue: Catalogue,
        population: Population,
        types: dict[str, tuple[str, str]],
        offices: dict[str, tuple[int, str, str]],
        rates: dict[tuple[str, date], Decimal],
        rate_max_age: int,
        banks: dict[str, int],
        dataset_id: int,
        end: datetime,
    ) -> None:
        self.catalogue = catalogue
        self.tariff = catalogue.tariff
        self.population = population
        self.types = types  # code → (flow, duty treatment)
        self.offices = offices  # code → (id, path, kind)
        self.rates = rates
        self.rate_max_age = rate_max_age
        self.banks = banks  # code → id
        self.dataset_id = dataset_id
        self.end = end
        self.tally = Tally()
        self.claims = consignment.ClaimFinder(catalogue)
        self.tables = tables()
        self.ids = {key: IdAllocator(table.model) for key, table in self.tables.items()}
        self.rows: dict[str, list[tuple]] = {key: [] for key in self.tables}
        self.buffered = 0  # declarations whose rows wait in the buffers
        self._events: list[tuple] = []
        self._serial: dict[str, int] = {}
        self._receipts: dict[int, int] = {}
        self._bank_transactions = 0
        self._sequence = 0
        self.writer: BackgroundWriter | ProcessWriter | None = None  # see `attach`

    # --- chunks and batches -------------------------------------------------------------------

    def attach(self, writer: BackgroundWriter | ProcessWriter | None) -> None:
        """Write through `writer` from now on (None: here again). A writing process holds the
        write transaction: the keys' and counters' moves go to it too, in order with the rows."""
        self.writer = writer
        execute = writer.execute if isinstance(writer, ProcessWriter) else None
        for ids in self.ids.values():
            ids.execute = execute

    def counters_ensure(self) -> None:
        """The number counters exist (before a writing process holds the write transaction)."""
        for flow in ("import", "export"):
            NumberSequence.objects.get_or_create(name=flow)

    def begin_chunk(self) -> None:
        """Take the number counters; they stay locked until the chunk's transaction commits,
        so a live registration meanwhile waits and then continues after the history. (With a
        writing process, SQLite's one write lock is the process's for the chunk.)"""
        counters = NumberSequence.objects.filter(name__in=("import", "export"))
        if not isinstance(self.writer, ProcessWriter):
            counters = counters.select_for_update()
        self._serial.update(counters.values_list("name", "last"))

    def flush(self) -> None:
        """Write the buffered rows and move the counters on (inside the chunk's transaction)."""
        qn = connection.ops.quote_name
        numbers, receipts = (qn(m._meta.db_table) for m in (NumberSequence, ReceiptSequence))
        for flow, last in self._serial.items():
            self._execute(f"UPDATE {numbers} SET {qn('last')} = %s WHERE name = %s", [last, flow])  # noqa: S608
        for year, last in self._receipts.items():
            self._execute(
                f"INSERT INTO {receipts} (year, {qn('last')}) VALUES (%s, %s) "  # noqa: S608
                f"ON CONFLICT (year) DO UPDATE SET {qn('last')} = excluded.{qn('last')}",
                [year, last],
            )
        # Events get their ids in time order.
        self._events.sort(key=lambda e: e[0])
        self.rows["event"] = [(self.ids["event"].next(), *row) for _key, row in self._events]
        self._events = []
        self.buffered = 0
        batch = [(self.tables[key], self.rows[key]) for key in WRITE_ORDER]
        self.rows = {key: [] for key in self.tables}
        if self.writer is not None:
            self.writer.submit(batch)  # written on the writer's thread while we go on
        else:
            for table, rows in batch:
                write_rows(table, rows)

    def _execute(self, sql: str, params: list[Any]) -> None:
        if isinstance(self.writer, ProcessWriter):
            self.writer.execute(sql, params)
            return
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def add_events(self, events: list[tuple]) -> None:
        self._sequence += 1
        for n, e in enumerate(events):
            self._events.append(((e[0], self._sequence, n), (*e[:9], json_text(e[9]))))

    def receipt_number(self, issued_at: datetime) -> tuple[int, int]:
        """(year, sequence) of the next receipt: numbered without gaps within each year."""
        year = issued_at.astimezone(VN_TZ).year
        if year not in self._receipts:
            counter = ReceiptSequence.objects.select_for_update().filter(year=year).first()
            self._receipts[year] = counter.last if counter else 0
        self._receipts[year] += 1
        return year, self._receipts[year]

    def bank_transaction_id(self, bank: str, paid_at: datetime) -> str:
        """Unique per bank across runs: the run's dataset id is part of it."""
        self._bank_transactions += 1
        return f"{bank}{self.dataset_id:04d}{paid_at.astimezone(VN_TZ):%y%m%d}{self._bank_transactions:08d}"

    # --- look-ups -----------------------------------------------------------------------------

    def rate(self, currency: str, day: date) -> Decimal:
        """The day's rate or the latest within the allowed age (as `exchange_rate_for`)."""
        if currency == "VND":
            return Decimal(1)
        for back in range(self.rate_max_age + 1):
            value = self.rates.get((currency, day - timedelta(days=back)))
            if value is not None:
                return value
        raise LookupError(
            later(
                gettext_noop("no exchange rate for %(currency)s on %(day)s"),
                currency=currency,
                day=day.isoformat(),
            )
        )

    # --- one declaration ------------------------------------------------------------------------

    def take(self, replay_rng: random.Random, prepared: Prepared | Skipped) -> None:
        """Register a prepared declaration, or count the one that could not be."""
        if isinstance(prepared, Skipped):
            self.tally.skip(prepared.reason)
        else:
            self.register(replay_rng, prepared)

    def prepare(
        self,
        rng: random.Random,
        *,
        firm: Firm,
        flow: str,
        office_code: str,
        registered_at: datetime,
    ) -> Prepared | Skipped:
        """The half of a declaration that its number does not decide: the goods, the duties,
        the planted violation, the lane's profiles and score, who files it and its documents.

        It reads only what the run holds in memory (the tariff, the population, the pinned rule
        set) and `rng`, so declarations can be prepared in another process, in any order, and
        registered here in theirs (`preparer.ForkedDays`)."""
        day = registered_at.astimezone(VN_TZ).date()
        c = self._consignment(rng, firm, flow, office_code, day)
        if isinstance(c, Skipped):
            return c
        assessed = self._assessed(rng, c)
        if isinstance(assessed, Skipped):
            return assessed
        assess, true_duties, plan, declared, duties = assessed
        broker, filer = self._filer(rng, firm)
        facts = self._facts(c, declared, duties, registered_at)
        lodged_at = registered_at - timedelta(seconds=rng.randint(1, 6))
        arrived_at, arrival_date = consignment.arrival(rng, flow, c.mode, lodged_at, registered_at)
        documents = self._documents(rng, c, arrival_date)
        return Prepared(
            firm=firm.index,
            filer=filer,
            broker_id=broker,
            office_id=self.offices[office_code][0],
            flow=flow,
            treatment=c.treatment,
            registered_at=registered_at,
            lodged_at=lodged_at,
            arrived_at=arrived_at,
            documents=documents,
            lines=c.lines,
            declared=declared,
            duties=duties,
            true_duties=true_duties,
            plan=plan,
            # The number's random draw reads only the office (`lane_with_draw`): the lines
            # need not travel with the prepared declaration.
            facts=replace(facts, lines=()),
            unnumbered=lane_decide_unnumbered(facts),
            assess=assess,
            usd_rate=c.usd_rate,
            content=documents.content(declared, duties),
            notes_json=_notes_taken(duties),
            true_notes_json=_notes_taken(true_duties) if true_duties is not duties else (),
        )

    def _consignment(
        self, rng: random.Random, firm: Firm, flow: str, office_code: str, day: date
    ) -> _Consignment | Skipped:
        """What the firm ships, how, from whom and at what price (`consignment`)."""
        office_kind = self.offices[office_code][2]
        type_code = weighted(
            rng, {t: w for t, w in regime_types(firm, flow).items() if t in self.types}
        )
        treatment = self.types[type_code][1]
        group = weighted(rng, firm.groups[flow])
        country, partner_name = rng.choice(firm.partners[(flow, group)])
        mode = consignment.transport_mode(rng, office_kind, office_code, group)
        currency = weighted(rng, firm.currencies.get(country, {"USD": 1.0}))
        try:
            rate, usd_rate = self.rate(currency, day), self.rate("USD", day)
        except LookupError as exc:
            return Skipped(exc.args[0])
        setting = consignment.Setting(
            firm=firm,
            flow=flow,
            group=group,
            country=country,
            type_code=type_code,
            treatment=treatment,
            day=day,
            usd_rate=usd_rate,
            rate=rate,
        )
        lines = consignment.goods_lines(rng, setting, self.catalogue, self.claims)
        if not lines:
            return Skipped(
                later(
                    gettext_noop("no goods of HS %(prefixes)s in force on %(day)s"),
                    prefixes=", ".join(GROUPS[group].hs_prefixes),
                    day=day.isoformat(),
                )
            )
        value = sum((ln.value for ln in lines), Decimal(0))
        incoterm, freight, insurance = consignment.terms(rng, flow, mode, value)
        return _Consignment(
            firm=firm,
            flow=flow,
            office_code=office_code,
            day=day,
            type_code=type_code,
            treatment=treatment,
            group=group,
            country=country,
            partner_name=partner_name,
            mode=mode,
            currency=currency,
            rate=rate,
            usd_rate=usd_rate,
            lines=lines,
            incoterm=incoterm,
            freight=freight,
            insurance=insurance,
        )

    def _assessed(
        self, rng: random.Random, c: _Consignment
    ) -> (
        tuple[Assessor, DeclarationDuties, fraud.Plan | None, list[fraud.Line], DeclarationDuties]
        | Skipped
    ):
        """(assessor, true duties, violation, declared lines, declared duties): the duties
        owed, and those declared when a violation that lowers them is planted."""
        assess = Assessor(
            flow=c.flow,
            treatment=c.treatment,
            incoterm=c.incoterm,
            rate=c.rate,
            freight=c.freight,
            insurance=c.insurance,
            day=c.day,
        )
        assess.tariff = self.tariff
        lines = assessing = c.lines
        try:
            true_duties = assess(lines)
            plan = self._violation(
                rng, c.firm, c.flow, c.treatment, c.group, lines, true_duties, c.day
            )
            declared = assessing = plan.declared if plan else lines
            duties = assess(declared) if plan else true_duties
            if plan and duties.total_vnd >= true_duties.total_vnd:  # it would not pay: honest
                plan, declared, duties = None, lines, true_duties
        except ValidationFailed:
            return Skipped(_Unassessable(assess, assessing))
        return assess, true_duties, plan, declared, duties

    def _facts(
        self,
        c: _Consignment,
        declared: list[fraud.Line],
        duties: DeclarationDuties,
        registered_at: datetime,
    ) -> DeclarationFacts:
        """What the lane decision sees of the declaration (without its number)."""
        return DeclarationFacts(
            number="",
            flow=c.flow,
            type_code=c.type_code,
            office_code=c.office_code,
            office_path=self.offices[c.office_code][1],
            enterprise_mst=c.firm.mst,
            compliance_rank=c.firm.rank,
            transport_mode=c.mode,
            partner_country=c.country,
            total_customs_value_vnd=duties.customs_value_vnd,
            registered_at=registered_at,
            lines=tuple(
                LineFacts(
                    line_no=i + 1,
                    hs_code=ln.code,
                    origin=ln.origin,
                    quantity=ln.quantity,
                    unit=ln.unit,
                    customs_value_vnd=d.customs_value_vnd,
                    unit_price_vnd=(d.customs_value_vnd / ln.quantity).quantize(CENT),
                    preference=ln.preference,
                )
                for i, (ln, d) in enumerate(zip(declared, duties.lines, strict=True))
            ),
        )

    def _documents(self, rng: random.Random, c: _Consignment, arrival_date: date) -> Documents:
        """The content its versions share: transport document, invoice, containers."""
        return Documents(
            type_code=c.type_code,
            office_code=c.office_code,
            enterprise_mst=c.firm.mst,
            transport_mode=c.mode,
            incoterm=c.incoterm,
            currency=c.currency,
            freight=c.freight,
            insurance=c.insurance,
            bill_of_lading=consignment.transport_document(rng, c.mode, c.day),
            arrival_date=arrival_date,
            invoice_number=f"{c.firm.mst[-4:]}/{c.day:%y}-{rng.randint(1, 99_999):05d}",
            invoice_date=c.day - timedelta(days=rng.randint(0, 20)),
            partner_name=c.partner_name,
            partner_country=c.country,
            containers=consignment.containers(rng, c.mode, c.group, c.lines, self.catalogue),
            exchange_rate=c.rate,
        )

    def register(self, rng: random.Random, p: Prepared) -> None:
        """Number a prepared declaration, complete its lane with the number's random draw, and
        replay its life. Declarations are registered in time order: numbers have no gaps."""
        self._serial[p.flow] += 1
        number = number_format(p.flow, self._serial[p.flow])
        result = lane_with_draw(p.unnumbered, replace(p.facts, number=number))
        p.assess.tariff = self.tariff
        filing = Filing(
            id=self.ids["declaration"].next(),
            number=number,
            firm=self.population.firms[p.firm],
            filer=p.filer,
            broker_id=p.broker_id,
            office_id=p.office_id,
            flow=p.flow,
            treatment=p.treatment,
            registered_at=p.registered_at,
            lodged_at=p.lodged_at,
            arrived_at=p.arrived_at,
            documents=p.documents,
            lines=p.lines,
            declared=p.declared,
            duties=p.duties,
            true_duties=p.true_duties,
            plan=p.plan,
            result=result,
            assess=p.assess,
            usd_rate=p.usd_rate,
            content=p.content,
            notes_json=p.notes_json,
            true_notes_json=p.true_notes_json or p.notes_json,
        )
        Replay(self, rng, filing).run()
        self.buffered += 1

    def _filer(self, rng: random.Random, firm: Firm) -> tuple[int | None, tuple[int, str]]:
        """(broker firm id, filing user): the declarant, or the broker the firm authorised."""
        if firm.broker_index is not None and rng.random() < firm.broker_use:
            broker = self.population.brokers[firm.broker_index]
            k = rng.randrange(len(broker.user_ids))
            return broker.enterprise_id, (broker.user_ids[k], broker.usernames[k])
        return None, (firm.user_id, firm.username)

    def _violation(
        self,
        rng: random.Random,
        firm: Firm,
        flow: str,
        treatment: str,
        group: str,
        lines: list[fraud.Line],
        duties: DeclarationDuties,
        day: date,
    ) -> fraud.Plan | None:
        """A violation, with the firm's propensity, where it could lower the duties owed."""
        if treatment != "dutiable" or duties.total_vnd <= 0:
            return None
        if flow == "export" and duties.export_duty_vnd <= 0:
            return None
        if rng.random() >= firm.fraud_propensity * GROUPS[group].fraud_weight:
            return None
        atiga = self.tariff.agreement("ATIGA")
        return fraud.plan(
            rng,
            lines=lines,
            flow=flow,
            catalogue=self.catalogue,
            day=day,
            atiga_form=atiga.co_form if atiga else None,
        )


@dataclass
class _Consignment:
    """What `Composer._consignment` drew of a declaration, before its duties."""

    firm: Firm
    flow: str
    office_code: str
    day: date
    type_code: str
    treatment: str
    group: str
    country: str
    partner_name: str
    mode: str
    currency: str
    rate: Decimal
    usd_rate: Decimal
    lines: list[fraud.Line]
    incoterm: str
    freight: Decimal
    insurance: Decimal


@dataclass
class Assessor:
    """The duties of a declaration's lines at its registration day's rate (`compute_duties`).
    Picklable (a prepared declaration travels between processes): the tariff is set where it
    is used, not carried."""

    flow: str
    treatment: str
    incoterm: str
    rate: Decimal
    freight: Decimal
    insurance: Decimal
    day: date
    tariff: Tariff | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "tariff": None}

    def __call__(self, these: list[fraud.Line]) -> DeclarationDuties:
        return compute_duties(
            DeclarationIn(
                flow=self.flow,
                duty_treatment=self.treatment,
                incoterm=self.incoterm,
                exchange_rate=self.rate,
                freight=self.freight,
                insurance=self.insurance,
                on_day=self.day,
                lines=[
                    LineIn(
                        hs_code=ln.code,
                        origin=ln.origin,
                        quantity=ln.quantity,
                        unit=ln.unit,
                        value=ln.value,
                        preference=ln.preference,
                        co_number=ln.co_number,
                        co_date=ln.co_date,
                    )
                    for ln in these
                ],
            ),
            self.tariff,
        )


@dataclass
class Prepared:
    """What `Composer.prepare` made of a declaration: all but its number, the number's random
    draw and its replay. The firm is its index in the population."""

    firm: int
    filer: tuple[int, str]
    broker_id: int | None
    office_id: int
    flow: str
    treatment: str
    registered_at: datetime
    lodged_at: datetime
    arrived_at: datetime | None
    documents: Documents
    lines: list[fraud.Line]
    declared: list[fraud.Line]
    duties: DeclarationDuties
    true_duties: DeclarationDuties
    plan: fraud.Plan | None
    facts: DeclarationFacts  # as the lane saw it, without its number and its lines
    unnumbered: LaneResult  # the lane before the random draw
    assess: Assessor
    usd_rate: Decimal
    content: str  # the registered version's content (its JSON made here, not where registered)
    notes_json: tuple[str, ...]  # each declared line's duty notes, as its row keeps them
    true_notes_json: tuple[str, ...]  # the same of the true lines, when they differ (or empty)


@dataclass
class Skipped:
    """A declaration that could not be made (no rate, no goods, not assessable), and why."""

    reason: object


def _notes_taken(duties: DeclarationDuties) -> tuple[str, ...]:
    """Each line's duty notes as its row keeps them, taken off the lines: the notes are
    messages shown in the reader's language, costly to carry to another process, and rows are
    all the generator makes of them."""
    out = tuple(notes_json(ld) for ld in duties.lines)
    for ld in duties.lines:
        ld.notes = []
    return out


class _Unassessable:
    """Why a declaration could not be assessed, in the language of whoever reads it: its duties
    are computed again when the reason is shown (it is rare, and the first one only is shown)."""

    def __init__(
        self, assess: Callable[[list[fraud.Line]], DeclarationDuties], lines: list[fraud.Line]
    ) -> None:
        self.assess, self.lines = assess, lines

    def __str__(self) -> str:
        try:
            self.assess(self.lines)
        except ValidationFailed as exc:
            return "; ".join(str(p.problem) for p in exc.errors)
        return ""
