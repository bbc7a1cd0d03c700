"""Turning events into notifications: the worker's first step.

The event log is the transactional outbox. An event is written in the transaction of its
change, so one rolled back leaves nothing to send and one committed cannot be lost; the filing
pays no statement for its notifications. The worker reads the events after its cursor in id
order, and in one transaction writes the notifications, the e-mails and the webhook
deliveries they make and moves the cursor: a worker killed half-way leaves nothing half-done.

Ids are taken before their transaction commits, so an id above the cursor may be missing
now and appear later (its transaction still open) or never (rolled back). The cursor stops at
the first missing id until no transaction that could still write it is running: on PostgreSQL,
until every transaction of this database that was writing when the gap was first seen
(pg_stat_activity's pid and xid, noted then) has ended, and at least GAP_GRACE_SECONDS have
passed (a transaction that took its id but had not yet written anything); elsewhere (SQLite: one
writer at a time), after GAP_GRACE_SECONDS. The first run starts at the end of the log.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Office

from .catalogue import CATALOGUE, EVENT_KINDS, NotificationKind
from .choices import Audience
from .conf import notify_setting
from .models import DispatchCursor, EmailDelivery, Notification, WebhookDelivery, WebhookEndpoint
from .services import preferences, webhook_body
from .subjects import Subject, subjects_agencies, subjects_resolve

CURSOR = "events"


def _cursor() -> DispatchCursor:
    """The cursor, locked. Made at the first run at the end of the log as it is then: an
    installation starts telling from now on, not about its history."""
    row = DispatchCursor.objects.select_for_update().filter(name=CURSOR).first()
    if row is None:
        start = _log_end()
        DispatchCursor.objects.get_or_create(name=CURSOR, defaults={"position": start})
        row = DispatchCursor.objects.select_for_update().get(name=CURSOR)
    return row


def _log_end() -> int:
    """The last id given to an event: on PostgreSQL the sequence's (ids taken by transactions
    rolled back or still open count as history too), elsewhere the last row's."""
    last = Event.objects.aggregate(m=Max("id"))["m"] or 0
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            sequence = connection.introspection.get_sequences(c, Event._meta.db_table)[0]["name"]
            # The name comes from the catalogue, quoted: not from any input.
            c.execute("SELECT last_value FROM " + connection.ops.quote_name(sequence))  # noqa: S608
            last = max(last, int(c.fetchone()[0]))
    return int(last)


def _running_now() -> list[list[str]]:
    """The transactions of this database that have written something and not yet ended, but
    this one's (the worker writes no events): (pid, xid) pairs. Other databases on the same
    server do not hold ids of this log, so their transactions are not waited for."""
    with connection.cursor() as c:
        c.execute(
            "SELECT pid::text, backend_xid::text FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_xid IS NOT NULL"
            " AND pid <> pg_backend_pid()"
        )
        return [[str(pid), str(xid)] for pid, xid in c.fetchall()]


def _gap_closed(cursor: DispatchCursor, missing: int) -> bool:
    """Whether the missing id can no longer appear; notes the gap when first seen."""
    now = timezone.now()
    if cursor.gap_id != missing:
        cursor.gap_id = missing
        cursor.gap_seen_at = now
        cursor.gap_waiting = _running_now() if connection.vendor == "postgresql" else []
        return False
    grace = timedelta(seconds=float(notify_setting("GAP_GRACE_SECONDS")))
    if cursor.gap_seen_at is None or now - cursor.gap_seen_at < grace:
        return False
    if connection.vendor == "postgresql" and cursor.gap_waiting:
        still = {tuple(t) for t in _running_now()}
        return not any(tuple(t) in still for t in cursor.gap_waiting)
    return True


def dispatch_once(*, limit: int | None = None) -> int:
    """Turn the next events into notifications; how many events were passed (0: caught up,
    or waiting on a gap, or another worker is at it)."""
    limit = limit or int(notify_setting("BATCH"))
    with transaction.atomic():
        try:
            cursor = _cursor()
        except Exception:  # pragma: no cover - raced creation: the other worker goes on
            return 0
        events = list(Event.objects.filter(id__gt=cursor.position).order_by("id")[:limit])
        taken: list[Event] = []
        expected = cursor.position + 1
        for event in events:
            if event.id != expected and not _gap_closed(cursor, expected):
                break
            taken.append(event)
            expected = event.id + 1
        if taken:
            _fan_out([e for e in taken if e.kind in EVENT_KINDS])
            cursor.position = taken[-1].id
            cursor.gap_id = cursor.gap_seen_at = None
            cursor.gap_waiting = []
        cursor.updated_at = timezone.now()
        cursor.save()
        return len(taken)


def dispatch_lag() -> int:
    """Events written and not yet passed by the worker (for /metrics)."""
    row = DispatchCursor.objects.filter(name=CURSOR).first()
    last = Event.objects.aggregate(m=Max("id"))["m"] or 0
    return max(0, last - (row.position if row else last))


def _traders(
    subjects: dict[tuple[str, int], Subject],
) -> tuple[dict[int, list[User]], dict[int, list[User]]]:
    """The declarants of each enterprise and the brokers of each broker firm named."""
    enterprise_ids = {e for s in subjects.values() for e in s.enterprise_ids}
    broker_ids = {e for s in subjects.values() for e in s.broker_ids}
    declarants: dict[int, list[User]] = defaultdict(list)
    brokers: dict[int, list[User]] = defaultdict(list)
    if enterprise_ids:
        through = User.enterprises.through.objects.filter(
            enterprise_id__in=enterprise_ids,
            user__role=Role.DECLARANT,
            user__is_active=True,
        ).select_related("user")
        for link in through:
            declarants[link.enterprise_id].append(link.user)
    if broker_ids:
        for user in User.objects.filter(
            enterprise_id__in=broker_ids, role=Role.BROKER, is_active=True
        ):
            assert user.enterprise_id is not None
            brokers[user.enterprise_id].append(user)
    return declarants, brokers


def _officers(office_codes: set[str]) -> dict[str, list[User]]:
    """The officers and leaders of each office and of the offices above it."""
    offices = {o.code: o for o in Office.objects.filter(code__in=office_codes)}
    chains = {
        code: [c for c in (o.path or f"/{code}/").strip("/").split("/") if c]
        for code, o in offices.items()
    }
    all_codes = {c for chain in chains.values() for c in chain}
    by_office: dict[str, set[int]] = defaultdict(set)
    users: dict[int, User] = {}
    through = User.offices.through.objects.filter(
        office__code__in=all_codes,
        user__role__in=(Role.OFFICER, Role.LEADER),
        user__is_active=True,
    ).select_related("user", "office")
    for link in through:
        by_office[link.office.code].add(link.user_id)
        users[link.user_id] = link.user
    return {
        code: [users[u] for u in sorted({u for c in chain for u in by_office[c]})]
        for code, chain in chains.items()
    }


def _fan_out(events: list[Event]) -> None:
    if not events:
        return
    subjects = _subjects(events)
    declarants, brokers = _traders(subjects)
    officers = _officers(
        {e.office_code for e in events if CATALOGUE[e.kind].audience == Audience.OFFICERS}
    )
    endpoints_by_enterprise = _endpoints_by_enterprise(subjects)
    agencies, endpoints_by_agency = _agencies(events)

    now = timezone.now()
    notes: list[Notification] = []
    mails: list[tuple[Notification, bool]] = []
    deliveries: list[WebhookDelivery] = []
    for i, event in enumerate(events):
        spec = CATALOGUE[event.kind]
        found = subjects.get((event.subject_type, event.subject_id))
        if found is None:
            continue
        subject = found
        stamp = now + timedelta(microseconds=i)  # keeps the events' order within the batch
        recipients: list[tuple[User, int | None]] = []
        if spec.audience == Audience.TRADERS:
            recipients += [(u, e) for e in subject.enterprise_ids for u in declarants.get(e, [])]
            recipients += [(u, e) for e in subject.broker_ids for u in brokers.get(e, [])]
        elif spec.audience == Audience.OFFICERS:
            recipients += [(u, None) for u in officers.get(event.office_code, [])]
        _notes_add(spec, event, subject, recipients, now, notes, mails)
        if spec.webhook:
            owners = (
                {*subject.enterprise_ids, *subject.broker_ids}
                if spec.audience == Audience.TRADERS
                else set()
            )
            endpoints = [e for o in sorted(owners) for e in endpoints_by_enterprise.get(o, [])]
            if spec.agencies:
                codes = agencies.get((event.subject_type, event.subject_id), frozenset())
                endpoints += [e for c in sorted(codes) for e in endpoints_by_agency.get(c, [])]
            deliveries += [
                _delivery(endpoint, event, subject, created_at=stamp, now=now)
                for endpoint in endpoints
                if endpoint.wants(spec.code)
            ]
    _fan_out_write(notes, mails, deliveries, now)


def _subjects(events: list[Event]) -> dict[tuple[str, int], Subject]:
    """What each event is about, by (subject type, id): one resolution per subject type."""
    by_type: dict[str, set[int]] = defaultdict(set)
    for e in events:
        by_type[e.subject_type].add(e.subject_id)
    subjects: dict[tuple[str, int], Subject] = {}
    for subject_type, ids in by_type.items():
        for sid, subject in subjects_resolve(subject_type, ids).items():
            subjects[(subject_type, sid)] = subject
    return subjects


def _endpoints_by_enterprise(
    subjects: dict[tuple[str, int], Subject],
) -> dict[int, list[WebhookEndpoint]]:
    """The enabled webhook endpoints of the enterprises and broker firms the subjects name."""
    endpoints_by_enterprise: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    owner_ids = {e for s in subjects.values() for e in (*s.enterprise_ids, *s.broker_ids)}
    for endpoint in WebhookEndpoint.objects.filter(
        enterprise_id__in=owner_ids, disabled_at__isnull=True
    ):
        assert endpoint.enterprise_id is not None
        endpoints_by_enterprise[endpoint.enterprise_id].append(endpoint)
    return endpoints_by_enterprise


def _notes_add(
    spec: NotificationKind,
    event: Event,
    subject: Subject,
    recipients: list[tuple[User, int | None]],
    now: datetime,
    notes: list[Notification],
    mails: list[tuple[Notification, bool]],
) -> None:
    """One notification per recipient who wants it (in the portal, by e-mail or both), once
    each, to `notes`; and to `mails` whether it is also mailed."""
    prefs = preferences(spec, recipients) if recipients else {}
    seen: set[int] = set()
    for user, _e in recipients:
        portal, email = prefs[user.pk]
        if user.pk in seen or not (portal or email):
            continue
        seen.add(user.pk)
        note = Notification(
            user=user,
            kind=spec.code,
            event_id=event.id,
            title=(spec.title % {"ref": subject.reference})[:255],
            title_template=spec.title,
            body=subject.detail,
            body_template=subject.detail,
            params={"ref": subject.reference},
            url=subject.url,
            created_at=event.occurred_at,
            read_at=None if portal else now,
        )
        notes.append(note)
        mails.append((note, email and bool(user.email)))


def _fan_out_write(
    notes: list[Notification],
    mails: list[tuple[Notification, bool]],
    deliveries: list[WebhookDelivery],
    now: datetime,
) -> None:
    Notification.objects.bulk_create(notes)
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(
                notification=n,
                address=n.user.email,
                language=n.user.language or settings.LANGUAGE_CODE,
                next_attempt_at=now,
            )
            for n, wanted in mails
            if wanted
        ]
    )
    WebhookDelivery.objects.bulk_create(deliveries)


def _agencies(
    events: list[Event],
) -> tuple[dict[tuple[str, int], frozenset[str]], dict[str, list[WebhookEndpoint]]]:
    """The agencies each subject concerns (for the kinds told to agencies), and their endpoints."""
    by_type: dict[str, set[int]] = defaultdict(set)
    for e in events:
        if CATALOGUE[e.kind].agencies and CATALOGUE[e.kind].webhook:
            by_type[e.subject_type].add(e.subject_id)
    agencies: dict[tuple[str, int], frozenset[str]] = {}
    for subject_type, ids in by_type.items():
        for sid, found in subjects_agencies(subject_type, ids).items():
            agencies[(subject_type, sid)] = found
    endpoints: dict[str, list[WebhookEndpoint]] = defaultdict(list)
    wanted = {c for cs in agencies.values() for c in cs}
    if wanted:
        for endpoint in WebhookEndpoint.objects.filter(
            agency_code__in=wanted, disabled_at__isnull=True
        ):
            endpoints[endpoint.agency_code].append(endpoint)
    return agencies, endpoints


def _delivery(
    endpoint: WebhookEndpoint,
    event: Event,
    subject: Subject,
    *,
    created_at: datetime,
    now: datetime,
) -> WebhookDelivery:
    delivery = WebhookDelivery(
        endpoint=endpoint,
        kind=event.kind,
        event_id=event.id,
        ordering_key=(subject.ordering_key or f"{event.subject_type}:{event.subject_id}")[:64],
        created_at=created_at,
        next_attempt_at=now,
    )
    delivery.body = webhook_body(
        delivery_id=str(delivery.id),
        kind=event.kind,
        occurred_at=event.occurred_at,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        reference=subject.reference,
        api_url=subject.api_url,
        event_id=event.id,
    )
    return delivery
