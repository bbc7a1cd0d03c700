"""Declarations matched to the manifest at registration (clearance's validator and observer)."""

from __future__ import annotations

from typing import Any

import pytest

from haiquan.clearance import services as clearance
from haiquan.clearance.models import Declaration
from haiquan.core.problems import ValidationFailed
from haiquan.manifests.matching import manifested_offices
from haiquan.manifests.models import BillDrawdown, Voyage
from haiquan.manifests.selectors import bills_of
from haiquan.manifests.services import voyage_file

from .conftest import BILL, OTHER_CONTAINER, consignment, report

pytestmark = pytest.mark.django_db


def _codes(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def test_a_declaration_of_its_bill_draws_it_down(manifest: Voyage, declare: Any) -> None:
    declaration = declare(packages=300)
    drawdown = BillDrawdown.objects.get(declaration=declaration)
    assert (drawdown.bill.number, drawdown.packages) == (BILL, 300)
    status = {s.bill.number: s for s in bills_of(manifest)}[BILL]
    assert (status.declared_packages, status.status) == (300, "partly_declared")


def test_an_unknown_bill_is_refused_where_manifests_are_filed(
    manifest: Voyage, declare: Any
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        declare(bill_of_lading="COSU9999999999")
    assert _codes(exc) == [("bill_of_lading", "unknown-bill")]
    assert "COSU9999999999" in exc.value.errors[0].problem
    assert not Declaration.objects.exists()


def test_free_text_stays_where_no_manifest_is_filed(declare: Any) -> None:
    """No carrier reports to Cái Lân yet (no manifest): the bill is the declarant's word, as
    before; and a road consignment's transport document is never matched."""
    assert declare(bill_of_lading="COSU9999999999").pk
    assert not BillDrawdown.objects.exists()


def test_a_new_voyage_at_an_office_is_seen_by_the_next_declaration(
    carrier: Any, hoanglong: Any, phuthai: Any, declare: Any
) -> None:
    """Which offices receive manifests is held per worker (`manifested_offices`): the first
    voyage reported to Cái Lân renews its token, and the very next declaration at Cái Lân has
    its unknown bill refused where, a moment before, the same bill was free text."""
    assert declare(bill_of_lading="COSU9999999999").pk
    held = manifested_offices()
    assert held.pairs == frozenset()
    voyage_file(actor=carrier, data=report(consignment(consignee_id=hoanglong.mst)))
    with pytest.raises(ValidationFailed) as exc:
        declare(bill_of_lading="COSU9999999998")
    assert _codes(exc) == [("bill_of_lading", "unknown-bill")]
    assert manifested_offices().token != held.token


def test_a_voyage_s_office_is_read_again_only_when_its_token_changes(
    manifest: Voyage, django_assert_num_queries: Any
) -> None:
    first = manifested_offices()
    assert (manifest.office_id, "sea") in first.pairs
    with django_assert_num_queries(1):  # the token (a registration reads it with the others)
        assert manifested_offices() is first
    Voyage.objects.filter(pk=manifest.pk).update(mode="air")
    again = manifested_offices()
    assert again is not first and again.pairs == frozenset({(manifest.office_id, "air")})


def test_an_export_manifest_does_not_make_an_import_s_bill_checked(
    carrier: Any, hoanglong: Any, declare: Any
) -> None:
    """Only import manifests (arrivals) say which bills an import may name: an office that
    receives only export manifests leaves the import's bill to the declarant's word, and the
    export manifest's bill is not drawn down by it."""
    voyage_file(
        actor=carrier,
        data=report(
            consignment(consignee_id=hoanglong.mst),
            direction="departure",
            loading_location_id="VNCLN",
        ),
    )
    assert manifested_offices().pairs == frozenset()
    assert declare(bill_of_lading=BILL, packages=10).pk
    assert not BillDrawdown.objects.exists()


def test_road_consignments_keep_free_text(manifest: Voyage, declare: Any) -> None:
    declaration = declare(transport_mode="road", bill_of_lading="CMR-2026-0042", containers=())
    assert declaration.bill_of_lading == "CMR-2026-0042"


def test_another_consignee_s_bill_is_refused(manifest: Voyage, declare: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        declare(bill_of_lading="COSU6123456799", containers=(OTHER_CONTAINER,))
    assert _codes(exc) == [("bill_of_lading", "bill-not-yours")]
    assert "another enterprise" in exc.value.errors[0].problem


def test_a_container_not_on_the_bill_is_refused(manifest: Voyage, declare: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        declare(containers=(OTHER_CONTAINER,))
    assert _codes(exc) == [("containers[0]", "container-not-on-bill")]


def test_more_packages_than_the_bill_carries_are_refused(manifest: Voyage, declare: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        declare(packages=501)
    assert _codes(exc) == [("packages", "more-than-bill")]
    assert "501 packages declared but bill(s) COSU6123456780 carry 500" in str(
        exc.value.errors[0].problem
    )


def test_one_bill_is_not_declared_twice_beyond_what_it_carries(
    manifest: Voyage, declare: Any
) -> None:
    declare(packages=400, invoice_number="INV-1")
    with pytest.raises(ValidationFailed) as exc:
        declare(packages=101, invoice_number="INV-2")
    assert _codes(exc) == [("packages", "bill-exhausted")]
    assert "only 100 of bill(s)" in str(exc.value.errors[0].problem)
    assert Declaration.objects.count() == 1  # nothing half-saved
    declare(packages=100, invoice_number="INV-3")
    assert {s.bill.number: s.status for s in bills_of(manifest)}[BILL] == "declared"


def test_a_cancelled_declaration_gives_its_packages_back(
    manifest: Voyage, declare: Any, declarant: Any
) -> None:
    first = declare(packages=500, invoice_number="INV-1")
    clearance.declaration_cancel(declaration=first, actor=declarant, reason="Wrong invoice")
    assert declare(packages=500, invoice_number="INV-2").pk


def test_the_packages_are_required_with_a_manifested_bill(manifest: Voyage, declare: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        declare(packages=None)
    assert _codes(exc) == [("packages", "required")]


def test_an_amendment_redraws(
    manifest: Voyage, declare: Any, declarant: Any, declaration_input: Any
) -> None:
    declaration = declare(packages=200)
    clearance.declaration_amend(
        declaration=declaration,
        actor=declarant,
        data=declaration_input(packages=450),
        reason="Packages miscounted",
    )
    assert BillDrawdown.objects.get(declaration=declaration).packages == 450


def test_the_arrival_notified_is_the_consignment_s_arrival(
    manifest: Voyage, declare: Any, carrier: Any
) -> None:
    """Declared before arrival: the notice writes `cargo.arrived` at the carrier's time; declared
    after: registration writes it. Once per declaration either way."""
    from datetime import timedelta

    from django.utils import timezone

    from haiquan.eventlog import kinds
    from haiquan.eventlog.models import Event
    from haiquan.manifests.services import voyage_arrival_record

    early = declare(packages=100, invoice_number="INV-1")
    assert not Event.objects.filter(kind=kinds.CARGO_ARRIVED.code).exists()
    arrived = timezone.now() - timedelta(hours=3)
    voyage_arrival_record(actor=carrier, voyage=manifest, arrived_at=arrived)
    late = declare(packages=100, invoice_number="INV-2")
    events = Event.objects.filter(kind=kinds.CARGO_ARRIVED.code).order_by("declaration_id")
    assert [(e.declaration_id, e.occurred_at, e.data["bill_of_lading"]) for e in events] == [
        (early.pk, arrived, BILL),
        (late.pk, arrived, BILL),
    ]


def test_an_amendment_to_another_transport_mode_gives_the_bill_s_packages_back(
    manifest: Voyage, declare: Any, declarant: Any, declaration_input: Any
) -> None:
    """Declared by sea from bill COSU6123456780, then amended to road (a CMR note, never
    matched): the declaration no longer draws on the bill, whose 500 packages are free again
    for another declaration."""
    declaration = declare(packages=500)
    assert BillDrawdown.objects.get(declaration=declaration).packages == 500
    with pytest.raises(ValidationFailed):
        declare(packages=1, invoice_number="INV-2")  # the bill is drawn in full
    clearance.declaration_amend(
        declaration=declaration,
        actor=declarant,
        data=declaration_input(transport_mode="road", containers=()),
        reason="Carried by truck across Móng Cái, not by sea",
    )
    assert not BillDrawdown.objects.filter(declaration=declaration).exists()
    again = declare(packages=500, invoice_number="INV-3")
    assert BillDrawdown.objects.get(declaration=again).packages == 500
