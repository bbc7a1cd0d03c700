"""/api/v1/transit: e-seal telemetry (OsmAnd and batches), transit movements, the monitoring
desk's feed. Thin: parse, call a service or a selector, answer."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.accounts.choices import Role
from haiquan.core.api import Pagination
from haiquan.core.problems import Forbidden, ProblemError, ValidationFailed
from haiquan.core.web import user_of

from . import services
from .choices import Channel
from .ingest import telemetry_receive, telemetry_receive_one
from .models import ESeal, TransitMovement
from .osmand import json_message, json_params
from .schemas import (
    ESealIn,
    ESealKeyOut,
    ESealOut,
    IncidentIn,
    IngestOut,
    MovementAtIn,
    MovementIn,
    MovementNoteIn,
    MovementOut,
    MovementReasonIn,
    PositionBatchIn,
    SealIn,
    TrackPointOut,
    VerifyIn,
    eseal_out,
    movement_out,
)
from .selectors import (
    eseal_get_for,
    monitor_feed,
    movement_get_for,
    movement_track,
)

router = Router(tags=["transit"], auth=API_AUTH)


# ---------------------------------------------------------------------------------------------
# Telemetry


class BadReport(ProblemError):
    """OsmAnd answers 400 to a message it cannot take, as Traccar does."""

    def __init__(self, exc: ValidationFailed) -> None:
        super().__init__(
            detail=str(exc.detail),
            errors=exc.errors,
            status=400,
            code="invalid-position",
            title=_("Position report refused"),
        )


@router.api_operation(
    ["GET", "POST"],
    "/osmand",
    auth=None,
    summary="A signed position in the OsmAnd protocol (e-seals)",
)
def osmand(request: HttpRequest) -> Any:
    """GET with a query string or POST a form: `id`, `timestamp`, `lat`, `lon` (or
    `location=lat,lon`), `speed` (knots), `bearing`, `altitude`, `accuracy`, `hdop`, `batt`,
    `valid`, `alarm`; other keys are kept as attributes. Every message carries `ctr` (a
    counter that grows with each message) and `sig`, the hex HMAC-SHA256 under the seal's key
    of the other keys sorted and percent-encoded (`k=v&k=v`, RFC 3986). 200 when accepted (a
    repeat of a stored report changes nothing; a different report for the same time is kept
    as evidence and raises an alert); 401 for any message not signed by a registered seal's
    key, whoever sent it; 409 for a counter used before (a replay); 400 for an invalid
    report."""
    params: dict[str, str] = {k: str(v) for k, v in request.GET.items()}
    if request.method == "POST":
        params.update({k: str(v) for k, v in request.POST.items()})
    try:
        result = telemetry_receive_one(message=params, channel=Channel.HTTP)
    except ValidationFailed as exc:
        raise BadReport(exc) from None
    return {
        "stored": result.stored,
        "duplicate": result.duplicates > 0,
        "conflict": result.conflicts > 0,
        "alerts": [a.kind for a in result.alerts],
    }


@router.post("/positions", response=IngestOut, summary="A batch of positions (an e-seal platform)")
def positions_batch(request: HttpRequest, payload: PositionBatchIn) -> Any:
    """Up to 5,000 positions with the OsmAnd keys, each signed by its seal's key as for
    /osmand, stored in one transaction. Only the platform's own seals: a position for another
    platform's seal, an unknown device or a bad signature is `refused` (all alike); an
    invalid one is reported with its index; a used counter is `replayed`."""
    user = user_of(request)
    if user.role != Role.OPERATOR or not user.enterprise_id:
        raise Forbidden(_("Only an e-seal platform's account (operator) may send positions."))
    result = telemetry_receive(
        messages=_as_sent(request, payload.positions),
        channel=Channel.API,
        platform_id=user.enterprise_id,
        platform=True,
    )
    return {
        "received": result.received,
        "stored": result.stored,
        "duplicates": result.duplicates,
        "conflicts": result.conflicts,
        "refused": result.refused,
        "replayed": result.replayed,
        "invalid": [
            {
                "index": i,
                "errors": [
                    {
                        "field": f"positions[{i}].{e.field}",
                        "problem": str(e.problem),
                        "code": e.code,
                    }
                    for e in exc.errors
                ],
            }
            for i, exc in result.invalid
        ],
        "alerts": len(result.alerts),
    }


def _as_sent(request: HttpRequest, positions: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The batch's positions with their numbers as the text they were written in (what the
    devices signed: `21.5400` stays `21.5400`), read again from the raw body."""
    try:
        raw = json_message(request.body).get("positions")
    except (ValueError, AttributeError):
        raw = None
    if not isinstance(raw, list) or len(raw) != len(positions):
        raw = positions
    return [json_params(m) for m in raw]


class FeedFilter(Schema):
    since: datetime | None = None


@router.get(
    "/monitor", summary="The monitoring desk's feed: movements in transit, positions, alerts"
)
def monitor(request: HttpRequest, filters: Query[FeedFilter]) -> Any:
    """For the map page (polled every few seconds). With `since` (the previous answer's
    `generated_at`), only the track received since then, without routes."""
    user = user_of(request)
    if not user.is_customs:
        raise Forbidden(_("The monitoring desk is for customs staff."))
    return monitor_feed(user, since=filters.since)


# ---------------------------------------------------------------------------------------------
# E-seals


@router.post("/eseals", response={201: ESealKeyOut}, summary="Register an e-seal")
def eseal_create(request: HttpRequest, payload: ESealIn) -> Any:
    """Customs staff register a seal (and the platform that owns it); the answer carries the
    seal's signing key, shown this once."""
    with transaction.atomic():
        seal = services.eseal_register(actor=user_of(request), **payload.dict())
        key = services.eseal_key_issue(actor=user_of(request), seal=seal)
    return Status(201, {**eseal_out(seal), "key": key})


@router.get("/eseals", response=list[ESealOut], summary="E-seals")
@paginate(Pagination)
def eseal_list(request: HttpRequest) -> Any:
    return [
        eseal_out(s) for s in ESeal.objects.select_related("owner").visible_to(user_of(request))
    ]


@router.post("/eseals/{device_id}/key", response=ESealKeyOut, summary="Issue a new key (rotate)")
def eseal_key(request: HttpRequest, device_id: str) -> Any:
    """A new signing key for the seal, shown this once; the old one is refused from now on.
    Customs staff, or the platform that owns the seal."""
    seal = eseal_get_for(user_of(request), device_id)
    key = services.eseal_key_issue(actor=user_of(request), seal=seal)
    seal.refresh_from_db()
    return {**eseal_out(seal), "key": key}


# ---------------------------------------------------------------------------------------------
# Movements


class MovementFilter(Schema):
    state: str | None = None


@router.post("/movements", response={201: MovementOut}, summary="Declare a transit movement")
def movement_create(request: HttpRequest, payload: MovementIn) -> Any:
    movement = services.movement_declare(actor=user_of(request), data=payload.to_input())
    user = user_of(request)
    return Status(201, movement_out(movement_get_for(user, movement.reference), user))


@router.get("/movements", response=list[MovementOut], summary="Transit movements you may see")
@paginate(Pagination)
def movement_list(request: HttpRequest, filters: Query[MovementFilter]) -> Any:
    qs = (
        TransitMovement.objects.select_related(
            "office_of_departure",
            "office_of_destination",
            "departure_zone",
            "destination_zone",
            "declaration",
        )
        .visible_to(user_of(request))
        .order_by("-declared_at", "-pk")
    )
    if filters.state:
        qs = qs.filter(state=filters.state)
    return [movement_out(m, user_of(request)) for m in qs[:500]]


@router.get("/movements/{reference}", response=MovementOut, summary="A transit movement")
def movement_detail(request: HttpRequest, reference: str) -> Any:
    return movement_out(movement_get_for(user_of(request), reference), user_of(request))


def _act(request: HttpRequest, reference: str, action: Any, **kw: Any) -> Any:
    movement = movement_get_for(user_of(request), reference)
    action(actor=user_of(request), movement=movement, **kw)
    return movement_out(movement_get_for(user_of(request), reference), user_of(request))


@router.post(
    "/movements/{reference}/seal", response=MovementOut, summary="Seal and release for transit"
)
def movement_seal(request: HttpRequest, reference: str, payload: SealIn) -> Any:
    return _act(request, reference, services.movement_seal, seals=payload.attachments())


@router.post("/movements/{reference}/depart", response=MovementOut, summary="Record the departure")
def movement_depart(request: HttpRequest, reference: str, payload: MovementAtIn) -> Any:
    return _act(request, reference, services.movement_depart, at=payload.at)


@router.post("/movements/{reference}/arrive", response=MovementOut, summary="Record the arrival")
def movement_arrive(request: HttpRequest, reference: str, payload: MovementAtIn) -> Any:
    return _act(request, reference, services.movement_arrive, at=payload.at)


@router.post(
    "/movements/{reference}/verify-seals",
    response=MovementOut,
    summary="Check the seals at destination",
)
def movement_verify(request: HttpRequest, reference: str, payload: VerifyIn) -> Any:
    return _act(request, reference, services.movement_seals_verify, checks=payload.to_checks())


@router.post("/movements/{reference}/close", response=MovementOut, summary="Close (write off)")
def movement_close(request: HttpRequest, reference: str, payload: MovementNoteIn) -> Any:
    return _act(request, reference, services.movement_close, note=payload.note)


@router.post(
    "/movements/{reference}/cancel", response=MovementOut, summary="Cancel before departure"
)
def movement_cancel(request: HttpRequest, reference: str, payload: MovementReasonIn) -> Any:
    return _act(request, reference, services.movement_cancel, reason=payload.reason)


@router.post(
    "/movements/{reference}/incidents", response={201: MovementOut}, summary="Record an incident"
)
def movement_incident(request: HttpRequest, reference: str, payload: IncidentIn) -> Any:
    return Status(
        201, _act(request, reference, services.movement_incident_record, **payload.dict())
    )


@router.get(
    "/movements/{reference}/track",
    response=list[TrackPointOut],
    summary="The positions of a movement",
)
def movement_track_api(request: HttpRequest, reference: str) -> Any:
    movement = movement_get_for(user_of(request), reference)
    return [
        {
            "seal": p.seal.device_id,
            "at": p.recorded_at,
            "lat": p.latitude,
            "lon": p.longitude,
            "speed_kn": p.speed_kn,
            "battery_pct": p.battery_pct,
            "alarm": p.alarm,
        }
        for p in movement_track(movement, viewer=user_of(request))
    ]
