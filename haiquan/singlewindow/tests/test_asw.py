"""ASEAN Single Window: an FTA claim checked against the e-C/O partner countries sent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from haiquan.accounts.models import User
from haiquan.clearance import services as clearance
from haiquan.clearance.inputs import LineInput
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.clearance.tests.conftest import declaration_input, line
from haiquan.core.problems import Conflict, Forbidden, ValidationFailed
from haiquan.refdata.models import Enterprise
from haiquan.risk.choices import Lane
from haiquan.singlewindow import asw
from haiquan.singlewindow.inputs import CertificateInput, CertificateItemInput
from haiquan.singlewindow.models import Certificate, CertificateUse, PartnerEndpoint

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ISSUED = TODAY - timedelta(days=10)


def eco(mst: str, **kw: Any) -> CertificateInput:
    """ATIGA Form D from Thailand for 10,000 kg of dragon fruit (HS 0810.90)."""
    items = kw.pop(
        "items",
        (
            CertificateItemInput(
                item_no=1,
                hs_code="081090",
                description="Fresh dragon fruit",
                origin_criterion="WO",
                quantity=Decimal("10000"),
                unit="KGM",
                fob_value=Decimal("7200"),
            ),
        ),
    )
    base = {
        "reference_number": "TH2026-D-000123",
        "form": "D",
        "issuing_country": "TH",
        "issue_date": ISSUED,
        "exporter_name": "Chanthaburi Fruit Export Co., Ltd.",
        "importer_mst": mst,
        "items": items,
    }
    base.update(kw)
    return CertificateInput(**base)


def claim_line(quantity: str = "10000", **kw: Any) -> LineInput:
    q = Decimal(quantity)
    base = {
        "origin": "TH",
        "preference": "ATIGA",
        "co_number": "TH2026-D-000123",
        "co_date": ISSUED,
        "quantity": q,
        "value": (q * Decimal("0.8")).quantize(Decimal("0.01")),
    }
    base.update(kw)
    return line(**base)


def register(actor: User, mst: str, **kw: Any) -> Declaration:
    return clearance.declaration_register(
        actor=actor,
        data=declaration_input(
            mst, lines=(claim_line(**kw),), partner_country="TH", partner_name="Chanthaburi"
        ),
    )


def first_line(decl: Declaration) -> DeclarationLine:
    return decl.lines.get(line_no=1)


class TestClaims:
    def test_a_matching_eco_gives_the_atiga_rate(
        self, rates: None, declarant: User, hoanglong: Enterprise, thai_endpoint: PartnerEndpoint
    ) -> None:
        asw.certificate_receive(actor=thai_endpoint.user, data=eco(hoanglong.mst))
        decl = register(declarant, hoanglong.mst)
        ln = first_line(decl)
        assert ln.import_rate_kind == "preferential:ATIGA" and ln.import_rate == 0
        assert any("Verified against e-C/O TH2026-D-000123 from TH" in n for n in ln.duty_notes)
        use = CertificateUse.objects.get(declaration=decl)
        assert use.quantity == Decimal("10000") and use.line_no == 1

    def test_a_wrong_hs_code_pays_mfn_and_says_why(
        self, rates: None, declarant: User, hoanglong: Enterprise, thai_endpoint: PartnerEndpoint
    ) -> None:
        items = (
            CertificateItemInput(
                item_no=1,
                hs_code="080450",
                description="Mangoes",
                origin_criterion="WO",
                quantity=Decimal("10000"),
                unit="KGM",
                fob_value=Decimal("9000"),
            ),
        )
        asw.certificate_receive(actor=thai_endpoint.user, data=eco(hoanglong.mst, items=items))
        ln = first_line(register(declarant, hoanglong.mst))
        assert ln.import_rate_kind == "mfn" and ln.import_rate == 25
        assert any(
            "e-C/O TH2026-D-000123 covers HS subheadings 080450, not 081090 of the line." in n
            for n in ln.duty_notes
        )
        assert not CertificateUse.objects.exists()

    def test_an_expired_eco_pays_mfn_and_says_why(
        self, rates: None, declarant: User, hoanglong: Enterprise, thai_endpoint: PartnerEndpoint
    ) -> None:
        old = TODAY - timedelta(days=400)
        asw.certificate_receive(actor=thai_endpoint.user, data=eco(hoanglong.mst, issue_date=old))
        # The declarant states a recent date; the e-C/O says when it was really issued.
        ln = first_line(register(declarant, hoanglong.mst))
        assert ln.import_rate_kind == "mfn"
        expiry = old + timedelta(days=365)
        assert any(
            f"e-C/O TH2026-D-000123 issued on {old} expired on {expiry}." in n
            for n in ln.duty_notes
        )

    def test_quantities_are_drawn_down_and_an_exhausted_eco_is_refused(
        self, rates: None, declarant: User, hoanglong: Enterprise, thai_endpoint: PartnerEndpoint
    ) -> None:
        asw.certificate_receive(actor=thai_endpoint.user, data=eco(hoanglong.mst))
        first = first_line(register(declarant, hoanglong.mst, quantity="6000"))
        second = first_line(register(declarant, hoanglong.mst, quantity="6000"))
        assert first.import_rate_kind == "preferential:ATIGA"
        assert second.import_rate_kind == "mfn"
        assert any(
            "item 1 has 4000 KGM left, less than the 6000 declared" in n for n in second.duty_notes
        )
        item = Certificate.objects.get().items.get()
        assert asw.item_remaining(item) == Decimal("4000")

    def test_an_amendment_does_not_count_its_own_earlier_draw(
        self, rates: None, declarant: User, hoanglong: Enterprise, thai_endpoint: PartnerEndpoint
    ) -> None:
        asw.certificate_receive(actor=thai_endpoint.user, data=eco(hoanglong.mst))
        decl = register(declarant, hoanglong.mst, quantity="8000")
        data = declaration_input(
            hoanglong.mst,
            lines=(claim_line(quantity="9000"),),
            partner_country="TH",
            partner_name="Chanthaburi",
        )
        decl = clearance.declaration_amend(
            actor=declarant, declaration=decl, data=data, reason="thêm 1 tấn"
        )
        assert first_line(decl).import_rate_kind == "preferential:ATIGA"
        assert CertificateUse.objects.get(declaration=decl).quantity == Decimal("9000")

    def test_a_paper_co_is_granted_but_checked(
        self, rates: None, declarant: User, hoanglong: Enterprise, thai_endpoint: PartnerEndpoint
    ) -> None:
        decl = register(declarant, hoanglong.mst, co_number="VN-PAPER-778")
        assert first_line(decl).import_rate_kind == "preferential:ATIGA"
        assert decl.lane in (Lane.YELLOW, Lane.RED)
        assert any(
            r["code"] == "CO-PAPER" and "VN-PAPER-778" in r["text"] for r in decl.lane_reasons
        )

    def test_another_importers_eco_is_refused(
        self,
        rates: None,
        declarant: User,
        hoanglong: Enterprise,
        other_enterprise: Enterprise,
        thai_endpoint: PartnerEndpoint,
    ) -> None:
        asw.certificate_receive(actor=thai_endpoint.user, data=eco(other_enterprise.mst))
        ln = first_line(register(declarant, hoanglong.mst))
        assert ln.import_rate_kind == "mfn"
        assert any(f"names importer {other_enterprise.mst}" in n for n in ln.duty_notes)


class TestReceiving:
    def test_a_replay_is_refused_and_changes_nothing(
        self, hoanglong: Enterprise, thai_endpoint: PartnerEndpoint
    ) -> None:
        asw.certificate_receive(actor=thai_endpoint.user, data=eco(hoanglong.mst))
        with pytest.raises(Conflict) as exc:
            asw.certificate_receive(actor=thai_endpoint.user, data=eco(hoanglong.mst))
        assert exc.value.code == "replayed-message"
        with pytest.raises(Conflict) as exc:
            asw.certificate_receive(
                actor=thai_endpoint.user, data=eco(hoanglong.mst, exporter_name="Other")
            )
        assert exc.value.code == "reference-reused"
        assert Certificate.objects.count() == 1

    def test_an_endpoint_sends_its_own_countrys_certificates_only(
        self, hoanglong: Enterprise, thai_endpoint: PartnerEndpoint
    ) -> None:
        with pytest.raises(ValidationFailed) as exc:
            asw.certificate_receive(
                actor=thai_endpoint.user, data=eco(hoanglong.mst, issuing_country="MY")
            )
        assert [e.field for e in exc.value.errors] == ["IssuingCountryCode"]

    def test_only_endpoints_send(self, declarant: User, hoanglong: Enterprise) -> None:
        with pytest.raises(Forbidden):
            asw.certificate_receive(actor=declarant, data=eco(hoanglong.mst))
