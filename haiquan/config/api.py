"""The HTTP API at /api/v1/: one NinjaAPI, one router per app, errors as problem+json."""

from __future__ import annotations

from ninja import NinjaAPI

from haiquan.core.api import install_problem_handlers

api = NinjaAPI(
    title="haiquan API",
    version="1",
    description=(
        "Electronic customs clearance. Systems authenticate with `Authorization: Bearer <token>`; "
        "pages use the session. Errors are application/problem+json (RFC 9457) with an `errors` "
        "list naming each field and its problem."
    ),
    urls_namespace="api-v1",
)
install_problem_handlers(api)


def _mount() -> None:
    from haiquan.clearance.api import router as clearance_router
    from haiquan.clearance.api_documents import router as clearance_documents_router
    from haiquan.clearance.api_paper import router as clearance_paper_router
    from haiquan.eservices.api import router as eservices_router
    from haiquan.manifests.api import router as manifests_router
    from haiquan.notifications.api import router as notifications_router
    from haiquan.outage.api import router as outage_router
    from haiquan.payments.api import router as payments_router
    from haiquan.portal.api import router as portal_router
    from haiquan.postaudit.api import router as postaudit_router
    from haiquan.risk.api import router as risk_router
    from haiquan.riskml.api import router as riskml_router
    from haiquan.singlewindow.api import router as singlewindow_router
    from haiquan.stats.api import router as stats_router
    from haiquan.supervision.api import router as supervision_router
    from haiquan.tariff.api import router as tariff_router
    from haiquan.timerelease.api import router as timerelease_router
    from haiquan.transit.api import router as transit_router

    # Paper declarations captured after an outage: before `/{declaration_id}`, which would match.
    api.add_router("/declarations", clearance_paper_router)
    api.add_router("/declarations", clearance_router)
    api.add_router("/declarations", clearance_documents_router)  # their documents and requests
    api.add_router("/tariff", tariff_router)
    api.add_router("/risk", risk_router)
    api.add_router("/payments", payments_router)
    api.add_router("/supervision", supervision_router)
    api.add_router("/transit", transit_router)
    api.add_router("/single-window", singlewindow_router)
    api.add_router("/eservices", eservices_router)
    api.add_router("/time-release", timerelease_router)
    api.add_router("/statistics", stats_router)
    api.add_router("/risk-models", riskml_router)
    api.add_router("/post-audit", postaudit_router)
    api.add_router("/portal", portal_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/manifests", manifests_router)
    api.add_router("/outages", outage_router)


_mount()
