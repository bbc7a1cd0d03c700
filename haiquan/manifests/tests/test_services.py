"""Filing, amending and the arrival notice, through the services."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.models import Event
from haiquan.manifests.inputs import AmendmentInput
from haiquan.manifests.models import Bill, Voyage
from haiquan.manifests.services import voyage_amend, voyage_arrival_record, voyage_file
from haiquan.manifests.validation import imo_number_is_valid

from .conftest import BILL, consignment, report

pytestmark = pytest.mark.django_db


def _codes(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def test_a_manifest_is_filed_with_its_event(manifest: Voyage, hoanglong: Any) -> None:
    bill = Bill.objects.get(voyage=manifest, number=BILL)
    assert bill.consignee == hoanglong
    assert [c.number for c in bill.containers.all()] == ["CSQU3054383"]
    event = Event.objects.get(kind=kinds.MANIFEST_FILED.code, subject_id=manifest.pk)
    assert event.data["bills"] == 2 and event.office_code == "20CD"


def test_every_problem_is_reported_at_once(carrier: User) -> None:
    bad = report(
        consignment(consignee_id="0100109107", total_package_quantity=499),
        consignment(transport_contract_document_type="house"),
        transport_means_id="9321484",
        loading_location_id="XXSHA",
        office_of_arrival="99ZZ",
    )
    with pytest.raises(ValidationFailed) as exc:
        voyage_file(actor=carrier, data=bad)
    assert sorted(_codes(exc)) == sorted(
        [
            ("transport_means_id", "invalid-imo"),
            ("loading_location_id", "invalid-location"),
            ("office_of_arrival", "unknown-office"),
            ("consignments[0].consignee_id", "invalid-mst"),
            ("consignments[0].total_package_quantity", "totals-differ"),
            ("consignments[1].master_transport_contract_document_id", "required"),
            ("consignments[1].transport_contract_document_id", "duplicate"),
        ]
    )
    assert not Voyage.objects.exists()


def test_only_carriers_file_and_a_voyage_is_filed_once(
    carrier: User, declarant: User, manifest: Voyage
) -> None:
    with pytest.raises(Forbidden):
        voyage_file(actor=declarant, data=report(consignment()))
    with pytest.raises(Conflict) as exc:
        voyage_file(actor=carrier, data=report(consignment()))
    assert exc.value.code == "duplicate-voyage"


def test_imo_numbers() -> None:
    assert imo_number_is_valid("9321483") and imo_number_is_valid("IMO 9074729")
    assert not imo_number_is_valid("9321484") and not imo_number_is_valid("932148")


def test_an_amendment_after_arrival_is_kept_with_its_reason(
    carrier: User, manifest: Voyage, hoanglong: Any
) -> None:
    before = voyage_amend(
        actor=carrier,
        voyage=manifest,
        data=AmendmentInput(
            reason="Shipper corrected the gross mass",
            consignments=(consignment(consignee_id=hoanglong.mst, consignor_name="Guangxi Co"),),
        ),
    )
    assert before.after_arrival is False
    voyage_arrival_record(actor=carrier, voyage=manifest, arrived_at=timezone.now())
    after = voyage_amend(
        actor=carrier,
        voyage=manifest,
        data=AmendmentInput(
            reason="Container short-shipped: cargo left at Shanghai",
            withdrawn=("COSU6123456799",),
        ),
    )
    after.refresh_from_db()
    assert after.after_arrival is True
    assert after.number == 2
    assert after.reason == "Container short-shipped: cargo left at Shanghai"
    assert after.changes["withdrawn"] == ["COSU6123456799"]
    assert not Bill.objects.filter(number="COSU6123456799").exists()
    events = Event.objects.filter(kind=kinds.MANIFEST_AMENDED.code, subject_id=manifest.pk)
    assert [e.data["after_arrival"] for e in events.order_by("id")] == [False, True]
    assert events.order_by("id").last().data["reason"].startswith("Container short-shipped")  # type: ignore[union-attr]


def test_an_amendment_needs_a_reason_and_the_carrier_s_own_manifest(
    carrier: User, other_carrier: User, manifest: Voyage
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        voyage_amend(
            actor=carrier, voyage=manifest, data=AmendmentInput(reason=" ", withdrawn=(BILL,))
        )
    assert _codes(exc) == [("reason", "required")]
    with pytest.raises(Forbidden):
        voyage_amend(
            actor=other_carrier, voyage=manifest, data=AmendmentInput(reason="x", withdrawn=(BILL,))
        )


def test_a_declared_bill_cannot_be_withdrawn_cut_or_change_hands(
    carrier: User, manifest: Voyage, declare: Any, phuthai: Any
) -> None:
    declare(packages=300)
    changed = consignment(
        consignee_id=phuthai.mst,
        total_package_quantity=200,
        goods_items=(replace(consignment().goods_items[0], package_quantity=200),),
    )
    with pytest.raises(ValidationFailed) as exc:
        voyage_amend(
            actor=carrier,
            voyage=manifest,
            data=AmendmentInput(reason="typo", consignments=(changed,), withdrawn=(BILL,)),
        )
    assert sorted(_codes(exc)) == sorted(
        [
            ("withdrawn[0]", "bill-declared"),
            ("consignments[0].consignee_id", "bill-declared"),
            ("consignments[0].total_package_quantity", "below-declared"),
        ]
    )


def test_the_arrival_is_checked_against_the_clock_and_given_once(
    carrier: User, manifest: Voyage
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        voyage_arrival_record(
            actor=carrier, voyage=manifest, arrived_at=timezone.now() + timedelta(hours=1)
        )
    assert _codes(exc) == [("arrived_at", "in-future")]
    voyage_arrival_record(actor=carrier, voyage=manifest, arrived_at=timezone.now())
    with pytest.raises(Conflict):
        voyage_arrival_record(actor=carrier, voyage=manifest, arrived_at=timezone.now())
    assert (
        Event.objects.filter(kind=kinds.MANIFEST_ARRIVED.code, subject_id=manifest.pk).count() == 1
    )
