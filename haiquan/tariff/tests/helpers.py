"""Builders for duty-computation inputs, and a small in-memory tariff for database-free tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from haiquan.tariff.duties import DeclarationIn, LineIn
from haiquan.tariff.snapshot import AgreementData, HsLineData, PrefRate, RatePeriod, Tariff

D = Decimal
DAY = date(2024, 5, 2)
USD = D(25_000)  # VND per USD in the examples


def line(hs: str, origin: str, qty: str | int, unit: str, value: str | int, **kw: object) -> LineIn:
    return LineIn(hs_code=hs, origin=origin, quantity=D(qty), unit=unit, value=D(value), **kw)  # type: ignore[arg-type]


def decl(
    *lines: LineIn,
    flow: str = "import",
    treatment: str = "dutiable",
    incoterm: str = "CIF",
    rate: Decimal = USD,
    freight: str | int = 0,
    insurance: str | int = 0,
    on_day: date = DAY,
    exporter: str = "",
    quota_balances: dict[str, Decimal] | None = None,
) -> DeclarationIn:
    return DeclarationIn(
        flow=flow,
        duty_treatment=treatment,
        incoterm=incoterm,
        exchange_rate=rate,
        freight=D(freight),
        insurance=D(insurance),
        on_day=on_day,
        lines=list(lines),
        exporter=exporter,
        quota_balances=quota_balances,
    )


def hs_line(
    code: str,
    *,
    unit: str = "KGM",
    mfn: str = "10",
    general: str | None = None,
    specific: str | None = None,
    export: str = "0",
    vat: str = "10",
    sct: str | None = None,
    env: str | None = None,
    env_unit: str = "",
    preferential: dict[str, str | None] | None = None,
    excluded: dict[str, tuple[str, ...]] | None = None,
    mfn_out_of_quota: str | None = None,
    periods: tuple[RatePeriod, ...] = (),
) -> HsLineData:
    """A line; `preferential`: agreement (or "AGREEMENT/SCHEDULE") → rate, None for "*";
    `excluded`: the same keys → origins the rate is not granted to."""
    start = date(2000, 1, 1)
    prefs: dict[tuple[str, str], tuple[PrefRate, ...]] = {}
    for key, rate in (preferential or {}).items():
        agreement, _slash, schedule = key.partition("/")
        prefs[(agreement, schedule)] = (
            PrefRate(
                None if rate is None else D(rate),
                start,
                excluded_origins=frozenset((excluded or {}).get(key, ())),
            ),
        )
    rates = periods or (
        RatePeriod(
            start,
            None,
            D(mfn),
            D(general) if general is not None else None,
            D(specific) if specific is not None else None,
            D(mfn_out_of_quota) if mfn_out_of_quota is not None else None,
        ),
    )
    return HsLineData(
        code=code,
        unit=unit,
        export_rate=D(export),
        vat_rate=D(vat),
        sct_rate=D(sct) if sct is not None else None,
        env_tax_vnd_per_unit=D(env) if env is not None else None,
        env_tax_unit=env_unit,
        valid_from=start,
        valid_to=None,
        rates=rates,
        prefs=prefs,
    )


def agreement(
    code: str,
    parties: Sequence[str],
    form: str = "D",
    days: int = 365,
    schedules: dict[str, str] | None = None,
) -> AgreementData:
    return AgreementData(
        code=code,
        name=code,
        co_form=form,
        co_validity_days=days,
        in_force_from=date(2010, 1, 1),
        parties=dict.fromkeys(parties),
        schedules=schedules or {},
    )


def small_tariff() -> Tariff:
    """Three lines and two agreements, independent of the shipped schedule."""
    return Tariff(
        lines={
            "11111111": hs_line(
                "11111111", mfn="20", vat="5", preferential={"ATIGA": "0", "AKFTA": "30"}
            ),
            "22222222": hs_line(
                "22222222", unit="PCE", mfn="50", sct="30", vat="10", preferential={"ATIGA": "10"}
            ),
            "33333333": hs_line(
                "33333333",
                unit="LTR",
                mfn="5",
                sct="10",
                env="2000",
                export="10",
                preferential={"ATIGA": "0", "AKFTA": "5"},
            ),
        },
        agreements={
            "ATIGA": agreement("ATIGA", ["TH", "SG", "VN"]),
            "AKFTA": agreement("AKFTA", ["TH", "SG", "KR", "VN"], form="AK"),
        },
        non_mfn={"KP"},
    )
