"""Writes of the notifications: sending (portal rows and the outbox of e-mails and webhook
calls, in the caller's transaction), subscriptions, webhook endpoints, redelivery."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.core.problems import FieldProblem, Forbidden, NotFound, ValidationFailed
from haiquan.refdata.models import Enterprise

from .catalogue import AGENCY_WEBHOOK_KINDS, CATALOGUE, WEBHOOK_KINDS, NotificationKind
from .choices import DeliveryState
from .models import (
    EmailDelivery,
    Notification,
    Subscription,
    WebhookDelivery,
    WebhookEndpoint,
)
from .subjects import agencies_of_user
from .urlcheck import url_problem


@dataclass(frozen=True)
class Text:
    """A message of the catalogues (marked with gettext_noop) and the values it takes."""

    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        return gettext(self.template) % self.params if self.params else gettext(self.template)


def _shown(value: str | Text) -> str:
    return value.render() if isinstance(value, Text) else value


# --- who hears, and how -----------------------------------------------------------------------


def preferences(
    kind: NotificationKind, recipients: Sequence[tuple[User, int | None]]
) -> dict[int, tuple[bool, bool]]:
    """(in the portal, by e-mail) for each recipient, who hears through an enterprise (or None):
    the user's own subscription, else that enterprise's, else the catalogue's default."""
    user_ids = {u.pk for u, _e in recipients}
    enterprise_ids = {e for _u, e in recipients if e is not None}
    rows = Subscription.objects.filter(
        Q(user_id__in=user_ids) | Q(enterprise_id__in=enterprise_ids), kind=kind.code
    ).values_list("user_id", "enterprise_id", "portal", "email")
    by_user = {u: (p, m) for u, e, p, m in rows if u is not None}
    by_enterprise = {e: (p, m) for u, e, p, m in rows if e is not None}
    out: dict[int, tuple[bool, bool]] = {}
    for user, enterprise_id in recipients:
        default = (kind.portal, kind.email)
        choice = by_user.get(user.pk) or by_enterprise.get(enterprise_id or -1) or default
        if user.pk in out:  # heard through two enterprises: either one's yes is a yes
            out[user.pk] = (out[user.pk][0] or choice[0], out[user.pk][1] or choice[1])
        else:
            out[user.pk] = choice
    return out


def _endpoints_for(kind: str, enterprise_ids: Iterable[int]) -> list[WebhookEndpoint]:
    ids = set(enterprise_ids)
    if not ids:
        return []
    return [
        e
        for e in WebhookEndpoint.objects.filter(enterprise_id__in=ids, disabled_at__isnull=True)
        if e.wants(kind)
    ]


def webhook_body(
    *,
    delivery_id: str,
    kind: str,
    occurred_at: datetime,
    subject_type: str,
    subject_id: int | None,
    reference: str,
    api_url: str = "",
    event_id: int | None = None,
) -> str:
    """The JSON body systems receive: what happened to what, and where to read it. No more than
    that (the event's own data may hold customs' reasons), so a receiver fetches the rest with
    its own token through the API."""
    return json.dumps(
        {
            "id": delivery_id,
            "kind": kind,
            "event_id": event_id,
            "occurred_at": occurred_at.isoformat(),
            "subject": {
                "type": subject_type,
                "id": subject_id,
                "reference": reference,
                "url": api_url,
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def notification_send(
    *,
    kind: str,
    users: Iterable[User | None],
    title: str | Text,
    body: str | Text = "",
    url: str = "",
    email_users: Iterable[User | None] | None = None,
    enterprises: Iterable[Enterprise] = (),
    subject_type: str = "",
    subject_id: int | None = None,
    reference: str = "",
) -> list[Notification]:
    """Tell users of a kind of the catalogue sent by its part (not from an event): a portal
    notification each (once each) unless they unsubscribed, and an e-mail to `email_users`
    (default: the same users) that have an address and did not turn e-mail off; the
    `enterprises`' webhook endpoints hear of it too. Everything is written in the caller's
    transaction and leaves only through the worker, once it has committed."""
    spec = CATALOGUE[kind]
    unique = {u.pk: u for u in users if u is not None and u.is_active}
    prefs = preferences(spec, [(u, u.enterprise_id) for u in unique.values()])
    now = timezone.now()
    rows = _notes_create(kind, unique, prefs, title=title, body=body, url=url, now=now)
    _mails_queue(rows, unique, prefs, email_users)
    # Read in the portal only when asked for there: an e-mail-only choice leaves the row read.
    unread_off = [n.pk for n in rows if not prefs[n.user_id][0]]
    if unread_off:
        Notification.objects.filter(pk__in=unread_off).update(read_at=now)
    if spec.webhook:
        _webhooks_queue(
            kind,
            enterprises,
            now=now,
            subject_type=subject_type,
            subject_id=subject_id,
            reference=reference,
        )
    return rows


def _notes_create(
    kind: str,
    unique: dict[int, User],
    prefs: dict[int, tuple[bool, bool]],
    *,
    title: str | Text,
    body: str | Text,
    url: str,
    now: datetime,
) -> list[Notification]:
    """A notification for each user who wants it in the portal or by e-mail, its text in the
    installation's language (and its template and parameters, to show it in the reader's)."""
    params = {
        **(title.params if isinstance(title, Text) else {}),
        **(body.params if isinstance(body, Text) else {}),
    }
    with translation.override(settings.LANGUAGE_CODE):
        title_text, body_text = _shown(title)[:255], _shown(body)
    return Notification.objects.bulk_create(
        [
            Notification(
                user=u,
                kind=kind,
                title=title_text,
                body=body_text,
                title_template=title.template if isinstance(title, Text) else "",
                body_template=body.template if isinstance(body, Text) else "",
                params=params,
                url=url,
                created_at=now,
            )
            for u in unique.values()
            if prefs[u.pk][0] or prefs[u.pk][1]
        ]
    )


def _mails_queue(
    rows: list[Notification],
    unique: dict[int, User],
    prefs: dict[int, tuple[bool, bool]],
    email_users: Iterable[User | None] | None,
) -> None:
    """An e-mail for each notification of a user to be mailed who has an address and wants it."""
    mail_to = (
        set(unique)
        if email_users is None
        else {u.pk for u in email_users if u is not None and u.pk in unique}
    )
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(
                notification=n,
                address=n.user.email,
                language=n.user.language or settings.LANGUAGE_CODE,
            )
            for n in rows
            if n.user.email and n.user_id in mail_to and prefs[n.user_id][1]
        ]
    )


def _webhooks_queue(
    kind: str,
    enterprises: Iterable[Enterprise],
    *,
    now: datetime,
    subject_type: str,
    subject_id: int | None,
    reference: str,
) -> None:
    """A delivery to each of the enterprises' webhook endpoints that hear of the kind."""
    deliveries = []
    for endpoint in _endpoints_for(kind, (e.pk for e in enterprises)):
        delivery = WebhookDelivery(endpoint=endpoint, kind=kind, created_at=now)
        delivery.ordering_key = f"{subject_type}:{subject_id}"[:64]
        delivery.body = webhook_body(
            delivery_id=str(delivery.id),
            kind=kind,
            occurred_at=now,
            subject_type=subject_type,
            subject_id=subject_id,
            reference=reference,
        )
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


# --- subscriptions ------------------------------------------------------------------------------


def subscription_set(*, user: User, kind: str, portal: bool, email: bool) -> Subscription:
    """The user's choice for one kind of the catalogue (a kind it can receive)."""
    if kind not in CATALOGUE:
        raise ValidationFailed(
            [FieldProblem("kind", _("unknown notification kind"), "invalid_choice")]
        )
    sub, _created = Subscription.objects.update_or_create(
        user=user, kind=kind, defaults={"portal": portal, "email": email}
    )
    return sub


# --- webhook endpoints --------------------------------------------------------------------------

DISABLED_BY_OWNER = gettext_noop("Disabled by its owner")


def enterprises_managed_by(user: User) -> list[Enterprise]:
    """The enterprises whose webhook endpoints the user manages: a declarant's enterprises, a
    broker's own firm."""
    if not user.is_active:
        return []
    if user.role == Role.DECLARANT:
        return list(user.enterprises.all())
    if user.role == Role.BROKER and user.enterprise_id:
        return [Enterprise.objects.get(pk=user.enterprise_id)]
    return []


def endpoint_register(
    *,
    actor: User,
    url: str,
    enterprise_mst: str = "",
    agency_code: str = "",
    kinds: list[str] | None = None,
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Register a system of the actor's enterprise (or of the partner agency it acts for) to be
    told of its events; the signing secret is returned once (only its holder can verify the
    bodies). An agency's system hears only of the kinds told to agencies."""
    enterprise: Enterprise | None = None
    if agency_code:
        if agency_code not in {code for code, _name in agencies_of_user(actor)}:
            raise Forbidden(_("You do not manage the systems of this agency."))
    else:
        enterprise = next(
            (e for e in enterprises_managed_by(actor) if e.mst == enterprise_mst), None
        )
        if enterprise is None:
            raise Forbidden(_("You do not manage the systems of this enterprise."))
    errors: list[FieldProblem] = []
    problem = url_problem(url.strip())
    if problem:
        errors.append(FieldProblem("url", problem, "invalid"))
    sent = AGENCY_WEBHOOK_KINDS if agency_code else WEBHOOK_KINDS
    bad = [k for k in kinds or [] if k not in sent]
    if bad:
        errors.append(
            FieldProblem(
                "kinds",
                _("not a kind sent to systems: %(kinds)s") % {"kinds": ", ".join(bad)},
                "invalid_choice",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    secret = secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        enterprise=enterprise,
        agency_code=agency_code,
        url=url.strip(),
        secret=secret,
        kinds=sorted(set(kinds or [])),
        description=description.strip()[:200],
        created_by=actor,
    )
    return endpoint, secret


def endpoints_of(user: User) -> list[WebhookEndpoint]:
    """The endpoints the user manages: its enterprises' and its agency's, nobody else's."""
    ids = [e.pk for e in enterprises_managed_by(user)]
    codes = [code for code, _name in agencies_of_user(user)] if user.is_active else []
    return list(
        WebhookEndpoint.objects.filter(Q(enterprise_id__in=ids) | Q(agency_code__in=codes))
        .select_related("enterprise")
        .order_by("id")
    )


def endpoint_get_for(user: User, endpoint_id: int) -> WebhookEndpoint:
    for endpoint in endpoints_of(user):
        if endpoint.pk == endpoint_id:
            return endpoint
    raise NotFound(f"webhook endpoint {endpoint_id} not found")


def endpoint_enable(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    """Enable an endpoint again (after it was disabled for failing): what waits is sent."""
    endpoint = endpoint_get_for(actor, endpoint_id)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        disabled_at=None, disabled_reason="", failing_since=None
    )
    endpoint.refresh_from_db()
    return endpoint


def endpoint_disable(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    """Stop calling an endpoint (its owner's choice): what happens meanwhile waits, and is
    sent when it is enabled again."""
    endpoint = endpoint_get_for(actor, endpoint_id)
    if endpoint.disabled_at is None:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            disabled_at=timezone.now(), disabled_reason=DISABLED_BY_OWNER
        )
        endpoint.refresh_from_db()
    return endpoint


def endpoint_rotate_secret(*, actor: User, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, returned once; bodies are signed with it from the next call on
    (a secret that leaked is then worthless)."""
    endpoint = endpoint_get_for(actor, endpoint_id)
    secret = secrets.token_urlsafe(32)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret)
    endpoint.refresh_from_db()
    return endpoint, secret


def endpoint_delete(*, actor: User, endpoint_id: int) -> None:
    endpoint_get_for(actor, endpoint_id).delete()


def delivery_redeliver(*, actor: User, delivery_id: str) -> WebhookDelivery:
    """Send a delivery again now, with the same id (a receiver that processed it drops it)."""
    ids = [e.pk for e in endpoints_of(actor)]
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery_id, endpoint_id__in=ids)
            .first()
        )
        if delivery is None:
            raise NotFound(f"delivery {delivery_id} not found")
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["state", "next_attempt_at"])
    return delivery


def retry_delay(attempts: int, base: float, cap: float) -> timedelta:
    """Exponential back-off: base, 2×base, 4×base... at most cap, with ±10 % jitter so that
    receivers back from an outage are not hit by every sender at once."""
    seconds = min(cap, base * (2 ** max(0, attempts - 1)))
    jitter = seconds * 0.1 * (2 * secrets.randbelow(1000) / 1000 - 1)
    return timedelta(seconds=max(0.0, seconds + jitter))
