"""Fee orders and the banks' confirmations of them move into payments' tables, beside the duty
orders: one path for everything a bank collects (issue #17).

Each `FeeOrder` becomes a `PaymentOrder` of purpose "eservice_fee" for its filing (`subject_id`),
with its reference, amount, state, author, times and bank; its sequence is its rank among the
filing's orders. Each `FeeConfirmation` becomes a `BankConfirmation` of that order, bytes' hash
and all. Bank transaction ids now share one namespace per bank with duty confirmations: if a
fee confirmation reuses the id of a duty confirmation of the same bank the migration stops,
names them and moves nothing (the old tables stay as they are until it runs). Re-runnable: an
order already moved (same reference) is not moved twice. Reversible.
"""

from collections import defaultdict

from django.db import migrations

PURPOSE = "eservice_fee"
BATCH = 1000


def _forward(apps, schema_editor):
    db = schema_editor.connection.alias
    FeeOrder = apps.get_model("eservices", "FeeOrder")
    FeeConfirmation = apps.get_model("eservices", "FeeConfirmation")
    PaymentOrder = apps.get_model("payments", "PaymentOrder")
    BankConfirmation = apps.get_model("payments", "BankConfirmation")

    clashes = [
        f"{bank_id}:{tx}"
        for bank_id, tx in FeeConfirmation.objects.using(db).values_list(
            "bank_id", "bank_transaction_id"
        )
        if BankConfirmation.objects.using(db)
        .filter(bank_id=bank_id, bank_transaction_id=tx)
        .exclude(order__purpose=PURPOSE)
        .exists()
    ]
    if clashes:
        raise RuntimeError(
            "Fee confirmations reuse the bank transaction ids of duty confirmations "
            f"(bank id:transaction id): {', '.join(clashes[:20])}. Nothing was moved; "
            "resolve them with the banks before migrating."
        )
    moved = set(
        PaymentOrder.objects.using(db).filter(purpose=PURPOSE).values_list("reference", flat=True)
    )
    sequence: dict[int, int] = defaultdict(int)
    batch = []
    for fee in FeeOrder.objects.using(db).order_by("filing_id", "id").iterator():
        sequence[fee.filing_id] += 1
        if fee.reference in moved:
            continue
        batch.append(
            PaymentOrder(
                reference=fee.reference,
                purpose=PURPOSE,
                declaration_id=None,
                subject_id=fee.filing_id,
                sequence=sequence[fee.filing_id],
                amount_vnd=fee.amount_vnd,
                status=fee.status,
                created_by_id=fee.created_by_id,
                created_at=fee.created_at,
                paid_at=fee.paid_at,
                bank_id=fee.bank_id,
            )
        )
        if len(batch) >= BATCH:
            PaymentOrder.objects.using(db).bulk_create(batch)
            batch = []
    PaymentOrder.objects.using(db).bulk_create(batch)

    order_of = dict(
        PaymentOrder.objects.using(db).filter(purpose=PURPOSE).values_list("reference", "id")
    )
    kept = set(
        BankConfirmation.objects.using(db)
        .filter(order__purpose=PURPOSE)
        .values_list("order__reference", flat=True)
    )
    batch = []
    for c in FeeConfirmation.objects.using(db).select_related("order").order_by("id").iterator():
        if c.order.reference in kept:
            continue
        batch.append(
            BankConfirmation(
                bank_id=c.bank_id,
                bank_transaction_id=c.bank_transaction_id,
                order_id=order_of[c.order.reference],
                amount_vnd=c.amount_vnd,
                paid_at=c.paid_at,
                received_at=c.received_at,
                body_hash=c.body_hash,
            )
        )
        if len(batch) >= BATCH:
            BankConfirmation.objects.using(db).bulk_create(batch)
            batch = []
    BankConfirmation.objects.using(db).bulk_create(batch)


def _backward(apps, schema_editor):
    db = schema_editor.connection.alias
    FeeOrder = apps.get_model("eservices", "FeeOrder")
    FeeConfirmation = apps.get_model("eservices", "FeeConfirmation")
    PaymentOrder = apps.get_model("payments", "PaymentOrder")
    BankConfirmation = apps.get_model("payments", "BankConfirmation")

    orders = PaymentOrder.objects.using(db).filter(purpose=PURPOSE)
    fee_of = {}
    for order in orders.order_by("id").iterator():
        fee_of[order.pk] = FeeOrder.objects.using(db).create(
            reference=order.reference,
            filing_id=order.subject_id,
            amount_vnd=order.amount_vnd,
            status=order.status,
            created_by_id=order.created_by_id,
            created_at=order.created_at,
            paid_at=order.paid_at,
            bank_id=order.bank_id,
        )
    confirmations = BankConfirmation.objects.using(db).filter(order__purpose=PURPOSE)
    for c in confirmations.order_by("id").iterator():
        FeeConfirmation.objects.using(db).create(
            bank_id=c.bank_id,
            bank_transaction_id=c.bank_transaction_id,
            order_id=fee_of[c.order_id].pk,
            amount_vnd=c.amount_vnd,
            paid_at=c.paid_at,
            received_at=c.received_at,
            body_hash=c.body_hash,
        )
    # Plain DELETEs: nothing else refers to a fee's order or confirmation (receipts are for
    # duties), and the collector trips over the historical models of a reversed state.
    moved = list(confirmations.values_list("pk", flat=True))
    BankConfirmation.objects.using(db).filter(pk__in=moved)._raw_delete(db)
    PaymentOrder.objects.using(db).filter(pk__in=list(fee_of))._raw_delete(db)


class Migration(migrations.Migration):
    dependencies = [
        ("eservices", "0001_catalogue_filings_rulings"),
        ("payments", "0002_order_purposes"),
    ]

    operations = [migrations.RunPython(_forward, _backward)]
