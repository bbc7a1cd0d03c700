"""What a generator run wrote, counted as it goes (`Tally`) and summed up at the end
(`GenerationReport`, which the `demo` command prints and the dataset row keeps)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy, gettext_noop

from haiquan.clearance.choices import Status
from haiquan.core.i18n import concat, later, number
from haiquan.refdata.choices import Flow
from haiquan.risk.choices import Lane

if TYPE_CHECKING:
    from .population import Population
    from .workflow import Replay

ZERO = Decimal(0)


@dataclass
class Tally:
    """Running counts of a run, updated declaration by declaration."""

    declarations: int = 0
    lines: int = 0
    containers: int = 0
    events: int = 0
    versions: int = 0
    checks: int = 0
    payment_orders: int = 0
    confirmations: int = 0
    skipped: int = 0
    first_problem: object = ""  # shown in the reader's language (`later`, or text made when shown)
    by_flow: Counter = field(default_factory=Counter)
    by_lane: Counter = field(default_factory=Counter)  # lane decided at registration
    by_status: Counter = field(default_factory=Counter)
    by_office: Counter = field(default_factory=Counter)
    by_type: Counter = field(default_factory=Counter)
    events_by_kind: Counter = field(default_factory=Counter)
    fraud: Counter = field(default_factory=Counter)
    detected: Counter = field(default_factory=Counter)
    revenue_at_stake_vnd: Decimal = ZERO
    revenue_found_vnd: Decimal = ZERO
    # department → customs value in USD, duties assessed in VND
    value_usd: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    duties_vnd: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    # (department, flow) → [seconds registration → release, seconds of customs' own work, count]
    release: dict = field(default_factory=lambda: defaultdict(lambda: [0.0, 0.0, 0.0]))
    active: dict = field(default_factory=lambda: defaultdict(set))  # (department, month) → firms

    def skip(self, problem: object) -> None:
        self.skipped += 1
        self.first_problem = self.first_problem or problem

    def count(self, replay: Replay, *, detected: bool, stake: Decimal) -> None:
        f, s = replay.f, replay.state
        office = f.documents.office_code
        dept = office[:2]
        self.declarations += 1
        self.lines += len(replay.lines)
        self.containers += len(f.documents.containers)
        self.events += len(replay.events)
        self.versions += len(replay.versions)
        self.checks += len(replay.checks)
        self.by_flow[f.flow] += 1
        self.by_lane[f.result.lane] += 1
        self.by_status[s.status] += 1
        self.by_office[office] += 1
        self.by_type[f.documents.type_code] += 1
        for e in replay.events:
            self.events_by_kind[e[1]] += 1
        if f.plan is not None:
            self.fraud[f.plan.kind] += 1
            self.revenue_at_stake_vnd += stake
            if detected:
                self.detected[f.plan.kind] += 1
                self.revenue_found_vnd += stake
        self.value_usd[dept] += float(replay.duties.customs_value_vnd) / float(f.usd_rate)
        self.duties_vnd[dept] += float(s.total)
        self.active[(dept, f.registered_at.strftime("%Y-%m"))].add(f.firm.index)
        if s.released is not None:
            release = self.release[(dept, f.flow)]
            release[0] += (s.released - f.registered_at).total_seconds()
            release[1] += replay.customs_seconds
            release[2] += 1


@dataclass
class GenerationReport:
    """What a run wrote, and the figures of the sources it reproduces."""

    mode: str
    seed: int
    period_start: datetime
    period_end: datetime
    enterprises: int = 0
    brokers: int = 0
    users: int = 0
    exchange_rates: int = 0
    profiles_dated: int = 0
    declarations: int = 0
    lines: int = 0
    containers: int = 0
    events: int = 0
    versions: int = 0
    checks: int = 0
    payment_orders: int = 0
    bank_confirmations: int = 0
    receipts: int = 0
    skipped: int = 0
    by_flow: dict[str, int] = field(default_factory=dict)
    by_lane: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_office: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)
    events_by_kind: dict[str, int] = field(default_factory=dict)
    fraud: dict[str, int] = field(default_factory=dict)
    detected: dict[str, int] = field(default_factory=dict)
    revenue_at_stake_vnd: Decimal = ZERO
    revenue_found_vnd: Decimal = ZERO
    monthly: dict[str, dict[str, float]] = field(default_factory=dict)  # department → figures
    release: dict[str, dict[str, float]] = field(default_factory=dict)  # "20 import" → figures
    payments: str = "payment orders, bank confirmations and receipts"  # PAYMENTS_WRITTEN
    elapsed_seconds: float = 0.0
    first_problem: object = ""  # as `Tally.first_problem`

    @property
    def fraud_total(self) -> int:
        return sum(self.fraud.values())

    def fill(self, tally: Tally, population: Population) -> None:
        """Copy the run's counts, and work out the monthly and time-release figures."""
        for name in (
            "declarations",
            "lines",
            "containers",
            "events",
            "versions",
            "checks",
            "payment_orders",
            "skipped",
            "first_problem",
            "revenue_at_stake_vnd",
            "revenue_found_vnd",
        ):
            setattr(self, name, getattr(tally, name))
        self.bank_confirmations = self.receipts = tally.confirmations
        self.enterprises, self.brokers = len(population.firms), len(population.brokers)
        self.users = population.created_users
        for name in (
            "by_flow",
            "by_lane",
            "by_status",
            "by_office",
            "by_type",
            "events_by_kind",
            "fraud",
            "detected",
        ):
            setattr(self, name, dict(sorted(getattr(tally, name).items())))
        months = max(1.0, (self.period_end - self.period_start).days / 30.44)
        for dept in sorted({k[0] for k in tally.active}):
            active = [len(v) for (d, _m), v in tally.active.items() if d == dept]
            declarations = sum(n for code, n in tally.by_office.items() if code.startswith(dept))
            self.monthly[dept] = {
                "declarations": declarations / months,
                "active_enterprises": sum(active) / max(1, len(active)),
                "value_usd_m": tally.value_usd[dept] / months / 1e6,
                "duties_vnd_bn": tally.duties_vnd[dept] / months / 1e9,
            }
        for (dept, flow), (seconds, customs, n) in sorted(tally.release.items()):
            self.release[f"{dept} {flow}"] = {
                "hours": seconds / n / 3600 if n else 0.0,
                "customs_share": customs / seconds if seconds else 0.0,
                "released": int(n),
            }

    def as_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["revenue_at_stake_vnd"] = str(self.revenue_at_stake_vnd)
        out["revenue_found_vnd"] = str(self.revenue_found_vnd)
        out["period_start"] = self.period_start.isoformat()
        out["period_end"] = self.period_end.isoformat()
        out["first_problem"] = str(self.first_problem)
        return out

    def lines_of_text(self) -> list[str]:
        """The report, line by line, translated and with numbers written when each is shown (in
        the language of whoever reads it, not the one the history was written in)."""
        return [
            *self._counts_text(),
            *self._work_text(),
            *self._departments_text(),
            *self._closing_text(),
        ]

    def _counts_text(self) -> list[str]:
        n = self.declarations
        return [
            later(
                gettext_noop("Period: %(a)s to %(b)s (seed %(s)s, %(m)s mode)"),
                a=f"{self.period_start:%Y-%m-%d}",
                b=f"{self.period_end:%Y-%m-%d %H:%M}",
                s=str(self.seed),
                m=_label(MODE_LABELS, self.mode),
            ),
            later(
                gettext_noop("Enterprises: %(e)s traders, %(b)s customs brokers; %(u)s accounts"),
                e=self.enterprises,
                b=self.brokers,
                u=self.users,
            ),
            later(
                gettext_noop(
                    "Declarations: %(n)s (%(f)s); lines %(l)s, containers %(c)s, events %(ev)s"
                ),
                n=n,
                f=listing(self.by_flow, Flow),
                l=self.lines,
                c=self.containers,
                ev=self.events,
            ),
            later(
                gettext_noop("Lanes at registration: %(l)s"),
                l=concat(
                    *(
                        x
                        for i, (k, v) in enumerate(self.by_lane.items())
                        for x in (
                            (", " if i else ""),
                            _label(Lane, k),
                            " ",
                            number(v),
                            " (",
                            pct(v, n),
                            ")",
                        )
                    )
                ),
            ),
            later(gettext_noop("Status now: %(s)s"), s=listing(self.by_status, Status)),
            later(gettext_noop("Offices: %(o)s"), o=listing(self.by_office)),
        ]

    def _work_text(self) -> list[str]:
        n = self.declarations
        return [
            later(
                gettext_noop(
                    "Checks recorded: %(c)s; versions: %(v)s; payments: %(p)s orders, %(b)s bank "
                    "confirmations, %(r)s receipts"
                ),
                c=self.checks,
                v=self.versions,
                p=self.payment_orders,
                b=self.bank_confirmations,
                r=self.receipts,
            ),
            later(
                gettext_noop("Fraud planted: %(t)s (%(p)s) — %(k)s; detected: %(d)s"),
                t=self.fraud_total,
                p=pct(self.fraud_total, n),
                k=listing(self.fraud, FRAUD_LABELS),
                d=listing(self.detected, FRAUD_LABELS),
            ),
            later(
                gettext_noop("Revenue at stake: %(s)s VND, of which found by checks: %(f)s VND"),
                s=number(self.revenue_at_stake_vnd, 0),
                f=number(self.revenue_found_vnd, 0),
            ),
        ]

    def _departments_text(self) -> list[str]:
        out: list[str] = []
        for dept, m in self.monthly.items():
            out.append(
                later(
                    gettext_noop(
                        "Department %(d)s per month: %(n)s declarations, %(a)s active "
                        "enterprises, USD %(v)s million"
                    ),
                    d=dept,
                    n=number(m["declarations"], 0),
                    a=number(m["active_enterprises"], 0),
                    v=number(m["value_usd_m"], 1),
                )
            )
        for key, r in self.release.items():
            dept, _space, flow = key.partition(" ")
            out.append(
                later(
                    gettext_noop(
                        "Time release %(d)s %(f)s: %(h)s h registration to release on average, "
                        "customs' own work %(c)s%% (%(n)s released)"
                    ),
                    d=dept,
                    f=_label(Flow, flow),
                    h=number(r["hours"], 2),
                    c=number(r["customs_share"] * 100, 1),
                    n=int(r["released"]),
                )
            )
        return out

    def _closing_text(self) -> list[str]:
        out: list[str] = []
        out.append(
            later(
                gettext_noop("Payments written as: %(p)s"),
                p=_label(PAYMENT_LABELS, self.payments),
            )
        )
        if self.skipped:
            out.append(
                later(
                    gettext_noop("Skipped (could not be assessed): %(n)s; first problem: %(p)s"),
                    n=self.skipped,
                    p=self.first_problem,
                )
            )
        out.append(later(gettext_noop("Elapsed: %(s)s s"), s=number(self.elapsed_seconds, 1)))
        return out


def pct(part: int, whole: int) -> str:
    """A share, written when shown ("-" of nothing)."""
    return later(gettext_noop("%(p)s%%"), p=number(100 * part / whole, 1)) if whole else "-"


def listing(counts: dict[str, int], labels: Any = None) -> str:
    """ "label n, label n, ...", written when shown."""
    if not counts:
        return "-"
    return concat(
        *(
            x
            for i, (k, v) in enumerate(counts.items())
            for x in ((", " if i else ""), _label(labels, k), " ", number(v))
        )
    )


# Words for the values the report counts by (the values themselves are codes).
MODE_LABELS = {"demo": gettext_lazy("demo"), "national": gettext_lazy("national benchmark")}
FRAUD_LABELS = {
    "undervaluation": gettext_lazy("undervaluation"),
    "misclassification": gettext_lazy("misclassification"),
    "false_origin": gettext_lazy("false origin"),
}
PAYMENTS_WRITTEN = "payment orders, bank confirmations and receipts"
PAYMENT_LABELS = {PAYMENTS_WRITTEN: gettext_lazy("payment orders, bank confirmations and receipts")}


def _label(labels: Any, value: str) -> Any:
    """The words for `value` (a choices class or a dict), or the value itself (office codes)."""
    if labels is None:
        return value
    if isinstance(labels, dict):
        return labels.get(value, value)
    try:
        return labels(value).label
    except ValueError:
        return value
