"""The notifications in the authorisation matrix: /api/v1/notifications.

- The catalogue of kinds is for every signed-in user.
- Subscriptions and notifications are the user's own: "own" is the world declarant's (Hoàng
  Long), "other" Minh Anh's declarant's; nobody else sees or changes them, administrators
  included.
- The pages: everyone signed in chooses how they are told; the webhook pages are for those who
  may have systems (traders and partner agencies; customs roles 403), each endpoint its
  owner's (404 to anyone else).
- Webhook endpoints belong to an enterprise and are managed by the people who act for it: its
  declarants (and, for a broker firm's own endpoints, its brokers). "own" is Hoàng Long's
  endpoint, "other" Minh Anh's. The broker works for Tân Phát, not for Hoàng Long: Hoàng
  Long's endpoints are not its to see. Customs roles manage none (404: an endpoint's
  existence is the enterprise's business).

A party's objects are made by the subjects inside each cell's savepoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from haiquan.eventlog import kinds
from haiquan.notifications import services
from haiquan.notifications.models import WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# notifications: the catalogue for everyone signed in; subscriptions and notifications the user's own
GET      /api/v1/notifications/kinds                          none              ok        ok      ok      ok      ok      ok      ok       401
GET      /api/v1/notifications/subscriptions                  nt:subscription   in/out    out/out out/out out/out out/out out/out out/out  401
PUT      /api/v1/notifications/subscriptions/{kind}           nt:kind           ok        ok      ok      ok      ok      ok      ok       401
POST     /api/v1/notifications/{notification_id}/read         nt:notification   ok/404    404/404 404/404 404/404 404/404 404/404 404/404  401
# webhook endpoints: the enterprise's declarants (a broker firm's brokers for the firm's own)
GET      /api/v1/notifications/webhooks                       nt:endpoint       in/out    out/out out/out out/out out/out out/out out/out  401
POST     /api/v1/notifications/webhooks                       nt:enterprise     ok/403    403/403 403/403 403/403 403/403 403/403 403/403  401
DELETE   /api/v1/notifications/webhooks/{endpoint_id}         nt:endpoint       ok/404    404/404 404/404 404/404 404/404 404/404 404/404  401
POST     /api/v1/notifications/webhooks/{endpoint_id}/enable  nt:endpoint       ok/404    404/404 404/404 404/404 404/404 404/404 404/404  401
GET      /api/v1/notifications/webhooks/{endpoint_id}/deliveries nt:endpoint    ok/404    404/404 404/404 404/404 404/404 404/404 404/404  401
POST     /api/v1/notifications/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver nt:delivery ok/404 404/404 404/404 404/404 404/404 404/404 404/404 401
# the pages: your choices for everyone signed in; systems for the traders (and agencies)
GET      /notifications/settings/                             page              ok        ok      ok      ok      ok      ok      ok       login
GET      /notifications/webhooks/                             page              ok        ok      403     403     403     403     403      login
GET      /notifications/webhooks/{pk}/                        nt:endpoint-page  ok/404    404/404 403/403 403/403 403/403 403/403 403/403  login
GET      /notifications/webhooks/{pk}/disable/                nt:endpoint-page  405/405   405/405 403/403 403/403 403/403 403/403 403/403  login
POST     /notifications/webhooks/{pk}/disable/                nt:endpoint-page  302/404   404/404 403/403 403/403 403/403 403/403 403/403  login
GET      /notifications/webhooks/{pk}/enable/                 nt:endpoint-page  405/405   405/405 403/403 403/403 403/403 403/403 403/403  login
POST     /notifications/webhooks/{pk}/enable/                 nt:endpoint-page  302/404   404/404 403/403 403/403 403/403 403/403 403/403  login
GET      /notifications/webhooks/{pk}/rotate/                 nt:endpoint-page  405/405   405/405 403/403 403/403 403/403 403/403 403/403  login
POST     /notifications/webhooks/{pk}/rotate/                 nt:endpoint-page  302/404   404/404 403/403 403/403 403/403 403/403 403/403  login
GET      /notifications/webhooks/{pk}/deliveries/{delivery}/redeliver/ nt:delivery-page 405/405 405/405 403/403 403/403 403/403 403/403 403/403 login
POST     /notifications/webhooks/{pk}/deliveries/{delivery}/redeliver/ nt:delivery-page 302/404 404/404 403/403 403/403 403/403 403/403 403/403 login
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES: tuple[str, ...] = ("notifications",)
UNOWNED = frozenset({"nt:kind"})


def build(world: World) -> dict[str, Any]:
    return {}


def _target(**kw: Any) -> Target:
    from ..test_authz_matrix import Target

    return Target(**kw)


def _declarant(world: World, scope: str) -> Any:
    return world.users["declarant" if scope == "own" else "other_declarant"]


def _endpoint_of(world: World, scope: str) -> WebhookEndpoint:
    """The party's enterprise's endpoint (Hoàng Long's, or Minh Anh's), with one delivery."""
    party = world.party(scope)
    endpoint, _secret = services.endpoint_register(
        actor=_declarant(world, scope),
        enterprise_mst=party.enterprise.mst,
        url="http://127.0.0.1:9/hooks",
        description=f"ERP {scope}",
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint, kind=kinds.DECLARATION_CLEARED.code, ordering_key="x", body="{}"
    )
    return endpoint


def _endpoint(world: World, scope: str) -> Target:
    endpoint = _endpoint_of(world, scope)
    return _target(path={"endpoint_id": endpoint.pk}, listed=str(endpoint.pk))


def _delivery(world: World, scope: str) -> Target:
    endpoint = _endpoint_of(world, scope)
    delivery = endpoint.deliveries.get()
    return _target(path={"endpoint_id": endpoint.pk, "delivery_id": str(delivery.pk)})


def _delivery_page(world: World, scope: str) -> Target:
    endpoint = _endpoint_of(world, scope)
    return _target(path={"pk": endpoint.pk, "delivery": str(endpoint.deliveries.get().pk)})


def _subscription(world: World, scope: str) -> Target:
    sub = services.subscription_set(
        user=_declarant(world, scope),
        kind=kinds.DECLARATION_RELEASED.code,
        portal=True,
        email=False,
    )
    return _target(listed=str(sub.pk))


def _notification(world: World, scope: str) -> Target:
    (note,) = services.notification_send(
        kind="news.published", users=[_declarant(world, scope)], title="Tin mới"
    )
    return _target(path={"notification_id": note.pk})


SUBJECTS: dict[str, Callable[[World, str], Target]] = {
    "nt:kind": lambda w, s: _target(path={"kind": kinds.DECLARATION_CLEARED.code}),
    "nt:subscription": _subscription,
    "nt:notification": _notification,
    "nt:endpoint": _endpoint,
    "nt:delivery": _delivery,
    "nt:endpoint-page": lambda w, s: _target(path={"pk": _endpoint_of(w, s).pk}),
    "nt:delivery-page": _delivery_page,
    "nt:enterprise": lambda w, s: _target(
        body={"enterprise_mst": w.party(s).enterprise.mst, "url": "http://127.0.0.1:9/hooks"}
    ),
}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    ("PUT", "/api/v1/notifications/subscriptions/{kind}"): lambda w, s: {
        "portal": True,
        "email": False,
    },
}
