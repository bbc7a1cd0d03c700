"""The catalogue of event kinds: every kind written to the event log, once, with the words people
read for it (timelines, histories, the declaration PDF). Pages never show a kind's code.

A kind is a code (`"declaration.cleared"`, what the log stores and the API returns) and a label.
Writers may import the constants (`kinds.DECLARATION_CLEARED`), readers call `kind_label(code)`.
`haiquan/eventlog/tests/test_kinds.py` fails for a kind written anywhere without an entry here.

The same goes for the actors recorded without a user account (`actor_label`: the risk engine,
a bank, a gate operator's office...): `actor_display()` names them in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EventKind:
    """One kind of event. More attributes of a kind (who its time belongs to, its step in
    time-release measurement, a typed builder) belong here too, so that each kind is described
    in one place."""

    code: str
    label: Promise

    def __str__(self) -> str:
        return self.code


KINDS: dict[str, EventKind] = {}


def _kind(code: str, label: Promise) -> EventKind:
    if code in KINDS:
        raise ValueError(f"event kind {code} is in the catalogue twice")
    if not re.fullmatch(r"[a-z][a-z_]*\.[a-z][a-z_]*", code):
        raise ValueError(f"event kind {code!r} is not family.name")
    kind = EventKind(code, label)
    KINDS[code] = kind
    return kind


# Declarations (clearance)
DECLARATION_DRAFT_CREATED = _kind("declaration.draft_created", _("Draft created"))
DECLARATION_DRAFT_UPDATED = _kind("declaration.draft_updated", _("Draft changed"))
DECLARATION_LODGED = _kind("declaration.lodged", _("Declaration submitted"))
DECLARATION_REGISTERED = _kind("declaration.registered", _("Registered, duties assessed"))
DECLARATION_LANE_DECIDED = _kind("declaration.lane_decided", _("Lane decided"))
DECLARATION_DOCUMENT_CHECK_RECORDED = _kind(
    "declaration.document_check_recorded", _("Document check recorded")
)
DECLARATION_INSPECTION_RECORDED = _kind(
    "declaration.inspection_recorded", _("Physical inspection recorded")
)
DECLARATION_ESCALATED = _kind("declaration.escalated", _("Sent to physical inspection"))
DECLARATION_AMENDED = _kind("declaration.amended", _("Amended"))
DECLARATION_CANCELLED = _kind("declaration.cancelled", _("Cancelled"))
DECLARATION_CANCELLATION_REQUESTED = _kind(
    "declaration.cancellation_requested", _("Cancellation requested")
)
DECLARATION_CANCELLATION_REFUSED = _kind(
    "declaration.cancellation_refused", _("Cancellation request refused")
)
DECLARATION_PENALTY_DECIDED = _kind("declaration.penalty_decided", _("Penalty decision recorded"))
DECLARATION_CLEARANCE_HELD = _kind("declaration.clearance_held", _("Clearance held"))
DECLARATION_CLEARED = _kind("declaration.cleared", _("Cleared"))
DECLARATION_RELEASED = _kind("declaration.released", _("Goods released"))
# A declaration's documents and customs' requests for them
DECLARATION_DOCUMENT_UPLOADED = _kind("declaration.document_uploaded", _("Document attached"))
DECLARATION_DOCUMENTS_REQUESTED = _kind(
    "declaration.documents_requested", _("Documents requested by customs")
)
DECLARATION_DOCUMENTS_ANSWERED = _kind(
    "declaration.documents_answered", _("Request for documents answered")
)
DECLARATION_DOCUMENT_REQUEST_ESCALATED = _kind(
    "declaration.document_request_escalated", _("Request for documents overdue: escalated")
)
DECLARATION_DOCUMENTS_ACCEPTED = _kind(
    "declaration.documents_accepted", _("Answer to the request for documents accepted")
)
DECLARATION_AUDIT_VIOLATION = _kind(
    "declaration.audit_violation", _("Violation found by post-clearance audit")
)

# Duties: payment orders, banks' confirmations, guarantees (payments)
PAYMENT_ORDER_CREATED = _kind("payment_order.created", _("Payment order issued"))
PAYMENT_ORDER_SUPERSEDED = _kind("payment_order.superseded", _("Payment order replaced"))
PAYMENT_CONFIRMED = _kind("payment.confirmed", _("Payment confirmed by the bank"))
GUARANTEE_REGISTERED = _kind("guarantee.registered", _("Bank guarantee registered"))

# Goods at ports, yards and bonded warehouses (supervision)
CARGO_ARRIVED = _kind("cargo.arrived", _("Goods arrived at the port or border gate"))
CARGO_GATE_IN = _kind("cargo.gate_in", _("Goods entered the control zone"))
CARGO_GATE_OUT = _kind("cargo.gate_out", _("Goods left the control zone"))
CARGO_GATE_OUT_REFUSED = _kind("cargo.gate_out_refused", _("Exit refused at the gate"))
CONTROL_ZONE_CREATED = _kind("control_zone.created", _("Control zone created"))
BONDED_RECEIVED = _kind("bonded.received", _("Goods received into the bonded warehouse"))
BONDED_ISSUED = _kind("bonded.issued", _("Goods issued from the bonded warehouse"))
BONDED_RECEIPT_CANCELLED = _kind("bonded.receipt_cancelled", _("Warehouse receipt cancelled"))
BONDED_ISSUE_CANCELLED = _kind("bonded.issue_cancelled", _("Warehouse issue cancelled"))
ALERT_RAISED = _kind("alert.raised", _("Alert raised"))
ALERT_ACKNOWLEDGED = _kind("alert.acknowledged", _("Alert acknowledged"))
ALERT_RESOLVED = _kind("alert.resolved", _("Alert resolved"))

# Transit under e-seals (transit)
ESEAL_REGISTERED = _kind("eseal.registered", _("E-seal registered"))
ESEAL_KEY_ISSUED = _kind("eseal.key_issued", _("E-seal signing key issued"))
TRANSIT_DECLARED = _kind("transit.declared", _("Transit declared"))
TRANSIT_SEALED = _kind("transit.sealed", _("E-seals fitted"))
TRANSIT_DEPARTED = _kind("transit.departed", _("Departed"))
TRANSIT_INCIDENT = _kind("transit.incident", _("Incident on the way"))
TRANSIT_SEAL_OPENED = _kind("transit.seal_opened", _("E-seal opened"))
TRANSIT_ARRIVED = _kind("transit.arrived", _("Arrived at destination"))
TRANSIT_SEAL_VERIFIED = _kind("transit.seal_verified", _("Seals checked at destination"))
TRANSIT_CLOSED = _kind("transit.closed", _("Transit closed"))
TRANSIT_CANCELLED = _kind("transit.cancelled", _("Transit cancelled"))

# Single window: partner agencies, e-C/O (singlewindow)
SINGLEWINDOW_REQUIREMENTS_BUILT = _kind(
    "singlewindow.requirements_built", _("Requirements built from the inspection lists")
)
SINGLEWINDOW_REQUESTED = _kind("singlewindow.requested", _("Sent to partner agencies"))
SINGLEWINDOW_ANSWERED = _kind("singlewindow.answered", _("Partner agency answered"))
SINGLEWINDOW_DOCUMENT_RECEIVED = _kind(
    "singlewindow.document_received", _("Permit or inspection result received")
)
SINGLEWINDOW_DOCUMENT_AMENDED = _kind(
    "singlewindow.document_amended", _("Permit or inspection result amended")
)
SINGLEWINDOW_DOCUMENT_REVOKED = _kind(
    "singlewindow.document_revoked", _("Permit or inspection result revoked")
)
SINGLEWINDOW_ECO_RECEIVED = _kind(
    "singlewindow.eco_received", _("Electronic certificate of origin received")
)
SINGLEWINDOW_REQUIREMENT_CREATED = _kind(
    "singlewindow.requirement_created", _("Specialised-control requirement added")
)
SINGLEWINDOW_REQUIREMENT_CHANGED = _kind(
    "singlewindow.requirement_changed", _("Specialised-control requirement changed")
)

# Online public services (eservices)
ESERVICE_FILING_CREATED = _kind("eservice.filing_created", _("Application started"))
ESERVICE_FILING_CHANGED = _kind("eservice.filing_changed", _("Application changed"))
ESERVICE_DOCUMENT_UPLOADED = _kind("eservice.document_uploaded", _("Document attached"))
ESERVICE_DOCUMENT_REMOVED = _kind("eservice.document_removed", _("Document removed"))
ESERVICE_FILING_SUBMITTED = _kind("eservice.filing_submitted", _("Application submitted"))
ESERVICE_FEE_ORDERED = _kind("eservice.fee_ordered", _("Fee payment order issued"))
ESERVICE_FEE_PAID = _kind("eservice.fee_paid", _("Fee paid"))
ESERVICE_FILING_RECEIVED = _kind("eservice.filing_received", _("Application received"))
ESERVICE_INFO_REQUESTED = _kind("eservice.info_requested", _("More information requested"))
ESERVICE_INFO_PROVIDED = _kind("eservice.info_provided", _("More information provided"))
ESERVICE_FILING_DECIDED = _kind("eservice.filing_decided", _("Decision made"))
ESERVICE_RULING_ISSUED = _kind("eservice.ruling_issued", _("Advance ruling issued"))
ESERVICE_RESULT_ISSUED = _kind("eservice.result_issued", _("Signed result issued"))
ESERVICE_TIME_LIMIT_EXTENDED = _kind(
    "eservice.time_limit_extended", _("Time limit extended after a system outage")
)

# Declared outages (outage)
OUTAGE_DECLARED = _kind("outage.declared", _("System outage declared"))
OUTAGE_ENDED = _kind("outage.ended", _("System outage ended"))
DECLARATION_BACK_CAPTURED = _kind(
    "declaration.back_captured", _("Paper declaration captured after the outage")
)

# Risk management and analysis (risk, riskml, postaudit)
RISK_PROFILE_CREATED = _kind("risk.profile_created", _("Risk profile created"))
RISK_PROFILE_UPDATED = _kind("risk.profile_updated", _("Risk profile changed"))
RISK_PROFILE_ACTIVATED = _kind("risk.profile_activated", _("Risk profile activated"))
RISK_PROFILE_DEACTIVATED = _kind("risk.profile_deactivated", _("Risk profile deactivated"))
RISK_OFFICE_SETTING_SET = _kind("risk.office_setting_set", _("Office random selection rate set"))
RISKML_MODEL_TRAINED = _kind("riskml.model_trained", _("Risk model trained"))
RISKML_MODEL_ACTIVATED = _kind("riskml.model_activated", _("Risk model activated"))
RISKML_MODEL_DEACTIVATED = _kind("riskml.model_deactivated", _("Risk model deactivated"))
RISKML_TARGET_SET = _kind("riskml.target_set", _("Target inspection rate set"))
POSTAUDIT_SCAN_COMPLETED = _kind("postaudit.scan_completed", _("Anomaly scan completed"))
ENTERPRISE_COMPLIANCE_RANK_RECOMPUTED = _kind(
    "enterprise.compliance_rank_recomputed", _("Compliance rank recomputed")
)
AUDIT_CASE_PLANNED = _kind("audit.case_planned", _("Audit planned"))
AUDIT_CASE_STARTED = _kind("audit.case_started", _("Audit started"))
AUDIT_FINDING_RECORDED = _kind("audit.finding_recorded", _("Audit finding recorded"))
AUDIT_CASE_CLOSED = _kind("audit.case_closed", _("Audit closed"))

# The partnership portal (portal)
INQUIRY_SUBMITTED = _kind("inquiry.submitted", _("Question submitted"))
INQUIRY_ROUTED = _kind("inquiry.routed", _("Question sent to the office that answers it"))
INQUIRY_ESCALATED = _kind("inquiry.escalated", _("Question escalated: answer late"))
INQUIRY_ANSWERED = _kind("inquiry.answered", _("Question answered"))
INQUIRY_REPLIED = _kind("inquiry.replied", _("Reply to the answer"))
INQUIRY_CLOSED = _kind("inquiry.closed", _("Question closed"))
INQUIRY_PUBLISHED_TO_FAQ = _kind("inquiry.published_to_faq", _("Published in the FAQ"))
RATING_SUBMITTED = _kind("rating.submitted", _("Rating given"))

# Reference data and targets (tariff, stats)
TARIFF_LOADED = _kind("tariff.loaded", _("Tariff loaded"))
TARIFF_AGREEMENTS_LOADED = _kind("tariff.agreements_loaded", _("Free trade agreements loaded"))
TARIFF_REMEDIES_LOADED = _kind("tariff.remedies_loaded", _("Trade remedies loaded"))
TARIFF_QUOTA_ALLOCATED = _kind("tariff.quota_allocated", _("Tariff quota allocated"))
TARIFF_ASSISTANT_TRAINED = _kind("tariff.assistant_trained", _("Classification assistant trained"))
STATS_TARGET_SET = _kind("stats.target_set", _("Revenue target set"))

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
