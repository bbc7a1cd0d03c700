"""Writing cargo reports: filing a manifest, amending it, notifying the arrival. Each is one
transaction that writes its event."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from stdnum import iso6346
from stdnum.vn import mst as mst_std

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.clearance.services import declaration_clearance_retry
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ValidationFailed, invalid
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.services import event_record
from haiquan.refdata.models import Enterprise

from .choices import HoldKind, HoldOutcome, Source
from .inputs import AmendmentInput, CargoReportInput, ConsignmentInput
from .matching import arrival_events, held_declarations
from .models import Amendment, Bill, BillContainer, BillDrawdown, GoodsItem, Hold, Voyage
from .targeting import voyage_target
from .validation import cargo_report_validate, consignment_problems

# An arrival reported later than this ahead of the server's clock is refused (clock skew allowed).
CLOCK_SKEW = timedelta(minutes=5)


def _carrier_of(actor: User) -> Enterprise:
    if actor.role != Role.CARRIER or actor.enterprise_id is None:
        raise Forbidden(_("Only a carrier or its shipping agent files cargo manifests."))
    assert actor.enterprise is not None
    return actor.enterprise


def _bills_write(
    voyage: Voyage, consignments: tuple[ConsignmentInput, ...], consignees: dict[str, Enterprise]
) -> list[Bill]:
    """Write bills with their goods and containers in a few bulk statements (a manifest may carry
    thousands of bills)."""
    bills = []
    for c in consignments:
        mst = mst_std.compact(c.consignee_id) if c.consignee_id.strip() else ""
        bills.append(
            Bill(
                voyage=voyage,
                number=c.transport_contract_document_id.strip().upper(),
                kind=c.transport_contract_document_type,
                master_number=c.master_transport_contract_document_id.strip().upper(),
                consignor_name=c.consignor_name.strip(),
                consignor_address=c.consignor_address.strip(),
                consignee_name=c.consignee_name.strip(),
                consignee_mst=mst,
                consignee=consignees.get(mst),
                notify_name=c.notify_party_name.strip(),
                packages=c.total_package_quantity,
                gross_mass_kg=c.total_gross_mass_measure,
            )
        )
    Bill.objects.bulk_create(bills, batch_size=1000)
    if any(b.pk is None for b in bills):  # databases that do not return ids from bulk inserts
        by_number = dict(
            Bill.objects.filter(voyage=voyage, number__in=[b.number for b in bills]).values_list(
                "number", "pk"
            )
        )
        for b in bills:
            b.pk = by_number[b.number]
    goods: list[GoodsItem] = []
    containers: list[BillContainer] = []
    for bill, c in zip(bills, consignments, strict=True):
        for seq, g in enumerate(c.goods_items, start=1):
            goods.append(
                GoodsItem(
                    bill_id=bill.pk,
                    sequence=seq,
                    hs_code=g.commodity_classification,
                    description=g.description.strip(),
                    packages=g.package_quantity,
                    package_kind=g.package_type_code.strip().upper()[:2],
                    gross_mass_kg=g.gross_mass_measure,
                )
            )
        for eq in c.transport_equipment:
            containers.append(
                BillContainer(
                    bill_id=bill.pk,
                    number=iso6346.compact(eq.identification),
                    seals=[s.strip() for s in eq.seals],
                )
            )
    GoodsItem.objects.bulk_create(goods, batch_size=2000)
    BillContainer.objects.bulk_create(containers, batch_size=2000)
    return bills


def voyage_file(
    *, actor: User, data: CargoReportInput, source: str = Source.API, now: datetime | None = None
) -> Voyage:
    """File a carrier's cargo report (bản khai hàng hoá) for one arrival: the voyage and every
    bill it carries. The whole report is accepted, or refused with every problem; a second
    report of the same voyage by the same carrier is refused (amend the first)."""
    carrier = _carrier_of(actor)
    now = now or timezone.now()
    resolved = cargo_report_validate(data, now=now)
    assert data.estimated_arrival is not None
    means = data.transport_means_id.strip().upper().removeprefix("IMO").strip()
    try:
        with transaction.atomic():
            voyage = Voyage.objects.create(
                reference=(data.reference or data.conveyance_reference_number).strip()[:35],
                carrier=carrier,
                filed_by=actor,
                mode=data.transport_mode_code,
                direction=data.direction,
                transport_means_id=means,
                transport_means_name=data.transport_means_name.strip()[:70],
                conveyance_reference=data.conveyance_reference_number.strip().upper(),
                loading_location=data.loading_location_id.strip().upper(),
                office=resolved.office,
                estimated_arrival=data.estimated_arrival,
                source=source,
                filed_at=now,
            )
            bills = _bills_write(voyage, data.consignments, resolved.consignees)
            voyage_target(voyage, on_day=timezone.localdate(now))
            event_record(
                kind=kinds.MANIFEST_FILED.code,
                subject_type="voyage",
                subject_id=voyage.pk,
                party=Party.MOVEMENT,
                actor=actor,
                office_code=voyage.office.code,
                data={"bills": len(bills), "source": source},
                occurred_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(
            _(
                "Voyage %(voyage)s of %(means)s is already on file from your firm: amend that "
                "manifest instead."
            )
            % {"voyage": data.conveyance_reference_number, "means": means},
            code="duplicate-voyage",
        ) from exc
    return voyage


def _drawn(bill_ids: list[int]) -> dict[int, int]:
    rows = (
        BillDrawdown.objects.filter(bill_id__in=bill_ids)
        .values("bill_id")
        .annotate(n=Sum("packages"))
        .values_list("bill_id", "n")
    )
    return {bill_id: n or 0 for bill_id, n in rows}


def _bill_summary(bill: Bill) -> dict[str, Any]:
    return {
        "consignee": bill.consignee_mst or bill.consignee_name,
        "packages": bill.packages,
        "gross_mass_kg": str(bill.gross_mass_kg),
        "containers": sorted(c.number for c in bill.containers.all()),
    }


def voyage_amend(
    *, actor: User, voyage: Voyage, data: AmendmentInput, now: datetime | None = None
) -> Amendment:
    """Amend a filed manifest: bills added or replaced whole, bills withdrawn, with the reason.
    An amendment after arrival is still accepted and kept, marked as such (customs review those).
    A bill already declared cannot be withdrawn, lose packages below what its declarations drew,
    or change consignee."""
    carrier = _carrier_of(actor)
    if voyage.carrier_id != carrier.pk:
        raise Forbidden(_("This manifest was filed by another carrier."))
    now = now or timezone.now()
    problems: list[FieldProblem] = []
    msts = _amendment_problems(data, problems)
    numbers = [c.transport_contract_document_id.strip().upper() for c in data.consignments]
    withdrawn = [n.strip().upper() for n in data.withdrawn]
    existing = {
        b.number: b
        for b in Bill.objects.filter(
            voyage=voyage, number__in=numbers + withdrawn
        ).prefetch_related("containers")
    }
    drawn = _drawn([b.pk for b in existing.values()])
    _withdrawn_check(withdrawn, existing, drawn, problems)
    _declared_check(numbers, data, existing, drawn, problems)
    if problems:
        raise ValidationFailed(problems)
    consignees = {e.mst: e for e in Enterprise.objects.filter(mst__in=msts)} if msts else {}
    with transaction.atomic():
        voyage = Voyage.objects.select_for_update().get(pk=voyage.pk)
        changed = {n: _bill_summary(existing[n]) for n in numbers if n in existing}
        _bills_amend(voyage, data, numbers, withdrawn, existing, consignees)
        voyage_target(voyage, on_day=timezone.localdate(now))
        voyage.amendment_count += 1
        voyage.save(update_fields=["amendment_count"])
        amendment = Amendment.objects.create(
            voyage=voyage,
            number=voyage.amendment_count,
            reason=data.reason.strip(),
            after_arrival=voyage.actual_arrival is not None and voyage.actual_arrival <= now,
            made_by=actor,
            made_at=now,
            changes={
                "added": [n for n in numbers if n not in existing],
                "replaced": changed,
                "withdrawn": withdrawn,
            },
        )
        event_record(
            kind=kinds.MANIFEST_AMENDED.code,
            subject_type="voyage",
            subject_id=voyage.pk,
            party=Party.MOVEMENT,
            actor=actor,
            office_code=voyage.office.code,
            data={
                "amendment": amendment.number,
                "reason": amendment.reason,
                "after_arrival": amendment.after_arrival,
            },
            occurred_at=now,
        )
    return amendment


def _amendment_problems(data: AmendmentInput, problems: list[FieldProblem]) -> set[str]:
    """The reason, at least one change, and each bill given; answers the consignees' tax codes."""
    if not data.reason.strip():
        problems.append(FieldProblem("reason", _("say why the manifest is amended"), "required"))
    if not data.consignments and not data.withdrawn:
        problems.append(
            FieldProblem(
                "consignments", _("add, replace or withdraw at least one bill"), "required"
            )
        )
    msts: set[str] = set()
    for i, c in enumerate(data.consignments):
        msts.update(consignment_problems(c, f"consignments[{i}]", problems))
    return msts


def _withdrawn_check(
    withdrawn: list[str],
    existing: dict[str, Bill],
    drawn: dict[int, int],
    problems: list[FieldProblem],
) -> None:
    """A withdrawn bill must be on the manifest and not declared."""
    for k, number in enumerate(withdrawn):
        bill = existing.get(number)
        if bill is None:
            problems.append(
                FieldProblem(
                    f"withdrawn[{k}]",
                    _("bill %(v)s is not on this manifest") % {"v": number},
                    "unknown-bill",
                )
            )
        elif drawn.get(bill.pk):
            problems.append(
                FieldProblem(
                    f"withdrawn[{k}]",
                    _("bill %(v)s is already declared and cannot be withdrawn") % {"v": number},
                    "bill-declared",
                )
            )


def _declared_check(
    numbers: list[str],
    data: AmendmentInput,
    existing: dict[str, Bill],
    drawn: dict[int, int],
    problems: list[FieldProblem],
) -> None:
    """A replaced bill already declared keeps its consignee and at least the packages drawn."""
    for i, (number, c) in enumerate(zip(numbers, data.consignments, strict=True)):
        bill = existing.get(number)
        taken = drawn.get(bill.pk, 0) if bill else 0
        if bill is None or not taken:
            continue
        new_mst = mst_std.compact(c.consignee_id) if c.consignee_id.strip() else ""
        if new_mst != bill.consignee_mst:
            problems.append(
                FieldProblem(
                    f"consignments[{i}].consignee_id",
                    _("bill %(v)s is already declared by its consignee: it cannot change hands")
                    % {"v": number},
                    "bill-declared",
                )
            )
        if c.total_package_quantity < taken:
            problems.append(
                FieldProblem(
                    f"consignments[{i}].total_package_quantity",
                    _("%(n)s packages of bill %(v)s are already declared")
                    % {"n": taken, "v": number},
                    "below-declared",
                )
            )


def _bills_amend(
    voyage: Voyage,
    data: AmendmentInput,
    numbers: list[str],
    withdrawn: list[str],
    existing: dict[str, Bill],
    consignees: dict[str, Enterprise],
) -> None:
    """Withdraw, add and replace the bills (in the caller's transaction)."""
    replaced = [existing[n] for n in numbers if n in existing]
    # A replaced bill keeps its row (declarations point at it): its content is rewritten.
    for bill in replaced:
        bill.goods.all().delete()
        bill.containers.all().delete()
    Bill.objects.filter(pk__in=[existing[n].pk for n in withdrawn]).delete()
    fresh = [c for n, c in zip(numbers, data.consignments, strict=True) if n not in existing]
    _bills_write(voyage, tuple(fresh), consignees)
    for bill in replaced:
        c = data.consignments[numbers.index(bill.number)]
        mst = mst_std.compact(c.consignee_id) if c.consignee_id.strip() else ""
        bill.kind = c.transport_contract_document_type
        bill.master_number = c.master_transport_contract_document_id.strip().upper()
        bill.consignor_name = c.consignor_name.strip()
        bill.consignor_address = c.consignor_address.strip()
        bill.consignee_name = c.consignee_name.strip()
        bill.consignee_mst = mst
        bill.consignee = consignees.get(mst)
        bill.notify_name = c.notify_party_name.strip()
        bill.packages = c.total_package_quantity
        bill.gross_mass_kg = c.total_gross_mass_measure
        bill.save()
        _contents_write(bill, c)


def _contents_write(bill: Bill, c: ConsignmentInput) -> None:
    GoodsItem.objects.bulk_create(
        GoodsItem(
            bill=bill,
            sequence=seq,
            hs_code=g.commodity_classification,
            description=g.description.strip(),
            packages=g.package_quantity,
            package_kind=g.package_type_code.strip().upper()[:2],
            gross_mass_kg=g.gross_mass_measure,
        )
        for seq, g in enumerate(c.goods_items, start=1)
    )
    BillContainer.objects.bulk_create(
        BillContainer(
            bill=bill,
            number=iso6346.compact(eq.identification),
            seals=[s.strip() for s in eq.seals],
        )
        for eq in c.transport_equipment
    )


def voyage_arrival_record(
    *, actor: User, voyage: Voyage, arrived_at: datetime, now: datetime | None = None
) -> Voyage:
    """The arrival notice (thông báo tàu đến): the means of transport has arrived. The time is
    the carrier's claim, checked against the server's clock; it is given once."""
    carrier = _carrier_of(actor)
    if voyage.carrier_id != carrier.pk:
        raise Forbidden(_("This manifest was filed by another carrier."))
    now = now or timezone.now()
    if timezone.is_naive(arrived_at):
        raise invalid("arrived_at", _("give the time with its time zone"), "naive-time")
    if arrived_at > now + CLOCK_SKEW:
        raise invalid(
            "arrived_at",
            _("the arrival time %(t)s is in the future") % {"t": formats.localize(arrived_at)},
            "in-future",
        )
    if arrived_at < voyage.filed_at - timedelta(days=30):
        raise invalid(
            "arrived_at", _("the arrival time is long before the manifest was filed"), "too-early"
        )
    with transaction.atomic():
        voyage = Voyage.objects.select_for_update().get(pk=voyage.pk)
        if voyage.actual_arrival is not None:
            raise Conflict(
                _("The arrival of this voyage was notified already."), code="already-arrived"
            )
        voyage.actual_arrival = arrived_at
        voyage.save(update_fields=["actual_arrival"])
        # The declarations already drawing on its bills get their consignment's arrival.
        declared = (
            Declaration.objects.filter(bill_drawdowns__bill__voyage=voyage)
            .exclude(status=Status.CANCELLED)
            .distinct()
        )
        bills = list(
            Bill.objects.filter(voyage=voyage, drawdowns__isnull=False)
            .select_related("voyage__office")
            .prefetch_related("containers")
            .distinct()
        )
        for declaration in declared:
            arrival_events(
                declaration,
                [b for b in bills if b.drawdowns.filter(declaration=declaration).exists()],
            )
        event_record(
            kind=kinds.MANIFEST_ARRIVED.code,
            subject_type="voyage",
            subject_id=voyage.pk,
            party=Party.MOVEMENT,
            actor=actor,
            office_code=voyage.office.code,
            data={"arrived_at": arrived_at.isoformat()},
            occurred_at=arrived_at,
        )
    return voyage


def cuscar_file(*, actor: User, text: str, now: datetime | None = None) -> Voyage:
    """File a manifest sent as a UN/EDIFACT CUSCAR file. It is accepted whole, or refused with
    every problem placed by segment and element."""
    from .cuscar import cuscar_read, problems_placed

    _carrier_of(actor)
    report, reader = cuscar_read(text)
    try:
        return voyage_file(actor=actor, data=report, source=Source.CUSCAR, now=now)
    except ValidationFailed as exc:
        raise problems_placed(exc, reader) from exc


def hold_kinds_for(voyage: Voyage) -> list[HoldKind]:
    """The hold that fits a voyage's bills: an import's cargo is loaded already and is inspected
    at arrival; an export's, not loaded yet, is stopped with "do not load"."""
    return [HoldKind.DO_NOT_LOAD] if voyage.is_departure else [HoldKind.INSPECT]


def hold_place(*, actor: User, bill: Bill, kind: str, reason: str) -> Hold:
    """An officer of the office of arrival (or of loading) holds a bill: "inspect at arrival" on
    an import manifest (its cargo may not leave the port, nor its declarations be cleared, until
    inspected) or "do not load" on an export manifest before the departure (its containers may
    not leave the port onto the ship, nor the export declarations naming the bill or its
    containers be cleared, until released). One open hold per bill."""
    if actor.role not in (Role.OFFICER, Role.LEADER):
        raise Forbidden(_("Only officers and leaders of the office of arrival place holds."))
    problems = []
    voyage = bill.voyage
    if kind not in HoldKind.values:
        problems.append(FieldProblem("kind", _("choose: inspect at arrival, or do not load")))
    elif kind not in hold_kinds_for(voyage):
        problems.append(
            FieldProblem(
                "kind",
                _("an export manifest's bill is held before loading: choose do not load")
                if voyage.is_departure
                else _("an import manifest's cargo is loaded already: choose inspect at arrival"),
                "wrong-direction",
            )
        )
    if not reason.strip():
        problems.append(FieldProblem("reason", _("say why the bill is held"), "required"))
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        bill = Bill.objects.select_for_update().select_related("voyage__office").get(pk=bill.pk)
        if Hold.objects.filter(bill=bill, released_at__isnull=True).exists():
            raise Conflict(_("Bill %(v)s is held already.") % {"v": bill.number}, code="held")
        if bill.voyage.is_departure and bill.voyage.actual_arrival is not None:
            raise Conflict(
                _("The ship carrying bill %(v)s has left: it is too late not to load it.")
                % {"v": bill.number},
                code="departed",
            )
        hold = Hold.objects.create(bill=bill, kind=kind, reason=reason.strip(), placed_by=actor)
        event_record(
            kind=kinds.MANIFEST_HOLD_PLACED.code,
            subject_type="voyage",
            subject_id=bill.voyage_id,
            party=Party.CUSTOMS,
            actor=actor,
            office_code=bill.voyage.office.code,
            data={"bill": bill.number, "hold": kind, "reason": hold.reason},
        )
    return hold


def hold_release(*, actor: User, hold: Hold, outcome: str, note: str = "") -> Hold:
    """Release a hold with what the inspection found; the outcome is kept beside the flags the
    bill was targeted for, as an inspection result is."""
    if actor.role not in (Role.OFFICER, Role.LEADER):
        raise Forbidden(_("Only officers and leaders of the office of arrival release holds."))
    if outcome not in HoldOutcome.values:
        raise invalid("outcome", _("choose what the inspection found"))
    if outcome == HoldOutcome.FOUND and not note.strip():
        raise invalid("outcome_note", _("say what was found"), "required")
    with transaction.atomic():
        hold = (
            Hold.objects.select_for_update().select_related("bill__voyage__office").get(pk=hold.pk)
        )
        if hold.released_at is not None:
            raise Conflict(_("This hold was released already."), code="released")
        hold.released_by = actor
        hold.released_at = timezone.now()
        hold.outcome = outcome
        hold.outcome_note = note.strip()
        hold.save(update_fields=["released_by", "released_at", "outcome", "outcome_note"])
        event_record(
            kind=kinds.MANIFEST_HOLD_RELEASED.code,
            subject_type="voyage",
            subject_id=hold.bill.voyage_id,
            party=Party.CUSTOMS,
            actor=actor,
            office_code=hold.bill.voyage.office.code,
            data={
                "bill": hold.bill.number,
                "outcome": outcome,
                "flags": [f["code"] for f in hold.bill.risk_flags],
            },
        )
        # The declarations the hold kept from clearance may be cleared now.
        for d in held_declarations(hold.bill):
            declaration_clearance_retry(declaration=d)
    return hold
