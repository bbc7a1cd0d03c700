"""The ASEAN Single Window: electronic certificates of origin (e-C/O, e.g. ATIGA Form D)
received from partner countries' endpoints, the check of each FTA claim against them, and the
quantities declarations draw on them.

A claim citing a C/O number found among the e-C/O records is granted only when the record
matches: issued by the origin country, for this importer, in the claimed agreement's form, not
expired, dated as declared, with a goods item of the same HS subheading (6 digits) in the
same unit and enough quantity left. Otherwise it is refused with the reason and the line pays
the fallback rate. A C/O number not found is a paper C/O: granted, with a document check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.clearance.choices import Status
from haiquan.clearance.hooks import (
    PreferenceClaim,
    PreferenceVerdict,
    written_declaration_is_new,
)
from haiquan.clearance.models import Declaration, DeclarationLine
from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.refdata.choices import Flow
from haiquan.refdata.models import Country
from haiquan.tariff.normalise import hs_code_normalise, unit_is_known, unit_normalise
from haiquan.tariff.selectors import agreement_list

from .choices import CertificateState
from .inputs import CertificateInput, quantity_text
from .models import Certificate, CertificateItem, CertificateUse, PartnerEndpoint
from .permissions import require_endpoint

# ---------------------------------------------------------------------------------------------
# Receiving e-C/O


def _clean(
    data: CertificateInput, endpoint_country: str
) -> tuple[Country, str, list[FieldProblem]]:
    errors: list[FieldProblem] = []
    ref = data.reference_number.strip()
    if not ref:
        errors.append(FieldProblem("ID", _("the reference number is required"), "required"))
    elif len(ref) > 35:
        errors.append(FieldProblem("ID", _("at most 35 characters")))
    country = Country.objects.filter(code=data.issuing_country.strip().upper()).first()
    if country is None:
        errors.append(FieldProblem("IssuingCountryCode", _("not an ISO 3166 alpha-2 country code")))
    elif country.code != endpoint_country:
        errors.append(
            FieldProblem(
                "IssuingCountryCode",
                _("this endpoint sends certificates issued by %(c)s only")
                % {"c": endpoint_country},
                "wrong-issuer",
            )
        )
    agreement = _agreement_checked(data, errors)
    if data.importation_country.strip().upper() != "VN":
        errors.append(
            FieldProblem("ImportationCountryCode", _("this single window receives C/O for VN only"))
        )
    mst = data.importer_mst.strip()
    if not mst or len(mst) > 14:
        errors.append(
            FieldProblem("Importer.ID", _("the importer's tax code (MST) is required"), "required")
        )
    if not data.exporter_name.strip():
        errors.append(
            FieldProblem("Exporter.Name", _("the exporter's name is required"), "required")
        )
    if data.expiry_date is not None and data.expiry_date < data.issue_date:
        errors.append(FieldProblem("ExpiryDate", _("is before the issue date")))
    _items_check(data, errors)
    if errors:
        raise ValidationFailed(errors)
    assert country is not None
    return country, agreement, errors


def _agreement_checked(data: CertificateInput, errors: list[FieldProblem]) -> str:
    """The agreement of the certificate: the one its form belongs to in the tariff."""
    form = data.form.strip().upper()
    agreements = {a.co_form.upper(): a.code for a in agreement_list()}
    agreement = data.agreement.strip().upper() or agreements.get(form, "")
    if not form:
        errors.append(
            FieldProblem("TypeCode", _("the form (e.g. D for ATIGA) is required"), "required")
        )
    elif agreements.get(form) is None:
        errors.append(
            FieldProblem(
                "TypeCode",
                _("form %(f)s is not a C/O form of an agreement in the tariff (%(known)s)")
                % {"f": form, "known": ", ".join(sorted(agreements))},
                "unknown-form",
            )
        )
    elif agreements[form] != agreement:
        errors.append(
            FieldProblem(
                "AgreementCode",
                _("form %(f)s belongs to %(a)s") % {"f": form, "a": agreements[form]},
            )
        )
    return agreement


def _items_check(data: CertificateInput, errors: list[FieldProblem]) -> None:
    """The goods items: numbered once each, HS code, quantity and unit, FOB value, origin
    criterion, description."""
    if not data.items:
        errors.append(FieldProblem("GoodsItem", _("at least one goods item"), "required"))
    seen: set[int] = set()
    for i, it in enumerate(data.items):
        at = f"GoodsItem[{i}]"
        if it.item_no in seen:
            errors.append(FieldProblem(f"{at}.SequenceNumeric", _("appears twice"), "duplicate"))
        seen.add(it.item_no)
        hs = hs_code_normalise(it.hs_code)
        if not (hs.isascii() and hs.isdigit() and 6 <= len(hs) <= 10):
            errors.append(
                FieldProblem(f"{at}.ClassificationID", _("an HS code of at least 6 digits"))
            )
        if not it.quantity.is_finite() or it.quantity <= 0 or it.quantity >= Decimal("1e15"):
            errors.append(FieldProblem(f"{at}.TariffQuantity", _("must be more than zero")))
        if not unit_is_known(unit_normalise(it.unit)):
            errors.append(
                FieldProblem(f"{at}.QuantityUnitCode", _("not a UN/ECE Rec. 20 unit code"))
            )
        if not it.fob_value.is_finite() or it.fob_value < 0 or it.fob_value >= Decimal("1e15"):
            errors.append(FieldProblem(f"{at}.FOBValueAmount", _("must be zero or more")))
        if not it.origin_criterion.strip():
            errors.append(
                FieldProblem(
                    f"{at}.OriginCriterionCode", _("the origin criterion is required"), "required"
                )
            )
        if not it.description.strip():
            errors.append(FieldProblem(f"{at}.Description", _("describe the goods"), "required"))


def certificate_receive(*, actor: User, data: CertificateInput) -> Certificate:
    """Record an e-C/O sent by a partner country's endpoint. The same certificate sent again is
    refused with 409 and changes nothing; a different one under a used reference too."""
    endpoint = require_endpoint(actor)
    country, agreement, _errors = _clean(data, endpoint.country_id)
    ref = data.reference_number.strip()
    prior = Certificate.objects.filter(issuing_country=country, reference_number=ref).first()
    if prior is not None:
        raise _replayed(prior, data)
    try:
        with transaction.atomic():
            cert = Certificate.objects.create(
                reference_number=ref,
                form=data.form.strip().upper(),
                agreement=agreement,
                issuing_country=country,
                issue_date=data.issue_date,
                expiry_date=data.expiry_date,
                exporter_name=data.exporter_name.strip(),
                exporter_id=data.exporter_id.strip(),
                importer_mst=data.importer_mst.strip(),
                importer_name=data.importer_name.strip(),
                endpoint=endpoint,
                digest=data.content_digest(),
                content=_content(data),
            )
            CertificateItem.objects.bulk_create(
                [
                    CertificateItem(
                        certificate=cert,
                        item_no=it.item_no,
                        hs_code=hs_code_normalise(it.hs_code),
                        description=it.description.strip(),
                        origin_criterion=it.origin_criterion.strip().upper(),
                        quantity=it.quantity,
                        unit=unit_normalise(it.unit),
                        fob_value=it.fob_value,
                        fob_currency=it.fob_currency.strip().upper() or "USD",
                    )
                    for it in data.items
                ]
            )
            kinds.SINGLEWINDOW_ECO_RECEIVED.record(
                subject_type="sw_certificate",
                subject_id=cert.pk,
                party=Party.AGENCY,
                actor=actor,
                data={
                    "reference": ref,
                    "form": cert.form,
                    "issuing_country": country.code,
                    "importer": cert.importer_mst,
                    "items": len(data.items),
                },
            )
    except IntegrityError:
        prior = Certificate.objects.filter(issuing_country=country, reference_number=ref).first()
        if prior is None:
            raise
        raise _replayed(prior, data) from None
    return cert


def _content(data: CertificateInput) -> dict[str, Any]:
    return asdict(data)


def _replayed(prior: Certificate, data: CertificateInput) -> Conflict:
    if prior.digest == data.content_digest():
        return Conflict(
            _("e-C/O %(r)s from %(c)s was already received at %(t)s; this replay changed nothing.")
            % {
                "r": prior.reference_number,
                "c": prior.issuing_country_id,
                "t": prior.received_at.isoformat(timespec="seconds"),
            },
            code="replayed-message",
        )
    return Conflict(
        _("e-C/O %(r)s from %(c)s was already received with different content; nothing changed.")
        % {"r": prior.reference_number, "c": prior.issuing_country_id},
        code="reference-reused",
    )


# ---------------------------------------------------------------------------------------------
# Checking a claim (the preference verifier)


def _used(item: CertificateItem, *, excluding_declaration: int | None) -> Decimal:
    qs = CertificateUse.objects.filter(item=item).exclude(declaration__status=Status.CANCELLED)
    if excluding_declaration is not None:
        qs = qs.exclude(declaration_id=excluding_declaration)
    return qs.aggregate(s=Sum("quantity"))["s"] or Decimal(0)


def item_remaining(item: CertificateItem) -> Decimal:
    return item.quantity - _used(item, excluding_declaration=None)


def certificate_expiry(cert: Certificate, validity_days: int) -> date:
    return cert.expiry_date or cert.issue_date + timedelta(days=validity_days)


@dataclass(frozen=True)
class ClaimCheck:
    """What the e-C/O records say of a claim: refused (with why), granted (with the item), or
    no record (a paper certificate)."""

    certificate: Certificate | None
    item: CertificateItem | None = None
    refused: str = ""
    remaining: Decimal | None = None


def _find(co_number: str) -> list[Certificate]:
    return list(
        Certificate.objects.filter(reference_number__iexact=co_number.strip())
        .select_related("issuing_country")
        .prefetch_related("items")
    )


def claim_check(claim: PreferenceClaim, *, lock: bool = False) -> ClaimCheck:
    """Check an FTA claim against the e-C/O records (the one place for this rule)."""
    certs = _find(claim.co_number)
    if not certs:
        return ClaimCheck(certificate=None)
    # Several countries may use the same number: the origin's one is the one that counts.
    cert = next((c for c in certs if c.issuing_country_id == claim.origin), certs[0])
    refused = _certificate_refusal(cert, claim)
    if refused:
        return ClaimCheck(cert, refused=refused)
    p = {"ref": cert.reference_number, "form": cert.form}
    hs6 = claim.hs_code[:6]
    items = [it for it in cert.items.all() if it.hs_code[:6] == hs6]
    if not items:
        covered = ", ".join(sorted({it.hs_code[:6] for it in cert.items.all()}))
        return ClaimCheck(
            cert,
            refused=_("e-C/O %(ref)s covers HS subheadings %(covered)s, not %(hs6)s of the line.")
            % {**p, "covered": covered, "hs6": hs6},
        )
    same_unit = [it for it in items if it.unit == claim.unit]
    if not same_unit:
        return ClaimCheck(
            cert,
            refused=_("e-C/O %(ref)s states the quantity in %(u)s, the line in %(lu)s.")
            % {**p, "u": items[0].unit, "lu": claim.unit},
        )
    return _item_drawn(cert, same_unit, claim, lock=lock)


def _certificate_refusal(cert: Certificate, claim: PreferenceClaim) -> str:
    """Why the certificate as a whole does not support the claim ('' when it does): cancelled,
    another agreement, issuing country or importer, expired, or dated otherwise."""
    p = {"ref": cert.reference_number, "form": cert.form}
    if cert.state != CertificateState.VALID:
        return _("e-C/O %(ref)s was cancelled by its issuing authority.") % p
    agreement = agreement_list().filter(code=claim.preference).first()
    if cert.agreement != claim.preference:
        return _("e-C/O %(ref)s is a form %(form)s for %(a)s, not for %(claim)s.") % {
            **p,
            "a": cert.agreement,
            "claim": claim.preference,
        }
    if cert.issuing_country_id != claim.origin:
        return _(
            "e-C/O %(ref)s was issued by %(c)s; the goods are declared as originating in %(o)s."
        ) % {**p, "c": cert.issuing_country_id, "o": claim.origin}
    if cert.importer_mst != claim.enterprise_mst:
        return _("e-C/O %(ref)s names importer %(i)s, not %(mst)s.") % {
            **p,
            "i": cert.importer_mst,
            "mst": claim.enterprise_mst,
        }
    validity = agreement.co_validity_days if agreement else 365
    expiry = certificate_expiry(cert, validity)
    if claim.on_day > expiry:
        return _("e-C/O %(ref)s issued on %(issued)s expired on %(expiry)s.") % {
            **p,
            "issued": cert.issue_date,
            "expiry": expiry,
        }
    if claim.co_date is not None and claim.co_date != cert.issue_date:
        return _("the C/O date declared (%(d)s) is not the e-C/O's issue date (%(issued)s).") % {
            **p,
            "d": claim.co_date,
            "issued": cert.issue_date,
        }
    return ""


def _item_drawn(
    cert: Certificate, items: list[CertificateItem], claim: PreferenceClaim, *, lock: bool
) -> ClaimCheck:
    """The first item with enough quantity left for the claim (locked with `lock`); refused
    with the item that has most left when none has enough."""
    best: tuple[CertificateItem, Decimal] | None = None
    for it in items:
        if lock:
            CertificateItem.objects.select_for_update().filter(pk=it.pk).first()
        left = it.quantity - _used(it, excluding_declaration=claim.declaration_id)
        if left >= claim.quantity:
            return ClaimCheck(cert, item=it, remaining=left - claim.quantity)
        if best is None or left > best[1]:
            best = (it, left)
    assert best is not None
    return ClaimCheck(
        cert,
        refused=_(
            "e-C/O %(ref)s item %(item)d has %(left)s %(u)s left, less than the %(q)s declared."
        )
        % {
            "ref": cert.reference_number,
            "item": best[0].item_no,
            "left": quantity_text(max(best[1], Decimal(0))),
            "u": best[0].unit,
            "q": quantity_text(claim.quantity),
        },
    )


def _exchanged(country: str, agreement: str) -> bool:
    """Whether `country` sends C/O under `agreement` through the ASEAN Single Window."""
    return any(
        agreement in (e.agreements or [])
        for e in PartnerEndpoint.objects.filter(country_id=country, active=True)
    )


def preference_verify(claim: PreferenceClaim) -> PreferenceVerdict | None:
    """clearance's preference verifier: grant, refuse, or ask for a document check."""
    if claim.flow != Flow.IMPORT or not claim.co_number.strip():
        return None
    check = claim_check(claim)
    if check.certificate is None:
        if not _exchanged(claim.origin, claim.preference):
            return None  # no e-C/O channel for it: the tariff's own checks stand alone
        return PreferenceVerdict(
            document_check=_(
                "Line %(line)d: C/O %(co)s is not among the e-C/O received through the ASEAN "
                "Single Window; check the paper certificate."
            )
            % {"line": claim.line_no, "co": claim.co_number}
        )
    if check.refused:
        return PreferenceVerdict(refused=check.refused)
    assert check.item is not None and check.remaining is not None
    return PreferenceVerdict(
        note=_(
            "Verified against e-C/O %(ref)s from %(c)s (item %(item)d, origin criterion %(oc)s); "
            "%(left)s %(u)s remain on it after this line."
        )
        % {
            "ref": check.certificate.reference_number,
            "c": check.certificate.issuing_country_id,
            "item": check.item.item_no,
            "oc": check.item.origin_criterion,
            "left": quantity_text(check.remaining),
            "u": check.item.unit,
        }
    )


# ---------------------------------------------------------------------------------------------
# Drawing down (the written observer)


def declaration_uses_sync(*, declaration: Declaration) -> list[CertificateUse]:
    """Record what each granted line drew on its e-C/O item, replacing the declaration's
    earlier uses (amendment). Runs inside the registration's transaction; a certificate used
    up meanwhile by another declaration rolls it back (409)."""
    if not written_declaration_is_new(declaration):  # a new one has drawn nothing yet
        CertificateUse.objects.filter(declaration=declaration).delete()
    if declaration.flow != Flow.IMPORT:
        return []
    uses: list[CertificateUse] = []
    on_day = timezone.localdate(declaration.registered_at or timezone.now())
    written = getattr(declaration, "_prefetched_objects_cache", {}).get("lines")
    if written is not None:  # the lines clearance just wrote (no need to read them back)
        lines = [
            ln
            for ln in written
            if ln.import_rate_kind.startswith("preferential") and ln.co_number != ""
        ]
    else:
        lines = list(
            DeclarationLine.objects.filter(
                declaration=declaration, import_rate_kind__startswith="preferential"
            )
            .exclude(co_number="")
            .order_by("line_no")
        )
    for ln in lines:
        claim = PreferenceClaim(
            enterprise_mst=declaration.enterprise.mst,
            flow=declaration.flow,
            on_day=on_day,
            line_no=ln.line_no,
            hs_code=ln.hs_code,
            origin=ln.origin_id,
            quantity=ln.quantity,
            unit=ln.unit,
            preference=ln.preference,
            co_number=ln.co_number,
            co_date=ln.co_date,
            declaration_id=declaration.pk,
        )
        check = claim_check(claim, lock=True)
        if check.certificate is None:
            continue  # a paper certificate: nothing to draw on
        if check.refused or check.item is None:
            raise Conflict(
                _("Line %(line)d: %(why)s") % {"line": ln.line_no, "why": check.refused},
                code="eco-exhausted",
            )
        uses.append(
            CertificateUse.objects.create(
                item=check.item,
                declaration=declaration,
                line_no=ln.line_no,
                quantity=ln.quantity,
            )
        )
    return uses
