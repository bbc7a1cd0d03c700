"""The online-public-services side of the test world (haiquan/core/tests/world.py), for the
authorisation matrix: `eservices_world_build(world)` after `build_world()`.

- "own": Hoàng Long's filings, made by its broker Tân Phát, handled at Móng Cái (20BD: the
  world's officer, under the leader's department 20);
- "other": Minh Anh's filings, made by its own declarant, handled at Sóng Thần (43IH), outside
  every scope but the analyst's and the administrator's.

Each party has a filing of the matrix's own level-4 procedure (`w-permit`: fee 100,000 VND,
the filer chooses the office) in every state the API acts on, a document on its draft, a
signed fee confirmation message to send, and an advance ruling on HS classification issued by
an officer of the General Department (00).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from haiquan.accounts.services import user_create
from haiquan.core.tests.world import bank_message
from haiquan.eservices import services
from haiquan.eservices.catalogue import catalogue_load
from haiquan.eservices.choices import FEE_PURPOSE
from haiquan.eservices.models import AdvanceRuling, Filing, FilingDocument, Procedure
from haiquan.payments.models import PaymentOrder
from haiquan.payments.services import confirmation_receive
from haiquan.refdata.models import Office

FILING_STATES = ("draft", "awaiting_fee", "submitted", "in_review", "info_requested", "approved")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class EServicesParty:
    filings: dict[str, Filing] = field(default_factory=dict)
    document: FilingDocument | None = None  # on the draft
    fee_order: PaymentOrder | None = None  # the open order of the awaiting_fee filing
    ruling: AdvanceRuling | None = None


def _procedure() -> Procedure:
    procedure, _created = Procedure.objects.update_or_create(
        code="w-permit",
        defaults={
            "name_vi": "Thủ tục thử nghiệm",
            "name_en": "Matrix procedure",
            "level": 4,
            "fee_vnd": Decimal(100000),
            "time_limit_days": 5,
            "office": Office.objects.get(code="00"),
            "office_pick": True,
            "form": {
                "fields": [{"name": "subject", "type": "text", "required": True}],
                "attachments": [
                    {
                        "name": "letter",
                        "required": True,
                        "types": ["application/pdf"],
                        "max_bytes": 100000,
                    }
                ],
            },
        },
    )
    return procedure


def fee_body(order: PaymentOrder, transaction_id: str) -> dict[str, Any]:
    """What a bank confirms of `order` (signed with `bank_message`)."""
    return {
        "order_reference": order.reference,
        "bank_transaction_id": transaction_id,
        "amount_vnd": int(order.amount_vnd),
        "paid_at": timezone.now().isoformat(),
    }


def fee_message(secret: str, order: PaymentOrder, transaction_id: str) -> dict[str, Any]:
    """Raw body, timestamp and signature of a bank's confirmation of `order`."""
    return bank_message(secret, fee_body(order, transaction_id))


def eservices_world_build(world: Any) -> dict[str, EServicesParty]:
    """Create both parties' filings in the current transaction (the caller rolls it back)."""
    catalogue_load()
    procedure = _procedure()
    ruler = user_create(username="w.tongcuc", password=None, role="officer", office_codes=["00"])
    out: dict[str, EServicesParty] = {}
    for scope, actor, officer in (
        ("own", world.users["broker"], world.users["officer"]),
        ("other", world.users["other_declarant"], None),
    ):
        party = world.party(scope)
        handler = officer or user_create(
            username=f"w.officer.{party.office_code.lower()}",
            password=None,
            role="officer",
            office_codes=[party.office_code],
        )
        mst = party.enterprise.mst
        p = EServicesParty()
        for state in FILING_STATES:
            filing = services.filing_create(
                actor=actor,
                procedure=procedure,
                enterprise_mst=mst,
                office_code=party.office_code,
                data={"subject": f"Hồ sơ thử nghiệm số {FILING_STATES.index(state) + 1}"},
            )
            doc = services.document_upload(
                actor=actor, filing=filing, slot="letter", file=ContentFile(PDF, name="l.pdf")
            )
            if state == "draft":
                p.document = doc
            else:
                filing = services.filing_submit(actor=actor, filing=filing)
                order = services.fee_order_create(actor=actor, filing=filing)
                if state == "awaiting_fee":
                    p.fee_order = order
                else:
                    msg = fee_message(world.bank_secret, order, f"W-FEE-{scope}-{state}")
                    confirmation_receive(
                        purpose=FEE_PURPOSE,
                        bank_code=world.bank.code,
                        timestamp=msg["timestamp"],
                        signature=msg["signature"],
                        raw_body=msg["raw"],
                    )
                if state in ("in_review", "info_requested", "approved"):
                    services.filing_receive(actor=handler, filing=filing)
                if state == "info_requested":
                    services.filing_info_request(actor=handler, filing=filing, text="Thêm?")
                if state == "approved":
                    services.filing_decide(
                        actor=handler, filing=filing, outcome="approved", text="Đồng ý."
                    )
            filing.refresh_from_db()
            assert filing.status == state, (scope, state, filing.status)
            p.filings[state] = filing
        hs = services.filing_create(
            actor=actor,
            procedure=Procedure.objects.get(code="hs-ruling"),
            enterprise_mst=mst,
            data={
                "goods_name": "Máy tính xách tay",
                "goods_description": "14 inch",
                "proposed_hs_code": "84713020",
            },
        )
        for slot in ("request_form", "technical_documents"):
            services.document_upload(
                actor=actor, filing=hs, slot=slot, file=ContentFile(PDF, name="d.pdf")
            )
        hs = services.filing_submit(actor=actor, filing=hs)
        services.filing_receive(actor=ruler, filing=hs)
        services.filing_decide(actor=ruler, filing=hs, outcome="approved", text="8471.30.20")
        p.ruling = AdvanceRuling.objects.get(filing=hs)
        out[scope] = p
    return out
