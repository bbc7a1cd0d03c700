"""Migrating: the fee orders and confirmations of eservices' own tables move into payments'
(eservices 0002), and back when the migration is reversed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.eservices.models import Filing, Procedure
from haiquan.payments.services import bank_create
from haiquan.refdata.tests.factories import EnterpriseFactory, OfficeFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("eservices", "0001_catalogue_filings_rulings"),
    ("payments", "0001_payments_banks_orders_guarantees_receipts"),
]
AFTER = [("eservices", "0003_fee_orders_moved"), ("payments", "0002_order_purposes")]


def _latest() -> list[tuple[str, str]]:
    """Every app's last migration: where each test leaves the database (later migrations of
    these apps, e.g. outage's column on filings, must be there for the next test's rows)."""
    leaves: list[tuple[str, str]] = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return leaves


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _filing(n: int, office: Any, user: Any, procedure: Procedure) -> Filing:
    return Filing.objects.create(
        reference=f"DVC2026{n:06d}",
        procedure=procedure,
        enterprise=EnterpriseFactory.create(),
        office=office,
        filed_by=user,
        status="submitted",
        fee_vnd=Decimal(200000),
        time_limit_days=5,
    )


def test_fee_orders_move_into_payments_and_back() -> None:
    office = OfficeFactory.create(code="MIG1")
    user = user_create(username="mig.admin", password=None, role="admin")
    bank, _secret = bank_create(code="MIGB", name="Migration bank")
    procedure = Procedure.objects.create(
        code="mig", name_vi="Thủ tục", name_en="Procedure", level=4, time_limit_days=5,
        office=office, fee_vnd=Decimal(200000),
    )  # fmt: skip
    paid, open_ = _filing(1, office, user, procedure), _filing(2, office, user, procedure)
    at = timezone.now() - timedelta(days=3)
    try:
        old = _migrate(BEFORE)
        FeeOrder = old.get_model("eservices", "FeeOrder")
        FeeConfirmation = old.get_model("eservices", "FeeConfirmation")
        common = {"amount_vnd": Decimal(200000), "created_by_id": user.pk, "created_at": at}
        first = FeeOrder.objects.create(
            reference="LP202600000101", filing_id=paid.pk, status="cancelled", **common
        )
        second = FeeOrder.objects.create(
            reference="LP202600000102", filing_id=paid.pk, status="paid", paid_at=at,
            bank_id=bank.pk, **common,
        )  # fmt: skip
        FeeOrder.objects.create(
            reference="LP202600000201", filing_id=open_.pk, status="open", **common
        )
        FeeConfirmation.objects.create(
            bank_id=bank.pk, bank_transaction_id="FT-OLD-1", order_id=second.pk,
            amount_vnd=Decimal(200000), paid_at=at, received_at=at, body_hash="a" * 64,
        )  # fmt: skip
        assert first.pk != second.pk

        new = _migrate(AFTER)
        PaymentOrder = new.get_model("payments", "PaymentOrder")
        BankConfirmation = new.get_model("payments", "BankConfirmation")
        moved = {
            o.reference: (o.purpose, o.subject_id, o.declaration_id, o.sequence, o.status)
            for o in PaymentOrder.objects.all()
        }
        assert moved == {
            "LP202600000101": ("eservice_fee", paid.pk, None, 1, "cancelled"),
            "LP202600000102": ("eservice_fee", paid.pk, None, 2, "paid"),
            "LP202600000201": ("eservice_fee", open_.pk, None, 1, "open"),
        }
        confirmation = BankConfirmation.objects.get()
        assert confirmation.order.reference == "LP202600000102"
        assert (confirmation.bank_id, confirmation.bank_transaction_id) == (bank.pk, "FT-OLD-1")
        assert confirmation.paid_at == at and confirmation.body_hash == "a" * 64
        order = PaymentOrder.objects.get(reference="LP202600000102")
        assert order.bank_id == bank.pk and order.paid_at == at and order.created_by_id == user.pk

        back = _migrate(BEFORE)
        assert set(
            back.get_model("eservices", "FeeOrder").objects.values_list("reference", "status")
        ) == {
            ("LP202600000101", "cancelled"),
            ("LP202600000102", "paid"),
            ("LP202600000201", "open"),
        }
        kept = back.get_model("eservices", "FeeConfirmation").objects.get()
        assert kept.order.reference == "LP202600000102" and kept.bank_transaction_id == "FT-OLD-1"
        assert not back.get_model("payments", "PaymentOrder").objects.exists()
    finally:
        _migrate(_latest())


def test_a_fee_confirmation_reusing_a_duty_transaction_id_stops_the_move(
    refdata_reloaded: Any,
) -> None:
    """Bank transaction ids become one namespace per bank: a clash is named and nothing moves."""
    from haiquan.payments.tests.factories import declaration_make

    office = OfficeFactory.create(code="MIG2")
    user = user_create(username="mig.admin2", password=None, role="admin")
    bank, _secret = bank_create(code="MIGC", name="Migration bank")
    procedure = Procedure.objects.create(
        code="mig2", name_vi="Thủ tục", name_en="Procedure", level=4, time_limit_days=5,
        office=office, fee_vnd=Decimal(200000),
    )  # fmt: skip
    filing = _filing(3, office, user, procedure)
    declaration = declaration_make()
    at = timezone.now()
    try:
        old = _migrate(BEFORE)
        money = {"amount_vnd": Decimal(200000), "paid_at": at, "received_at": at}
        duty = old.get_model("payments", "PaymentOrder").objects.create(
            reference="TT000000000001", declaration_id=declaration.pk, sequence=1,
            amount_vnd=Decimal(200000), status="paid", created_by_id=user.pk, bank_id=bank.pk,
        )  # fmt: skip
        old.get_model("payments", "BankConfirmation").objects.create(
            bank_id=bank.pk, bank_transaction_id="FT-SAME", order_id=duty.pk,
            body_hash="d" * 64, **money,
        )  # fmt: skip
        fee = old.get_model("eservices", "FeeOrder").objects.create(
            reference="LP202600000301", filing_id=filing.pk, amount_vnd=Decimal(200000),
            status="paid", created_by_id=user.pk, bank_id=bank.pk,
        )  # fmt: skip
        FeeConfirmation = old.get_model("eservices", "FeeConfirmation")
        FeeConfirmation.objects.create(
            bank_id=bank.pk, bank_transaction_id="FT-SAME", order_id=fee.pk,
            body_hash="f" * 64, **money,
        )  # fmt: skip
        with pytest.raises(RuntimeError, match=f"{bank.pk}:FT-SAME"):
            _migrate(AFTER)
        state = _migrate([BEFORE[0], AFTER[1]])  # where the refused migration left it
        assert state.get_model("eservices", "FeeConfirmation").objects.count() == 1
        assert state.get_model("eservices", "FeeOrder").objects.get().status == "paid"
        assert (
            not state.get_model("payments", "PaymentOrder")
            .objects.filter(purpose="eservice_fee")
            .exists()
        )
    finally:
        with connection.cursor() as cursor:  # the clash resolved, whatever failed above
            if "eservices_feeconfirmation" in connection.introspection.table_names(cursor):
                cursor.execute("DELETE FROM eservices_feeconfirmation")
        _migrate(_latest())
