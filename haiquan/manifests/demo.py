"""Demo content for manifests, on top of the generated history: the cargo reports of the sea and
air imports it holds, so that their arrival (where the WCO's arrival → release span starts) is a
carrier's actual arrival on a manifest, as in the live system.

The history's imports by sea and air arrive on calls (`demo/consignment.py`: a vessel every 12
hours, a flight every 3 hours, per office); each call with consignments becomes one voyage of the
demo's shipping agent (log-in dlhh.quangninh), arrived at the call's time, the time of the
consignments' `cargo.arrived` events. Each consignment's bill of lading (or air waybill) is a bill
on it, consigned to the declaring enterprise, with the declaration's containers and seals, and
drawn down by that declaration in full.

Written in a few bulk statements (COPY on PostgreSQL), once: a second run finds the voyages there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy, gettext_noop
from stdnum.vn import mst as mst_std

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.clearance.choices import TransportMode
from haiquan.clearance.models import Container, Declaration
from haiquan.core.bulkwrite import IdAllocator, Table, write_rows
from haiquan.core.i18n import later
from haiquan.demo.rows import json_text
from haiquan.demo.setup import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, DemoLogin
from haiquan.eventlog import kinds
from haiquan.eventlog.models import Event
from haiquan.refdata.choices import Flow
from haiquan.refdata.models import Enterprise, Office

from .choices import BillKind, ManifestMode, Source
from .models import Bill, BillContainer, BillDrawdown, Voyage

AGENT_USERNAME = "dlhh.quangninh"  # hh.quangninh is the business association's (portal)
AGENT_MST = "5700100104"  # a valid tax code (checked below), of no real firm in the demo
AGENT_NAME = "Công ty CP Đại lý Hàng hải Quảng Ninh (demo)"
# Vessels calling at the demo's offices (IMO number, name) and the flights landing there.
VESSELS = (
    ("9811000", "HAIAN BELL"),
    ("9795610", "WAN HAI 289"),
    ("9354480", "SITC HAIPHONG"),
    ("9445994", "KMTC QINGDAO"),
    ("9632179", "MAERSK DANANG"),
    ("9780445", "COSCO SHENGSHI"),
)
PORTS_OF_LOADING = ("CNSHA", "CNNGB", "HKHKG", "KRPUS", "SGSIN", "JPYOK", "TWKHH", "THLCH")
FLIGHTS = ("VN0513", "CX0791", "KE0449", "CZ8313", "SQ0176", "JL0751")
AIRPORTS = ("HKHKG", "KRSEL", "CNCAN", "SGSIN", "JPTYO", "CNPVG")
MODES = {TransportMode.SEA.value: ManifestMode.SEA, TransportMode.AIR.value: ManifestMode.AIR}
PACKAGES_PER_LINE = 10  # the history's declarations give no packages: the bill's, per line
KG_PER_CONTAINER = Decimal("18000.000")
KG_PER_LINE = Decimal("250.000")


def demo_setup(*, say: Callable[[str], None]) -> list[DemoLogin]:
    agent = _agent_ensure()
    if Voyage.objects.filter(carrier=agent.enterprise).exists():
        say(later(gettext_noop("Manifests: the demo's voyages are there already.")))
        return [_login()]
    voyages, bills = manifests_from_history(agent=agent)
    say(
        later(
            gettext_noop("Manifests: %(v)s voyages with %(b)s bills of lading."), v=voyages, b=bills
        )
    )
    return [_login()]


def _login() -> DemoLogin:
    return DemoLogin(
        AGENT_USERNAME,
        Role.CARRIER,
        gettext_lazy("Shipping agent: files manifests, notifies arrivals"),
    )


@transaction.atomic
def _agent_ensure() -> User:
    assert mst_std.is_valid(AGENT_MST)
    Enterprise.objects.get_or_create(
        mst=AGENT_MST, defaults={"name": AGENT_NAME, "province_code": "22"}
    )
    user = User.objects.filter(username=AGENT_USERNAME).first()
    if user is None:
        user = user_create(
            username=AGENT_USERNAME,
            password=DEMO_PASSWORD,
            role=Role.CARRIER,
            email=f"{AGENT_USERNAME}@{DEMO_EMAIL_DOMAIN}",
            employer_mst=AGENT_MST,
            check_password=False,  # the demo's one shared password, as its other log-ins
        )
    return user


def _consignments() -> list[tuple[Any, ...]]:
    """(declaration id, arrived at, office id, mode, bill number, enterprise id, MST, name,
    consignor, lines, registered at) of the history's sea and air imports that arrived."""
    arrived = dict(
        Event.objects.filter(
            kind=kinds.CARGO_ARRIVED.code,
            subject_type="consignment",
            declaration_id__isnull=False,
        ).values_list("declaration_id", "occurred_at")
    )
    rows = (
        Declaration.objects.filter(
            flow=Flow.IMPORT, transport_mode__in=list(MODES), pk__in=list(arrived)
        )
        .exclude(bill_of_lading="")
        .annotate(n_lines=Count("lines"))
        .order_by("pk")
        .values_list(
            "pk",
            "office_id",
            "transport_mode",
            "bill_of_lading",
            "enterprise_id",
            "enterprise__mst",
            "enterprise__name",
            "partner_name",
            "n_lines",
            "registered_at",
        )
    )
    return [(r[0], arrived[r[0]], *r[1:]) for r in rows]


def _voyage_for(
    agent: User, offices: dict[int, str], key: tuple[int, str, datetime], n: int
) -> Voyage:
    office_id, mode, arrived = key
    if mode == ManifestMode.SEA:
        means, name = VESSELS[n % len(VESSELS)]
        loading = PORTS_OF_LOADING[n % len(PORTS_OF_LOADING)]
        ahead = timedelta(days=3)
    else:
        means, name = FLIGHTS[n % len(FLIGHTS)], ""
        loading = AIRPORTS[n % len(AIRPORTS)]
        ahead = timedelta(hours=8)
    reference = f"{offices[office_id]}{arrived:%y%m%d%H}{mode[0].upper()}"
    assert agent.enterprise is not None
    return Voyage(
        reference=reference,
        carrier=agent.enterprise,
        filed_by=agent,
        mode=mode,
        transport_means_id=means,
        transport_means_name=name,
        conveyance_reference=reference,
        loading_location=loading,
        office_id=office_id,
        estimated_arrival=arrived - timedelta(hours=2),
        actual_arrival=arrived,
        source=Source.API,
        filed_at=arrived - ahead,
    )


BILL_COLUMNS = (
    "id", "voyage_id", "number", "kind", "master_number", "consignor_name", "consignor_address",
    "consignee_name", "consignee_mst", "consignee_id", "notify_name", "packages", "gross_mass_kg",
    "risk_flags",
)  # fmt: skip


@transaction.atomic
def manifests_from_history(*, agent: User) -> tuple[int, int]:
    """The voyages, bills, containers and draw-downs of the history's arrived sea and air
    imports; returns (voyages, bills)."""
    rows = _consignments()
    if not rows:
        return 0, 0
    offices = dict(Office.objects.values_list("pk", "code"))
    keys = sorted({(r[2], str(MODES[r[3]]), r[1]) for r in rows}, key=lambda k: (k[2], k[0]))
    voyages = [_voyage_for(agent, offices, key, n) for n, key in enumerate(keys)]
    Voyage.objects.bulk_create(voyages, batch_size=1000)
    voyage_id = {
        (v.office_id, v.mode, v.actual_arrival): v.pk
        for v in Voyage.objects.filter(carrier=agent.enterprise).only(
            "pk", "office_id", "mode", "actual_arrival"
        )
    }
    containers: dict[int, list[tuple[str, str]]] = {}
    for declaration_id, number, seal in Container.objects.filter(
        declaration_id__in=[r[0] for r in rows]
    ).values_list("declaration_id", "number", "seal_number"):
        containers.setdefault(declaration_id, []).append((number, seal))
    ids = IdAllocator(Bill, block=len(rows))
    bill_rows, container_rows, drawdown_rows = [], [], []
    seen: set[tuple[int, str]] = set()
    for d_id, arrived, office_id, mode, number, ent_id, mst, name, consignor, lines, reg in rows:
        voyage = voyage_id[(office_id, str(MODES[mode]), arrived)]
        number = number.strip().upper()[:35]
        if (voyage, number) in seen:
            continue  # a number drawn twice on one call: the first declaration's
        seen.add((voyage, number))
        bill_id = ids.next()
        boxes = containers.get(d_id, [])
        packages = max(1, lines) * PACKAGES_PER_LINE
        mass = KG_PER_CONTAINER * len(boxes) if boxes else KG_PER_LINE * max(1, lines)
        bill_rows.append(
            (bill_id, voyage, number, BillKind.SIMPLE.value, "", consignor[:140] or "-", "",
             name[:140], mst, ent_id, "", packages, mass, "[]")
        )  # fmt: skip
        container_rows += [(bill_id, c, [s] if s else []) for c, s in boxes]
        drawdown_rows.append((bill_id, d_id, packages, reg))
    write_rows(Table(Bill, BILL_COLUMNS), bill_rows)
    box_ids = IdAllocator(BillContainer, block=max(1, len(container_rows)))
    write_rows(
        Table(BillContainer, ("id", "bill_id", "number", "seals")),
        [(box_ids.next(), b, n, json_text(s)) for b, n, s in container_rows],
    )
    draw_ids = IdAllocator(BillDrawdown, block=len(drawdown_rows))
    write_rows(
        Table(BillDrawdown, ("id", "bill_id", "declaration_id", "packages", "at")),
        [(draw_ids.next(), *r) for r in drawdown_rows],
    )
    return len(voyages), len(bill_rows)
