"""The scope an API token needs for each operation of the API.

Every read (GET) needs `read`. Every operation that changes something is listed below under
the scope it needs, by its method and path as the OpenAPI document writes them. A token without
the scope gets 403 (problem+json naming the scope); the page session (htmx calls from the web
pages) has no scopes and is limited by the user's role alone.

An operation that changes something and is not listed is refused to every token (403): a new
endpoint must be given its scope here, and `haiquan/core/tests/security/test_tokens.py` fails
until it is. Operations that take no token (banks' and devices' signed messages, the public
FAQ) are listed all the same, so that the table reads as the API's whole policy.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What an API token may be used for. Each API operation needs one (`CHANGES` below): every
    read needs `read`; each kind of change its own. An API token carries a list of them
    (`haiquan.accounts.models.ApiToken.scopes`)."""

    READ = "read", _("Read what the account may see")
    FILE = (
        "file",
        _(
            "File and change declarations, online-service filings, transit movements and cargo "
            "manifests"
        ),
    )
    PAY = "pay", _("Order payments of duties and fees")
    PORTAL = "portal", _("Inquiries, ratings and subscriptions of the partnership portal")
    GATE = "gate", _("Report gate events, warehouse receipts and issues, departures and arrivals")
    TELEMETRY = "telemetry", _("Send e-seal positions")
    AGENCY = "agency", _("Send permits, inspection results and certificates of origin")
    CUSTOMS = "customs", _("Customs decisions: checks, release, alerts, seals, audits, rulings")
    RISK = "risk", _("Risk profiles, random selection and the learned risk score")


API_PREFIX = "/api/v1"

CHANGES: dict[Scope, tuple[str, ...]] = {
    Scope.FILE: (
        "POST /declarations",
        "POST /declarations/duty-preview",
        "PUT /declarations/{declaration_id}",
        "POST /declarations/{declaration_id}/register",
        "POST /declarations/{declaration_id}/amend",
        "POST /declarations/{declaration_id}/cancel",
        "POST /declarations/{declaration_id}/documents",
        "POST /declarations/{declaration_id}/documents/{document_id}/replace",
        "POST /declarations/{declaration_id}/document-requests/{request_id}/answer",
        "POST /eservices/filings",
        "PUT /eservices/filings/{filing_id}",
        "POST /eservices/filings/{filing_id}/documents",
        "POST /eservices/filings/{filing_id}/submit",
        "POST /eservices/filings/{filing_id}/answer",
        "POST /transit/movements",
        "POST /transit/movements/{reference}/cancel",
        "POST /manifests/voyages",
        "POST /manifests/cuscar",
        "POST /manifests/voyages/{voyage_id}/amendments",
        "POST /manifests/voyages/{voyage_id}/arrival",
    ),
    Scope.PAY: (
        "POST /payments/orders",
        "POST /eservices/filings/{filing_id}/fee-order",
        # signed by the bank, no token
        "POST /payments/confirmations",
        "POST /payments/guarantees",
        "POST /eservices/fee-confirmations",
    ),
    Scope.PORTAL: (
        "POST /portal/inquiries",
        "POST /portal/inquiries/{reference}/messages",
        "POST /portal/inquiries/{reference}/close",
        "POST /portal/ratings",
        "POST /portal/subscriptions",
        "DELETE /portal/subscriptions/{subscription_id}",
        "POST /portal/notifications/read",
        "PUT /notifications/subscriptions/{kind}",
        "POST /notifications/{notification_id}/read",
        "POST /notifications/webhooks",
        "DELETE /notifications/webhooks/{endpoint_id}",
        "POST /notifications/webhooks/{endpoint_id}/enable",
        "POST /notifications/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver",
        "POST /portal/cdci/{code}/responses",
    ),
    Scope.GATE: (
        "POST /supervision/zones/{code}/gate-events",
        "POST /supervision/zones/{code}/gate-events/batch",
        "POST /supervision/zones/{code}/receipts",
        "POST /supervision/zones/{code}/receipts/{document_number}/cancel",
        "POST /supervision/zones/{code}/issues",
        "POST /supervision/zones/{code}/issues/{document_number}/cancel",
        "POST /transit/movements/{reference}/depart",
        "POST /transit/movements/{reference}/arrive",
        "POST /transit/movements/{reference}/incidents",
    ),
    Scope.TELEMETRY: (
        "POST /transit/positions",
        # a new signing key for a seal (its platform, or customs)
        "POST /transit/eseals/{device_id}/key",
        # the OsmAnd protocol of devices (its own key, no token)
        "GET /transit/osmand",
        "POST /transit/osmand",
    ),
    Scope.AGENCY: (
        "POST /single-window/documents",
        "POST /single-window/certificates",
    ),
    Scope.CUSTOMS: (
        "POST /manifests/voyages/{voyage_id}/bills/{number}/holds",
        "POST /manifests/voyages/{voyage_id}/bills/{number}/holds/release",
        "POST /manifests/voyages/{voyage_id}/bills/{number}/abandoned",
        "POST /outages",
        "POST /outages/{outage_id}/end",
        "POST /declarations/paper",
        "POST /declarations/{declaration_id}/document-check",
        "POST /declarations/{declaration_id}/inspection",
        "POST /declarations/{declaration_id}/check-preview",
        "POST /declarations/{declaration_id}/escalate",
        "POST /declarations/{declaration_id}/release",
        "POST /declarations/{declaration_id}/cancellation-decision",
        "POST /declarations/{declaration_id}/penalties",
        "POST /declarations/{declaration_id}/document-requests",
        "POST /declarations/{declaration_id}/document-requests/{request_id}/accept",
        "POST /eservices/filings/{filing_id}/receive",
        "POST /eservices/filings/{filing_id}/info-requests",
        "POST /eservices/filings/{filing_id}/decision",
        "POST /supervision/zones",
        "POST /supervision/alerts/{alert_id}/acknowledge",
        "POST /supervision/alerts/{alert_id}/resolve",
        "POST /transit/eseals",
        "POST /transit/movements/{reference}/seal",
        "POST /transit/movements/{reference}/verify-seals",
        "POST /transit/movements/{reference}/close",
        "POST /portal/inquiries/{reference}/route",
        "POST /portal/inquiries/{reference}/publish",
        "POST /post-audit/cases",
        "POST /post-audit/cases/{case_id}/start",
        "POST /post-audit/cases/{case_id}/findings",
        "POST /post-audit/cases/{case_id}/close",
        "POST /post-audit/enterprises/{mst}/rank",
        "POST /single-window/requirements",
        "PUT /single-window/requirements/{requirement_id}",
        "POST /statistics/targets",
    ),
    Scope.RISK: (
        "POST /risk/profiles",
        "PUT /risk/profiles/{profile_id}",
        "POST /risk/profiles/{profile_id}/activate",
        "POST /risk/profiles/{profile_id}/deactivate",
        "PUT /risk/offices/{code}/setting",
        "POST /risk-models",
        "POST /risk-models/expected-recovery",
        "POST /risk-models/{version}/activate",
        "POST /risk-models/{version}/deactivate",
        "PUT /risk-models/targets/{office_code}",
    ),
}

_BY_OPERATION: dict[str, Scope] = {op: scope for scope, ops in CHANGES.items() for op in ops}


def operation_of(method: str, route: str) -> str:
    """'POST', 'api/v1/declarations/<declaration_id>/amend' → 'POST /declarations/{declaration_id}/amend'."""
    path = "/" + route.lstrip("/")
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :]
    path = path.replace("<", "{").replace(">", "}")
    return f"{method.upper()} {path or '/'}"


def scope_needed(method: str, route: str) -> Scope | None:
    """The scope an operation needs; None for a change that declares none (refused)."""
    if method.upper() in ("GET", "HEAD", "OPTIONS"):
        return _BY_OPERATION.get(operation_of(method, route), Scope.READ)
    return _BY_OPERATION.get(operation_of(method, route))
