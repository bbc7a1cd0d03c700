"""The catalogue of event kinds: every kind written to the event log, once, with the words people
read for it (timelines, histories, the declaration PDF), whose time it usually is and the step of
time-release measurement it ends. Pages never show a kind's code.

A kind is a code (`"declaration.cleared"`, what the log stores and the API returns) and a label.
A kind *is* its code (`EventKind` is a `str`), so the constants serve wherever a code goes: a
filter, a comparison, a dict key. Writers use a kind's builders,
`kinds.TRANSIT_DEPARTED.record(subject_type=..., subject_id=..., actor=..., data=...)`, readers
import the constants and call `kind_label(code)` for the words.
`haiquan/eventlog/tests/test_kinds.py` fails for a kind written anywhere without an entry here, and
for a kind's code written as a string literal anywhere but here.

- `party`: whose time ends at the event (time-release measurement attributes the interval before
  it to that party), used when the writer does not say. Writers that decide by who acted
  (clearance: a trader's amendment is the trader's time, an officer's is customs') pass `party=`.
  A kind without one must be given its party by every writer.
- `step`: the step of the time between registration and release that the event ends
  (`timerelease` reads it from here); a kind without one falls into "other".

The same goes for the actors recorded without a user account (`actor_label`: the risk engine,
a bank, a gate operator's office...): `actor_display()` names them in the reader's language.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .choices import Party, Step

if TYPE_CHECKING:
    from .models import Event


class EventKind(str):
    """One kind of event: its code (the string itself), its label, its usual party and its
    time-release step."""

    label: Promise
    party: Party | None
    step: Step | None

    def __new__(
        cls, code: str, label: Promise, party: Party | None = None, step: Step | None = None
    ) -> EventKind:
        kind = super().__new__(cls, code)
        kind.label = label
        kind.party = party
        kind.step = step
        return kind

    @property
    def code(self) -> str:
        return str.__str__(self)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"<EventKind {self.code}>"

    # One object per kind: copies (a queryset's filter values are deep-copied) are the kind itself.
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (kind_of, (self.code,))

    def __copy__(self) -> EventKind:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> EventKind:
        return self

    def _fields(self, party: Party | str | None) -> dict[str, Any]:
        party = party or self.party
        if not party:
            raise ValueError(f"event kind {self.code} has no party of its own: give one")
        return {"kind": self.code, "party": party}

    def build(
        self,
        *,
        subject_type: str,
        subject_id: int,
        party: Party | str | None = None,
        actor: Any = None,
        actor_label: str = "",
        declaration_id: int | None = None,
        office_code: str = "",
        data: dict[str, Any] | None = None,
        occurred_at: datetime | None = None,
    ) -> Event:
        """An event of this kind, not written yet (several are appended with `events_append`)."""
        from .services import event_build

        return event_build(
            subject_type=subject_type,
            subject_id=subject_id,
            actor=actor,
            actor_label=actor_label,
            declaration_id=declaration_id,
            office_code=office_code,
            data=data,
            occurred_at=occurred_at,
            **self._fields(party),
        )

    def record(
        self,
        *,
        subject_type: str,
        subject_id: int,
        party: Party | str | None = None,
        actor: Any = None,
        actor_label: str = "",
        declaration_id: int | None = None,
        office_code: str = "",
        data: dict[str, Any] | None = None,
        occurred_at: datetime | None = None,
    ) -> Event:
        """Append an event of this kind, inside the transaction of the change it records."""
        from .services import event_record

        return event_record(
            subject_type=subject_type,
            subject_id=subject_id,
            actor=actor,
            actor_label=actor_label,
            declaration_id=declaration_id,
            office_code=office_code,
            data=data,
            occurred_at=occurred_at,
            **self._fields(party),
        )


KINDS: dict[str, EventKind] = {}


def _kind(
    code: str, label: Promise, *, party: Party | None = None, step: Step | None = None
) -> EventKind:
    if code in KINDS:
        raise ValueError(f"event kind {code} is in the catalogue twice")
    if not re.fullmatch(r"[a-z][a-z_]*\.[a-z][a-z_]*", code):
        raise ValueError(f"event kind {code!r} is not family.name")
    kind = EventKind(code, label, party, step)
    KINDS[code] = kind
    return kind


def kind_of(code: str | EventKind) -> EventKind:
    """The catalogued kind of a code (KeyError for a code not in the catalogue)."""
    return code if isinstance(code, EventKind) else KINDS[code]


# Families each of whose kinds ends one step, catalogued or not (history imported from another
# system keeps its own kinds): every single-window event is the partner agencies' time.
FAMILY_STEPS: dict[str, Step] = {"singlewindow": Step.AGENCY}


def step_of_kind(code: str) -> Step | None:
    """The time-release step an event of this kind ends: the kind's own, else its family's."""
    kind = KINDS.get(code)
    if kind is not None and kind.step is not None:
        return kind.step
    return FAMILY_STEPS.get(code.partition(".")[0])


# Declarations (clearance). Their party is who acted (`clearance.workflow.party_of`: a trader's
# amendment is the trader's time, an officer's customs', the risk engine's the system's).
DECLARATION_DRAFT_CREATED = _kind("declaration.draft_created", _("Draft created"))
DECLARATION_DRAFT_UPDATED = _kind("declaration.draft_updated", _("Draft changed"))
DECLARATION_LODGED = _kind("declaration.lodged", _("Declaration submitted"))
DECLARATION_REGISTERED = _kind("declaration.registered", _("Registered, duties assessed"))
DECLARATION_LANE_DECIDED = _kind(
    "declaration.lane_decided", _("Lane decided"), step=Step.LANE_DECISION
)
DECLARATION_DOCUMENT_CHECK_RECORDED = _kind(
    "declaration.document_check_recorded", _("Document check recorded"), step=Step.DOCUMENT_CHECK
)
DECLARATION_INSPECTION_RECORDED = _kind(
    "declaration.inspection_recorded", _("Physical inspection recorded"), step=Step.INSPECTION
)
DECLARATION_ESCALATED = _kind(
    "declaration.escalated", _("Sent to physical inspection"), step=Step.DOCUMENT_CHECK
)
DECLARATION_AMENDED = _kind("declaration.amended", _("Amended"), step=Step.AMENDMENT)
DECLARATION_CANCELLED = _kind("declaration.cancelled", _("Cancelled"))
DECLARATION_CANCELLATION_REQUESTED = _kind(
    "declaration.cancellation_requested", _("Cancellation requested")
)
DECLARATION_CANCELLATION_REFUSED = _kind(
    "declaration.cancellation_refused", _("Cancellation request refused")
)
DECLARATION_PENALTY_DECIDED = _kind("declaration.penalty_decided", _("Penalty decision recorded"))
DECLARATION_CLEARANCE_HELD = _kind(
    "declaration.clearance_held", _("Clearance held"), step=Step.CLEARANCE
)
DECLARATION_CLEARED = _kind("declaration.cleared", _("Cleared"), step=Step.CLEARANCE)
DECLARATION_RELEASED = _kind("declaration.released", _("Goods released"), step=Step.RELEASE)
# A declaration's documents and customs' requests for them. Customs' request ends the check's
# time until it asks; the declarant's answer (or the escalation of a late one) ends the time
# waited for it, the trader's; the officer's acceptance is check time again.
DECLARATION_DOCUMENT_UPLOADED = _kind("declaration.document_uploaded", _("Document attached"))
DECLARATION_DOCUMENTS_REQUESTED = _kind(
    "declaration.documents_requested",
    _("Documents requested by customs"),
    step=Step.DOCUMENT_CHECK,
)
DECLARATION_DOCUMENTS_ANSWERED = _kind(
    "declaration.documents_answered",
    _("Request for documents answered"),
    step=Step.DOCUMENT_REQUEST,
)
DECLARATION_DOCUMENT_REQUEST_ESCALATED = _kind(
    "declaration.document_request_escalated",
    _("Request for documents overdue: escalated"),
    step=Step.DOCUMENT_REQUEST,
)
DECLARATION_DOCUMENTS_ACCEPTED = _kind(
    "declaration.documents_accepted",
    _("Answer to the request for documents accepted"),
    step=Step.DOCUMENT_CHECK,
)
DECLARATION_AUDIT_VIOLATION = _kind(
    "declaration.audit_violation", _("Violation found by post-clearance audit"), party=Party.CUSTOMS
)

# Duties: payment orders, banks' confirmations, guarantees (payments)
PAYMENT_ORDER_CREATED = _kind(
    "payment_order.created", _("Payment order issued"), party=Party.TRADER, step=Step.PAYMENT_ORDER
)
PAYMENT_ORDER_SUPERSEDED = _kind(
    "payment_order.superseded", _("Payment order replaced"), party=Party.TRADER
)
PAYMENT_CONFIRMED = _kind(
    "payment.confirmed", _("Payment confirmed by the bank"), party=Party.BANK, step=Step.PAYMENT
)
GUARANTEE_REGISTERED = _kind(
    "guarantee.registered", _("Bank guarantee registered"), step=Step.PAYMENT
)

# Goods at ports, yards and bonded warehouses (supervision); gate and warehouse events are the
# party of who reported them (an operator: movement and handling).
CARGO_ARRIVED = _kind("cargo.arrived", _("Goods arrived at the port or border gate"))
CARGO_GATE_IN = _kind("cargo.gate_in", _("Goods entered the control zone"))
CARGO_GATE_OUT = _kind("cargo.gate_out", _("Goods left the control zone"))
CARGO_GATE_OUT_REFUSED = _kind("cargo.gate_out_refused", _("Exit refused at the gate"))
CONTROL_ZONE_CREATED = _kind("control_zone.created", _("Control zone created"), party=Party.CUSTOMS)
BONDED_RECEIVED = _kind("bonded.received", _("Goods received into the bonded warehouse"))
BONDED_ISSUED = _kind("bonded.issued", _("Goods issued from the bonded warehouse"))
BONDED_RECEIPT_CANCELLED = _kind("bonded.receipt_cancelled", _("Warehouse receipt cancelled"))
BONDED_ISSUE_CANCELLED = _kind("bonded.issue_cancelled", _("Warehouse issue cancelled"))
ALERT_RAISED = _kind("alert.raised", _("Alert raised"), party=Party.SYSTEM)
ALERT_ACKNOWLEDGED = _kind("alert.acknowledged", _("Alert acknowledged"), party=Party.CUSTOMS)
ALERT_RESOLVED = _kind("alert.resolved", _("Alert resolved"), party=Party.CUSTOMS)

# Carriers' cargo reports (manifests)
MANIFEST_FILED = _kind("manifest.filed", _("Cargo manifest filed"))
MANIFEST_AMENDED = _kind("manifest.amended", _("Cargo manifest amended"))
MANIFEST_ARRIVED = _kind("manifest.arrived", _("Arrival of the means of transport notified"))
MANIFEST_HOLD_PLACED = _kind("manifest.hold_placed", _("Hold placed on a bill of lading"))
MANIFEST_BILL_ABANDONED = _kind(
    "manifest.bill_abandoned", _("Goods not declared in time: notice to the consignee")
)
MANIFEST_ABANDONED_HANDLED = _kind(
    "manifest.abandoned_handled", _("Handling of goods not declared in time recorded")
)
MANIFEST_HOLD_RELEASED = _kind("manifest.hold_released", _("Hold on a bill of lading released"))

# Transit under e-seals (transit)
ESEAL_REGISTERED = _kind("eseal.registered", _("E-seal registered"), party=Party.CUSTOMS)
ESEAL_KEY_ISSUED = _kind("eseal.key_issued", _("E-seal signing key issued"))
TRANSIT_DECLARED = _kind("transit.declared", _("Transit declared"))
TRANSIT_SEALED = _kind("transit.sealed", _("E-seals fitted"))
TRANSIT_DEPARTED = _kind("transit.departed", _("Departed"), party=Party.MOVEMENT)
TRANSIT_INCIDENT = _kind("transit.incident", _("Incident on the way"))
TRANSIT_SEAL_OPENED = _kind("transit.seal_opened", _("E-seal opened"), party=Party.MOVEMENT)
TRANSIT_ARRIVED = _kind("transit.arrived", _("Arrived at destination"), party=Party.MOVEMENT)
TRANSIT_SEAL_VERIFIED = _kind("transit.seal_verified", _("Seals checked at destination"))
TRANSIT_CLOSED = _kind("transit.closed", _("Transit closed"))
TRANSIT_CANCELLED = _kind("transit.cancelled", _("Transit cancelled"))

# Single window: partner agencies, e-C/O (singlewindow)
SINGLEWINDOW_REQUIREMENTS_BUILT = _kind(
    "singlewindow.requirements_built",
    _("Requirements built from the inspection lists"),
    party=Party.CUSTOMS,
    step=Step.AGENCY,
)
SINGLEWINDOW_REQUESTED = _kind(
    "singlewindow.requested", _("Sent to partner agencies"), party=Party.AGENCY, step=Step.AGENCY
)
SINGLEWINDOW_ANSWERED = _kind(
    "singlewindow.answered", _("Partner agency answered"), party=Party.AGENCY, step=Step.AGENCY
)
SINGLEWINDOW_DOCUMENT_RECEIVED = _kind(
    "singlewindow.document_received",
    _("Permit or inspection result received"),
    party=Party.AGENCY,
    step=Step.AGENCY,
)
SINGLEWINDOW_DOCUMENT_AMENDED = _kind(
    "singlewindow.document_amended",
    _("Permit or inspection result amended"),
    party=Party.AGENCY,
    step=Step.AGENCY,
)
SINGLEWINDOW_DOCUMENT_REVOKED = _kind(
    "singlewindow.document_revoked",
    _("Permit or inspection result revoked"),
    party=Party.AGENCY,
    step=Step.AGENCY,
)
SINGLEWINDOW_ECO_RECEIVED = _kind(
    "singlewindow.eco_received",
    _("Electronic certificate of origin received"),
    party=Party.AGENCY,
    step=Step.AGENCY,
)
SINGLEWINDOW_REQUIREMENT_CREATED = _kind(
    "singlewindow.requirement_created",
    _("Specialised-control requirement added"),
    party=Party.CUSTOMS,
    step=Step.AGENCY,
)
SINGLEWINDOW_REQUIREMENT_CHANGED = _kind(
    "singlewindow.requirement_changed",
    _("Specialised-control requirement changed"),
    party=Party.CUSTOMS,
    step=Step.AGENCY,
)

# Online public services (eservices)
ESERVICE_FILING_CREATED = _kind(
    "eservice.filing_created", _("Application started"), party=Party.TRADER
)
ESERVICE_FILING_CHANGED = _kind(
    "eservice.filing_changed", _("Application changed"), party=Party.TRADER
)
ESERVICE_DOCUMENT_UPLOADED = _kind(
    "eservice.document_uploaded", _("Document attached"), party=Party.TRADER
)
ESERVICE_DOCUMENT_REMOVED = _kind(
    "eservice.document_removed", _("Document removed"), party=Party.TRADER
)
ESERVICE_FILING_SUBMITTED = _kind(
    "eservice.filing_submitted", _("Application submitted"), party=Party.TRADER
)
ESERVICE_FEE_ORDERED = _kind(
    "eservice.fee_ordered", _("Fee payment order issued"), party=Party.TRADER
)
ESERVICE_FEE_PAID = _kind("eservice.fee_paid", _("Fee paid"), party=Party.BANK)
ESERVICE_FILING_RECEIVED = _kind(
    "eservice.filing_received", _("Application received"), party=Party.CUSTOMS
)
ESERVICE_INFO_REQUESTED = _kind(
    "eservice.info_requested", _("More information requested"), party=Party.CUSTOMS
)
ESERVICE_INFO_PROVIDED = _kind(
    "eservice.info_provided", _("More information provided"), party=Party.TRADER
)
ESERVICE_FILING_DECIDED = _kind("eservice.filing_decided", _("Decision made"), party=Party.CUSTOMS)
ESERVICE_RULING_ISSUED = _kind(
    "eservice.ruling_issued", _("Advance ruling issued"), party=Party.CUSTOMS
)
ESERVICE_RESULT_ISSUED = _kind(
    "eservice.result_issued", _("Signed result issued"), party=Party.SYSTEM
)
ESERVICE_TIME_LIMIT_EXTENDED = _kind(
    "eservice.time_limit_extended",
    _("Time limit extended after a system outage"),
    party=Party.CUSTOMS,
)

# Declared outages (outage)
OUTAGE_DECLARED = _kind("outage.declared", _("System outage declared"), party=Party.CUSTOMS)
OUTAGE_ENDED = _kind("outage.ended", _("System outage ended"), party=Party.CUSTOMS)
DECLARATION_BACK_CAPTURED = _kind(
    "declaration.back_captured", _("Paper declaration captured after the outage")
)
INQUIRY_TIME_LIMIT_EXTENDED = _kind(
    "inquiry.time_limit_extended",
    _("Answer's time limit extended after a system outage"),
    party=Party.SYSTEM,
)
DOCUMENT_REQUEST_DUE_EXTENDED = _kind(
    "document_request.due_extended",
    _("Deadline for the documents requested extended after a system outage"),
    party=Party.SYSTEM,
)
TRANSIT_DEADLINE_EXTENDED = _kind(
    "transit.deadline_extended",
    _("Transit deadline extended after a system outage"),
    party=Party.SYSTEM,
)

# Risk management and analysis (risk, riskml, postaudit)
RISK_PROFILE_CREATED = _kind("risk.profile_created", _("Risk profile created"), party=Party.CUSTOMS)
RISK_PROFILE_UPDATED = _kind("risk.profile_updated", _("Risk profile changed"), party=Party.CUSTOMS)
RISK_PROFILE_ACTIVATED = _kind(
    "risk.profile_activated", _("Risk profile activated"), party=Party.CUSTOMS
)
RISK_PROFILE_DEACTIVATED = _kind(
    "risk.profile_deactivated", _("Risk profile deactivated"), party=Party.CUSTOMS
)
RISK_OFFICE_SETTING_SET = _kind(
    "risk.office_setting_set", _("Office random selection rate set"), party=Party.CUSTOMS
)
RISKML_MODEL_TRAINED = _kind("riskml.model_trained", _("Risk model trained"), party=Party.CUSTOMS)
RISKML_MODEL_ACTIVATED = _kind(
    "riskml.model_activated", _("Risk model activated"), party=Party.CUSTOMS
)
RISKML_MODEL_DEACTIVATED = _kind(
    "riskml.model_deactivated", _("Risk model deactivated"), party=Party.CUSTOMS
)
RISKML_TARGET_SET = _kind("riskml.target_set", _("Target inspection rate set"), party=Party.CUSTOMS)
POSTAUDIT_SCAN_COMPLETED = _kind("postaudit.scan_completed", _("Anomaly scan completed"))
ENTERPRISE_COMPLIANCE_RANK_RECOMPUTED = _kind(
    "enterprise.compliance_rank_recomputed", _("Compliance rank recomputed")
)
AUDIT_CASE_PLANNED = _kind("audit.case_planned", _("Audit planned"), party=Party.CUSTOMS)
AUDIT_CASE_STARTED = _kind("audit.case_started", _("Audit started"), party=Party.CUSTOMS)
AUDIT_FINDING_RECORDED = _kind(
    "audit.finding_recorded", _("Audit finding recorded"), party=Party.CUSTOMS
)
AUDIT_CASE_CLOSED = _kind("audit.case_closed", _("Audit closed"), party=Party.CUSTOMS)

# The partnership portal (portal)
INQUIRY_SUBMITTED = _kind("inquiry.submitted", _("Question submitted"), party=Party.TRADER)
INQUIRY_ROUTED = _kind(
    "inquiry.routed", _("Question sent to the office that answers it"), party=Party.CUSTOMS
)
INQUIRY_ESCALATED = _kind(
    "inquiry.escalated", _("Question escalated: answer late"), party=Party.SYSTEM
)
INQUIRY_ANSWERED = _kind("inquiry.answered", _("Question answered"), party=Party.CUSTOMS)
INQUIRY_REPLIED = _kind("inquiry.replied", _("Reply to the answer"), party=Party.TRADER)
INQUIRY_CLOSED = _kind("inquiry.closed", _("Question closed"))
INQUIRY_PUBLISHED_TO_FAQ = _kind(
    "inquiry.published_to_faq", _("Published in the FAQ"), party=Party.CUSTOMS
)
RATING_SUBMITTED = _kind("rating.submitted", _("Rating given"), party=Party.TRADER)

# Reference data and targets (tariff, stats)
TARIFF_LOADED = _kind("tariff.loaded", _("Tariff loaded"), party=Party.SYSTEM)
TARIFF_AGREEMENTS_LOADED = _kind(
    "tariff.agreements_loaded", _("Free trade agreements loaded"), party=Party.SYSTEM
)
TARIFF_REMEDIES_LOADED = _kind(
    "tariff.remedies_loaded", _("Trade remedies loaded"), party=Party.SYSTEM
)
TARIFF_QUOTA_ALLOCATED = _kind(
    "tariff.quota_allocated", _("Tariff quota allocated"), party=Party.CUSTOMS
)
TARIFF_ASSISTANT_TRAINED = _kind(
    "tariff.assistant_trained", _("Classification assistant trained"), party=Party.SYSTEM
)
STATS_TARGET_SET = _kind("stats.target_set", _("Revenue target set"), party=Party.CUSTOMS)

UNKNOWN_LABEL = _("Other event")


def kind_label(code: str | EventKind) -> str:
    """What people read for a kind, in the active language. A kind missing from the catalogue
    (a test prevents it) reads as "Other event", never as its code."""
    kind = KINDS.get(str(code))
    return str(kind.label if kind is not None else UNKNOWN_LABEL)


# ---------------------------------------------------------------------------------------------
# Actors without a user account: what writers put in `actor_label`.

SYSTEM_ACTORS: dict[str, Promise] = {
    "selectivity": _("Risk management system"),
    "automatic": _("Automatic clearance"),
    "clearance": _("Automatic clearance"),
    "system": _("haiquan"),
    "deadline": _("Deadline watch"),
    "monitoring": _("24/7 monitoring"),
    "single window": _("National Single Window"),
    "e-seal": _("E-seal"),
    "postaudit_scan": _("Anomaly scan"),
    "postaudit": _("Post-clearance audit"),
    "risk_train": _("Risk model training"),
    "shipped": _("Reference data shipped with haiquan"),
    "history import": _("History import"),
    "inspection lists": _("The ministries' inspection lists"),
    "outage": _("Declared system outage"),
}

# Actors named by a prefix and a code: "bank:VCB", "operator:20BD", "gate:W20BD:op.cailan".
ACTOR_PREFIXES: dict[str, Promise] = {
    "bank": _("Bank %(code)s"),
    "operator": _("Gate operator (office %(code)s)"),
    "gate": _("Gate report at %(code)s"),
}


def actor_display(actor: Any = None, actor_label: str = "") -> str:
    """The name of who did it: a user's log-in name, or the words for a system actor. A label that is
    neither (a file a loader read, say) is shown as written."""
    if actor is not None and getattr(actor, "pk", None):
        return str(actor.get_username())
    if not actor_label:
        return ""
    if actor_label in SYSTEM_ACTORS:
        return str(SYSTEM_ACTORS[actor_label])
    prefix, sep, rest = actor_label.partition(":")
    if sep and prefix in ACTOR_PREFIXES:
        code, _sep, who = rest.partition(":")
        text = str(ACTOR_PREFIXES[prefix]) % {"code": code}
        return f"{text} ({who})" if who else text
    legacy = re.fullmatch(r"get-(?:in|out) (\S+) by (\S+)", actor_label)
    if legacy:
        return str(ACTOR_PREFIXES["gate"]) % {"code": legacy[1]} + f" ({legacy[2]})"
    return actor_label


def event_actor(event: Any) -> str:
    """`actor_display` of an event row (its user, if loaded, or its label)."""
    actor = event.actor if getattr(event, "actor_id", None) else None
    return actor_display(actor, event.actor_label)
