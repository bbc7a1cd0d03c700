"""Writes for online public services (dịch vụ công trực tuyến mức độ 3, 4).

An enterprise files an application (hồ sơ) for a procedure of the catalogue: it fills the
procedure's form, attaches the documents the form asks for and submits; for a level-4 procedure
with a fee it pays the fee at a partner bank, whose signed confirmation takes the same path as
duties (`payments.services.confirmation_receive`, settled by `fees.FeeSettler`) and completes
the filing. Officers of the handling office receive it
(tiếp nhận), may ask for more information (the time limit stops until the enterprise answers)
and decide; an approved advance ruling (xác định trước) becomes an `AdvanceRuling` that
declarations cite. Every step is one transaction with its event in the event log.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.audit.choices import Part
from haiquan.audit.services import access_record
from haiquan.core.problems import (
    Conflict,
    FieldProblem,
    Forbidden,
    NotFound,
    ValidationFailed,
    invalid,
)
from haiquan.core.uploads import discard_on_commit, discard_on_error, upload_store
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.kinds import EventKind
from haiquan.outage.deadlines import DayCount, deadline_extended
from haiquan.outage.hooks import OutageEnded
from haiquan.payments.models import PaymentOrder
from haiquan.payments.services import payment_order_issue
from haiquan.refdata.models import Country, Office
from haiquan.tariff.selectors import hs_line_get

from .catalogue import MAX_LONG_TEXT, form_data_clean, form_spec
from .choices import (
    FEE_PURPOSE,
    OPEN_STATUSES,
    DocumentStage,
    FilingStatus,
    MessageKind,
    Outcome,
    ResultKind,
)
from .models import (
    AdvanceRuling,
    Filing,
    FilingDocument,
    FilingMessage,
    Procedure,
    Sequence,
)
from .permissions import enterprises_user_may_file_for, require_filer, require_officer
from .selectors import SUBJECT, holidays
from .workdays import working_day_add, working_days_between

if TYPE_CHECKING:
    from haiquan.accounts.models import User

STORAGE_PREFIX = "eservices/private"
# An advance ruling is valid for 3 years (Luật Hải quan 2014, Điều 28).
RULING_VALIDITY_YEARS = 3


def _today() -> date:
    """Days of the time limit follow the installation's calendar, not UTC."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def _next_number(key: str) -> int:
    """The next number of a counter, locked until the caller's transaction commits."""
    counter, _created = Sequence.objects.select_for_update().get_or_create(key=key)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _event(
    filing: Filing,
    kind: EventKind,
    *,
    party: Party,
    actor: Any = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    kind.record(
        subject_type=SUBJECT,
        subject_id=filing.pk,
        party=party,
        actor=actor,
        actor_label=actor_label,
        office_code=filing.office.code,
        data={"reference": filing.reference, "procedure": filing.procedure.code, **(data or {})},
    )


def _locked(filing: Filing) -> Filing:
    return (
        Filing.objects.select_for_update(of=("self",))
        .select_related("procedure", "office", "enterprise")
        .get(pk=filing.pk)
    )


def _require_status(filing: Filing, *allowed: str) -> None:
    if filing.status not in allowed:
        raise Conflict(
            _("Filing %(ref)s is %(status)s: this cannot be done now.")
            % {"ref": filing.reference, "status": filing.get_status_display()},
            "wrong-status",
        )


def _clean_text(field: str, text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise invalid(field, _("This field is required."), "required")
    if len(text) > MAX_LONG_TEXT:
        raise invalid(field, _("At most %(n)d characters.") % {"n": MAX_LONG_TEXT}, "too-long")
    return text


# --- Filing ------------------------------------------------------------------------------------


def _filing_office(procedure: Procedure, office_code: str) -> Office:
    """The procedure's office, or (when the filer chooses) an office in its subtree."""
    if not procedure.office_pick:
        return procedure.office
    code = (office_code or "").strip().upper()
    if not code:
        raise invalid(
            "office_code",
            _("Choose the customs office that handles your request."),
            "required",
        )
    office = Office.objects.filter(code=code, path__startswith=procedure.office.path).first()
    if office is None or not office.is_active_on(_today()):
        raise invalid(
            "office_code",
            _("'%(code)s' is not a customs office in service for this procedure.") % {"code": code},
            "unknown-office",
        )
    return office


def filing_create(
    *,
    actor: User,
    procedure: Procedure,
    enterprise_mst: str,
    data: dict[str, Any],
    office_code: str = "",
) -> Filing:
    """A draft application for `procedure`, for an enterprise the actor may act for, with the
    form's values checked against the procedure's form (every problem named at once)."""
    if not procedure.active:
        raise Conflict(_("This procedure is no longer offered online."), "procedure-inactive")
    enterprise = (
        enterprises_user_may_file_for(actor).filter(mst=(enterprise_mst or "").strip()).first()
        if actor.is_trader
        else None
    )
    if enterprise is None:
        refused = Forbidden(_("Only the enterprise itself or its customs broker may file for it."))
        refused.errors = [
            FieldProblem(
                "enterprise_mst",
                _("You may not file for enterprise '%(mst)s'.") % {"mst": enterprise_mst},
                "not-authorised",
            )
        ]
        raise refused
    problems: list[FieldProblem] = []
    office = None
    try:
        office = _filing_office(procedure, office_code)
    except ValidationFailed as exc:
        problems.extend(exc.errors)
    try:
        cleaned = form_data_clean(form_spec(procedure), data)
    except ValidationFailed as exc:
        problems.extend(exc.errors)
    if problems:
        raise ValidationFailed(problems)
    assert office is not None
    with transaction.atomic():
        year = timezone.localtime().year
        n = _next_number(f"filing-{year}")
        filing = Filing.objects.create(
            reference=f"DVC{year}{n:06d}",
            procedure=procedure,
            enterprise=enterprise,
            office=office,
            filed_by=actor,
            data=cleaned,
            fee_vnd=procedure.fee_vnd if procedure.fee_online else 0,
            time_limit_days=procedure.time_limit_days,
        )
        _event(filing, kinds.ESERVICE_FILING_CREATED, party=Party.TRADER, actor=actor)
    return filing


def filing_update(*, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
    """Change the form's values of a draft."""
    require_filer(actor, filing)
    if isinstance(data, dict):  # an AHTN 2017 code as first written stays while it still applies
        kept = {k: v for k, v in (filing.data or {}).items() if k.endswith("_as_written")}
        data = {**kept, **data}
    cleaned = form_data_clean(form_spec(filing.procedure), data)
    with transaction.atomic():
        filing = _locked(filing)
        _require_status(filing, FilingStatus.DRAFT)
        filing.data = cleaned
        filing.save(update_fields=["data"])
        _event(filing, kinds.ESERVICE_FILING_CHANGED, party=Party.TRADER, actor=actor)
    return filing


def document_upload(
    *, actor: User, filing: Filing, slot: str, file: IO[bytes] | Any
) -> FilingDocument:
    """Attach a document to a draft (or to an answer while more information is requested).

    The file's type is read from its content (`filetype`), never from its name or the type the
    browser sent; it must be one the form accepts for that attachment, and no larger than the
    form allows. It is stored under a random name in private storage; only the filing's parties
    download it, through a view that checks who asks."""
    require_filer(actor, filing)
    _require_status(filing, FilingStatus.DRAFT, FilingStatus.INFO_REQUESTED)
    spec = form_spec(filing.procedure)
    att = spec.attachment(slot or "")
    if att is None:
        raise invalid(
            "slot",
            _("The form has no attachment '%(slot)s'; it has: %(names)s.")
            % {"slot": slot, "names": ", ".join(a.name for a in spec.attachments)},
            "unknown-attachment",
        )
    upload = upload_store(
        file,
        prefix=STORAGE_PREFIX,
        types=frozenset(att.types),
        max_bytes=att.max_bytes,
        label=str(att.label),
    )
    # nothing half-saved: no orphan file for a refused upload
    with discard_on_error(upload), transaction.atomic():
        filing = _locked(filing)
        _require_status(filing, FilingStatus.DRAFT, FilingStatus.INFO_REQUESTED)
        doc = FilingDocument.objects.create(
            filing=filing,
            slot=att.name,
            stage=DocumentStage.FILING
            if filing.status == FilingStatus.DRAFT
            else DocumentStage.ANSWER,
            original_name=upload.original_name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            storage_name=upload.storage_name,
            uploaded_by=actor,
        )
        _event(
            filing,
            kinds.ESERVICE_DOCUMENT_UPLOADED,
            party=Party.TRADER,
            actor=actor,
            data={
                "slot": att.name,
                "size": upload.size,
                "type": upload.content_type,
                "sha256": doc.sha256,
            },
        )
    return doc


def document_delete(*, actor: User, document: FilingDocument) -> None:
    """Remove a document from a draft (a wrong file attached before submitting)."""
    filing = document.filing
    require_filer(actor, filing)
    with transaction.atomic():
        filing = _locked(filing)
        _require_status(filing, FilingStatus.DRAFT)
        name = document.storage_name
        _event(
            filing,
            kinds.ESERVICE_DOCUMENT_REMOVED,
            party=Party.TRADER,
            actor=actor,
            data={"slot": document.slot, "sha256": document.sha256},
        )
        document.delete()
        discard_on_commit(name)


def _clock_start(filing: Filing, today: date) -> None:
    filing.clock_started_on = today
    filing.paused_since = None
    filing.paused_working_days = 0
    filing.outage_working_days = 0
    filing.due_on = working_day_add(today, filing.time_limit_days, holidays())


def filing_submit(*, actor: User, filing: Filing) -> Filing:
    """Send a complete draft to customs. A level-4 procedure with a fee waits for the fee
    (the time limit starts when the bank confirms it); otherwise the time limit starts today."""
    require_filer(actor, filing)
    with transaction.atomic():
        filing = _locked(filing)
        _require_status(filing, FilingStatus.DRAFT)
        spec = form_spec(filing.procedure)
        problems: list[FieldProblem] = []
        try:
            form_data_clean(spec, filing.data)
        except ValidationFailed as exc:
            problems.extend(exc.errors)
        attached = set(filing.documents.values_list("slot", flat=True))
        for att in spec.attachments:
            if att.required and att.name not in attached:
                problems.append(
                    FieldProblem(
                        f"documents.{att.name}",
                        _("Attach %(label)s.") % {"label": att.label},
                        "required",
                    )
                )
        if problems:
            raise ValidationFailed(problems)
        now = timezone.now()
        filing.submitted_at = now
        if filing.fee_vnd > 0:
            filing.status = FilingStatus.AWAITING_FEE
        else:
            filing.status = FilingStatus.SUBMITTED
            _clock_start(filing, _today())
        filing.save()
        _event(
            filing,
            kinds.ESERVICE_FILING_SUBMITTED,
            party=Party.TRADER,
            actor=actor,
            data={"fee_vnd": filing.fee_vnd, "due_on": filing.due_on},
        )
    return filing


# --- The fee (level 4) -------------------------------------------------------------------------


def fee_order_create(*, actor: User, filing: Filing) -> PaymentOrder:
    """The order to pay the filing's fee at any partner bank, one of the payment orders
    `payments` keeps for everything a bank collects (purpose `FEE_PURPOSE`; the bank's
    confirmation reaches `fees.FeeSettler`). Asking again while it is open returns the same
    order. References read "LP" + the filing's number + a sequence."""
    require_filer(actor, filing)
    with transaction.atomic():
        filing = _locked(filing)
        _require_status(filing, FilingStatus.AWAITING_FEE)
        issued = payment_order_issue(
            purpose=FEE_PURPOSE,
            amount_vnd=filing.fee_vnd,
            reference_prefix=f"LP{filing.reference[3:]}",
            actor=actor,
            subject_id=filing.pk,
        )
        order = issued.order
        if issued.created:
            _event(
                filing,
                kinds.ESERVICE_FEE_ORDERED,
                party=Party.TRADER,
                actor=actor,
                data={"order": order.reference, "amount_vnd": order.amount_vnd},
            )
    return order


# --- Officers ----------------------------------------------------------------------------------


def filing_receive(*, actor: User, filing: Filing) -> Filing:
    """An officer of the handling office takes the filing in (tiếp nhận hồ sơ)."""
    require_officer(actor, filing)
    with transaction.atomic():
        filing = _locked(filing)
        _require_status(filing, FilingStatus.SUBMITTED)
        filing.status = FilingStatus.IN_REVIEW
        filing.received_at = timezone.now()
        filing.received_by = actor
        filing.save(update_fields=["status", "received_at", "received_by"])
        _event(filing, kinds.ESERVICE_FILING_RECEIVED, party=Party.CUSTOMS, actor=actor)
    return filing


def filing_info_request(*, actor: User, filing: Filing, text: str) -> FilingMessage:
    """Ask the enterprise for more information (yêu cầu bổ sung hồ sơ). The time limit stops
    from today until the enterprise answers."""
    require_officer(actor, filing)
    text = _clean_text("text", text)
    with transaction.atomic():
        filing = _locked(filing)
        _require_status(filing, FilingStatus.IN_REVIEW)
        message = FilingMessage.objects.create(
            filing=filing, kind=MessageKind.REQUEST, text=text, author=actor
        )
        filing.status = FilingStatus.INFO_REQUESTED
        filing.paused_since = _today()
        filing.due_on = None
        filing.save(update_fields=["status", "paused_since", "due_on"])
        _event(
            filing,
            kinds.ESERVICE_INFO_REQUESTED,
            party=Party.CUSTOMS,
            actor=actor,
            data={"text": text},
        )
    return message


def filing_info_answer(*, actor: User, filing: Filing, text: str) -> FilingMessage:
    """The enterprise answers (documents it attaches meanwhile go with the answer); the time
    limit runs again, pushed back by the working days it waited."""
    require_filer(actor, filing)
    text = _clean_text("text", text)
    with transaction.atomic():
        filing = _locked(filing)
        _require_status(filing, FilingStatus.INFO_REQUESTED)
        message = FilingMessage.objects.create(
            filing=filing, kind=MessageKind.ANSWER, text=text, author=actor
        )
        today = _today()
        hol = holidays()
        paused = working_days_between(filing.paused_since or today, today, hol)
        filing.paused_working_days += paused
        filing.paused_since = None
        assert filing.clock_started_on is not None
        filing.due_on = working_day_add(
            filing.clock_started_on,
            filing.time_limit_days + filing.paused_working_days + filing.outage_working_days,
            hol,
        )
        filing.status = FilingStatus.IN_REVIEW
        filing.save(update_fields=["status", "paused_since", "paused_working_days", "due_on"])
        _event(
            filing,
            kinds.ESERVICE_INFO_PROVIDED,
            party=Party.TRADER,
            actor=actor,
            data={"paused_working_days": paused, "due_on": filing.due_on},
        )
    return message


@dataclass(frozen=True)
class RulingTerms:
    """What an advance ruling rules: the HS code, and for an origin ruling the origin."""

    hs_code: str = ""
    origin: str = ""
    valid_to: date | None = None


def _ruling_terms_check(filing: Filing, terms: RulingTerms, today: date) -> tuple[str, str, date]:
    kind = filing.procedure.result_kind
    data = filing.data
    problems: list[FieldProblem] = []
    # Without a code of their own the officer rules the proposed one — which must then be a
    # line in force: a proposed AHTN 2017 code the tariff divided names the lines to choose.
    hs = (terms.hs_code or data.get("proposed_hs_code") or data.get("hs_code") or "").strip()
    hs = hs.replace(".", "").replace(" ", "")
    problem = _("The ruled HS code must be an 8-digit line of the tariff.")
    if len(hs) == 8 and hs.isascii() and hs.isdigit():
        try:
            hs_line_get(code=hs)
            problem = ""
        except NotFound as exc:  # names the lines an earlier code became, or those nearby
            problem = _("%(problem)s The ruled HS code must be a line of the tariff in force.") % {
                "problem": exc.detail
            }
    if problem:
        problems.append(FieldProblem("hs_code", problem, "unknown-hs-code"))
    origin = ""
    if kind == ResultKind.ORIGIN_RULING:
        origin = (terms.origin or data.get("claimed_origin") or "").strip().upper()
        if not Country.objects.filter(code=origin).exists():
            problems.append(
                FieldProblem("origin", _("The ruled origin: a two-letter country code."))
            )
    default_to = today.replace(year=today.year + RULING_VALIDITY_YEARS) - timedelta(days=1)
    valid_to = terms.valid_to or default_to
    if valid_to < today or valid_to > default_to:
        problems.append(
            FieldProblem(
                "valid_to",
                _("Between today and %(max)s (a ruling is valid at most %(n)d years).")
                % {"max": default_to.isoformat(), "n": RULING_VALIDITY_YEARS},
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return hs, origin, valid_to


def filing_decide(
    *,
    actor: User,
    filing: Filing,
    outcome: str,
    text: str,
    ruling: RulingTerms | None = None,
) -> Filing:
    """Approve or refuse, with the reasons. The time limit is closed: the working days used
    (without the pauses) against the limit say whether the answer came on time. An approved
    advance ruling is issued to the enterprise, numbered XDTMS-/XDTXX-<year>-<n>. The signed
    result carries a verification code that the public page /eservices/verify/ checks."""
    require_officer(actor, filing)
    if outcome not in Outcome.values:
        raise invalid("outcome", _("One of: approved, refused."), "invalid-choice")
    text = _clean_text("text", text)
    with transaction.atomic():
        filing = _locked(filing)
        _require_status(filing, FilingStatus.IN_REVIEW)
        today = _today()
        kind = filing.procedure.result_kind
        issued: AdvanceRuling | None = None
        if outcome == Outcome.APPROVED and kind in (
            ResultKind.HS_RULING,
            ResultKind.ORIGIN_RULING,
        ):
            issued = _ruling_issue(filing, kind, ruling or RulingTerms(), today)
        used = _decision_record(filing, actor, outcome, text, today)
        _event(
            filing,
            kinds.ESERVICE_FILING_DECIDED,
            party=Party.CUSTOMS,
            actor=actor,
            data={
                "outcome": outcome,
                "working_days_used": used,
                "time_limit_days": filing.time_limit_days,
                "on_time": filing.on_time,
                "ruling": issued.number if issued else "",
            },
        )
        if issued is not None:
            _event(
                filing,
                kinds.ESERVICE_RULING_ISSUED,
                party=Party.CUSTOMS,
                actor=actor,
                data={
                    "ruling": issued.number,
                    "hs_code": issued.hs_code,
                    "origin": issued.origin,
                    "valid_to": issued.valid_to,
                },
            )
    return filing


def _ruling_issue(filing: Filing, kind: str, ruling: RulingTerms, today: date) -> AdvanceRuling:
    """The advance ruling an approval issues, its terms checked, numbered
    XDTMS-/XDTXX-<year>-<n>."""
    hs, origin, valid_to = _ruling_terms_check(filing, ruling, today)
    prefix = "XDTMS" if kind == ResultKind.HS_RULING else "XDTXX"
    n = _next_number(f"{kind}-{today.year}")
    return AdvanceRuling.objects.create(
        number=f"{prefix}-{today.year}-{n:06d}",
        kind=kind,
        enterprise=filing.enterprise,
        filing=filing,
        goods_description=str(
            filing.data.get("goods_name", "") + "\n" + filing.data.get("goods_description", "")
        ).strip(),
        hs_code=hs,
        origin=origin,
        valid_from=today,
        valid_to=valid_to,
    )


def _decision_record(filing: Filing, actor: User, outcome: str, text: str, today: date) -> int:
    """The decision saved on the filing with its time limit closed: the working days used
    (without the pauses) and whether that was on time. Answers the days used."""
    assert filing.clock_started_on is not None
    used = max(
        0,
        working_days_between(filing.clock_started_on, today, holidays())
        - filing.paused_working_days
        - filing.outage_working_days,
    )
    filing.status = outcome
    filing.decided_at = timezone.now()
    filing.decided_by = actor
    filing.decision_text = text
    filing.decided_on = today
    filing.working_days_used = used
    filing.on_time = used <= filing.time_limit_days
    filing.result_code = secrets.token_hex(10).upper()
    filing.save()
    return used


def result_store(*, filing: Filing, pdf: bytes) -> Filing:
    """Keep the signed result's PDF (produced once, at its first download) and its SHA-256,
    which the public verification page shows. A second producer finds it stored already."""
    with transaction.atomic():
        filing = _locked(filing)
        if filing.result_file:
            return filing
        if not filing.is_decided:
            raise Conflict(_("There is no decision yet."), "not-decided")
        stored = storages["default"].save(f"{STORAGE_PREFIX}/{uuid.uuid4().hex}", ContentFile(pdf))
        filing.result_file = stored
        filing.result_sha256 = hashlib.sha256(pdf).hexdigest()
        filing.save(update_fields=["result_file", "result_sha256"])
        _event(
            filing,
            kinds.ESERVICE_RESULT_ISSUED,
            party=Party.SYSTEM,
            data={"sha256": filing.result_sha256, "code": filing.result_code},
        )
    return filing


def filing_access_record(
    *,
    user: User,
    filing: Filing,
    via: str,
    address: str | None = None,
    document: FilingDocument | None = None,
) -> None:
    """Leave a row in the access trail when someone other than the filer's side (an officer,
    an analyst) opens a filing or downloads one of its documents."""
    access_record(
        user=user,
        part=Part.FILING if document is None else Part.FILING_DOCUMENT,
        subject_id=filing.pk if document is None else document.pk,
        enterprise_id=filing.enterprise_id,
        reference=filing.reference,
        office_code=filing.office.code,
        via=via,
        address=address,
    )


def filings_extend_for_outage(ended: OutageEnded) -> int:
    """When a declared outage ends, every open filing at its office (all offices for a national
    one) whose last day on time fell inside it gets back the working days the outage covered
    (at least one): the enterprise could not answer, pay or follow up meanwhile, nor could
    customs decide. Registered as an outage extender (haiquan.outage.hooks)."""
    hol = holidays()
    first = timezone.localdate(ended.span.start)
    last = timezone.localdate(ended.span.end)
    working_days = DayCount(
        local_day=timezone.localdate,
        days_lost=lambda a, b: working_days_between(a - timedelta(days=1), b, hol),
        add_days=lambda d, n: working_day_add(d, n, hol),
    )
    filings = Filing.objects.select_for_update().filter(
        status__in=OPEN_STATUSES, due_on__gte=first, due_on__lte=last
    )
    if ended.office_code:
        filings = filings.filter(office__code=ended.office_code)
    extended = 0
    for filing in filings:
        assert filing.due_on is not None
        before = filing.due_on
        filing.due_on = deadline_extended(before, [ended.span], days=working_days)
        given = working_days_between(before, filing.due_on, hol)
        filing.outage_working_days += given
        filing.save(update_fields=["due_on", "outage_working_days"])
        _event(
            filing,
            kinds.ESERVICE_TIME_LIMIT_EXTENDED,
            party=Party.SYSTEM,
            actor_label="outage",
            data={"outage": ended.outage_id, "from": before, "to": filing.due_on, "days": given},
        )
        extended += 1
    return extended
