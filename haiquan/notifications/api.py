"""The notifications API, mounted at /api/v1/notifications: the catalogue of kinds, your
subscriptions, one notification read, and your enterprise's (or your partner agency's) webhook
endpoints with their delivery logs and redelivery. Thin: parse, call a service or a selector, answer."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from haiquan.accounts.apiauth import API_AUTH
from haiquan.core.api import ObjectId, Pagination
from haiquan.core.problems import NotFound
from haiquan.core.web import user_of

from . import services
from .catalogue import CATALOGUE
from .models import Subscription, WebhookDelivery, WebhookEndpoint
from .selectors import attempts_of, deliveries_of

router = Router(tags=["Notifications and webhooks"], auth=API_AUTH)


class KindOut(Schema):
    code: str
    label: str
    recipients: str
    portal: bool
    email: bool
    webhook: bool


class NotificationSubscriptionIn(Schema):
    portal: bool = True
    email: bool = True


class NotificationSubscriptionOut(Schema):
    id: int
    kind: str
    portal: bool
    email: bool


class EndpointIn(Schema):
    # The owner: one of your enterprises, or the partner agency you act for.
    enterprise_mst: str = Field("", max_length=14)
    agency_code: str = Field("", max_length=20)
    url: str = Field(max_length=500)
    kinds: list[str] = Field(default_factory=list, max_length=50)
    description: str = Field("", max_length=200)


class EndpointOut(Schema):
    id: int
    enterprise_mst: str | None
    agency_code: str
    url: str
    kinds: list[str]
    description: str
    created_at: datetime
    failing_since: datetime | None
    disabled_at: datetime | None


class EndpointCreatedOut(EndpointOut):
    secret: str


class AttemptOut(Schema):
    at: datetime
    ok: bool | None
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: UUID
    kind: str
    event_id: int | None
    state: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime
    last_status: int | None
    log: list[AttemptOut]


def _endpoint_out(e: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": e.pk,
        "enterprise_mst": e.enterprise.mst if e.enterprise else None,
        "agency_code": e.agency_code,
        "url": e.url,
        "kinds": e.kinds,
        "description": e.description,
        "created_at": e.created_at,
        "failing_since": e.failing_since,
        "disabled_at": e.disabled_at,
    }


def _delivery_out(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.kind,
        "event_id": d.event_id,
        "state": d.state,
        "attempts": d.attempts,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
        "next_attempt_at": d.next_attempt_at,
        "last_status": d.last_status,
        "log": [
            {
                "at": a.at,
                "ok": a.ok,
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in attempts_of(d)
        ],
    }


@router.get("/kinds", response=list[KindOut], summary="The kinds of notification and who gets them")
def kind_list(request: HttpRequest) -> Any:
    from .choices import Audience

    return [
        {
            "code": k.code,
            "label": str(k.label),
            "recipients": str(Audience(k.audience).label),
            "portal": k.portal,
            "email": k.email,
            "webhook": k.webhook,
        }
        for k in CATALOGUE.values()
    ]


@router.get(
    "/subscriptions", response=list[NotificationSubscriptionOut], summary="Your choices by kind"
)
def subscription_list(request: HttpRequest) -> Any:
    return list(Subscription.objects.filter(user=user_of(request)).order_by("kind"))


@router.put(
    "/subscriptions/{kind}",
    response=NotificationSubscriptionOut,
    summary="Choose how you hear of a kind",
)
def subscription_put(request: HttpRequest, kind: str, payload: NotificationSubscriptionIn) -> Any:
    return services.subscription_set(
        user=user_of(request), kind=kind, portal=payload.portal, email=payload.email
    )


@router.post(
    "/{notification_id}/read", response={204: None}, summary="Mark one of your notifications read"
)
def notification_read(request: HttpRequest, notification_id: ObjectId) -> Any:
    user = user_of(request)
    if not services.notification_mark_read(user=user, notification_id=notification_id):
        from .models import Notification

        if not Notification.objects.filter(user=user, pk=notification_id).exists():
            raise NotFound(f"notification {notification_id} not found")
    return Status(204, None)


@router.get("/webhooks", response=list[EndpointOut], summary="Your enterprises' webhook endpoints")
def endpoint_list(request: HttpRequest) -> Any:
    return [_endpoint_out(e) for e in services.endpoints_of(user_of(request))]


@router.post(
    "/webhooks",
    response={201: EndpointCreatedOut},
    summary="Register a webhook endpoint (the signing secret is shown once)",
)
def endpoint_create(request: HttpRequest, payload: EndpointIn) -> Any:
    endpoint, secret = services.endpoint_register(
        actor=user_of(request),
        enterprise_mst=payload.enterprise_mst,
        agency_code=payload.agency_code,
        url=payload.url,
        kinds=payload.kinds,
        description=payload.description,
    )
    return Status(201, {**_endpoint_out(endpoint), "secret": secret})


@router.delete("/webhooks/{endpoint_id}", response={204: None}, summary="Remove an endpoint")
def endpoint_delete(request: HttpRequest, endpoint_id: ObjectId) -> Any:
    services.endpoint_delete(actor=user_of(request), endpoint_id=endpoint_id)
    return Status(204, None)


@router.post(
    "/webhooks/{endpoint_id}/enable",
    response=EndpointOut,
    summary="Enable an endpoint again after it was disabled for failing",
)
def endpoint_enable(request: HttpRequest, endpoint_id: ObjectId) -> Any:
    return _endpoint_out(services.endpoint_enable(actor=user_of(request), endpoint_id=endpoint_id))


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    response=list[DeliveryOut],
    summary="An endpoint's delivery log, newest first, with every attempt's response code",
)
@paginate(Pagination)
def delivery_list(request: HttpRequest, endpoint_id: ObjectId) -> Any:
    endpoint = services.endpoint_get_for(user_of(request), endpoint_id)
    return [_delivery_out(d) for d in deliveries_of(endpoint)]


@router.post(
    "/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut},
    summary="Send a delivery again (same delivery id)",
)
def delivery_redeliver(request: HttpRequest, endpoint_id: ObjectId, delivery_id: UUID) -> Any:
    endpoint = services.endpoint_get_for(user_of(request), endpoint_id)
    if not endpoint.deliveries.filter(pk=delivery_id).exists():
        raise NotFound(f"delivery {delivery_id} not found")
    delivery = services.delivery_redeliver(actor=user_of(request), delivery_id=str(delivery_id))
    return Status(202, _delivery_out(delivery))
