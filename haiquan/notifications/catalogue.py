"""The catalogue of notification kinds: every kind that haiquan tells people or systems about,
once, with who receives it and how by default.

A kind made from an event of the event log (`from_event`) has the event kind's code; the worker
turns each such event into notifications (`dispatch.py`). A kind sent directly by the part that
knows its recipients (an inquiry's answer, a news item) is sent with `services.notification_send`
and its code names it here too, so that subscriptions, e-mails and webhooks treat it the same.

Recipients (`Audience`):
- TRADERS: the people of the subject's enterprises: the declarants of the importer/exporter
  and the brokers of the firm that filed it (the subject's resolver says which, `subjects.py`),
  and those enterprises' webhook endpoints. Nobody else, whoever they are.
- OFFICERS: the officers and leaders of the event's office and of the offices above it.
- DIRECT: the sender names the users (and the enterprises whose endpoints hear of it).
- AGENCIES: the webhook endpoints of the partner agencies the subject concerns (the single
  window says which: those asked for a document on the declaration). A kind of another audience
  marked `agencies` is told to those endpoints too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from haiquan.eventlog import kinds

from .choices import Audience


@dataclass(frozen=True)
class NotificationKind:
    code: str
    label: Promise  # what a person reads for the kind (subscription settings)
    title: str  # the notification's title: a catalogue text (gettext_noop), %(ref)s the subject
    audience: Audience
    from_event: bool = True
    portal: bool = True  # default when nobody has said otherwise
    email: bool = True
    webhook: bool = True
    agencies: bool = False  # the concerned agencies' endpoints hear of it too


CATALOGUE: dict[str, NotificationKind] = {}


def _kind(
    code: str,
    label: Promise,
    title: str,
    audience: Audience,
    *,
    from_event: bool = True,
    email: bool = True,
    webhook: bool = True,
    agencies: bool = False,
) -> NotificationKind:
    if code in CATALOGUE:
        raise ValueError(f"notification kind {code} is in the catalogue twice")
    if from_event and code not in kinds.KINDS:
        raise ValueError(f"notification kind {code} names no event kind")
    kind = NotificationKind(
        code,
        label,
        title,
        audience,
        from_event=from_event,
        email=email,
        webhook=webhook,
        agencies=agencies or audience == Audience.AGENCIES,
    )
    CATALOGUE[code] = kind
    return kind


TRADERS, OFFICERS, DIRECT = Audience.TRADERS, Audience.OFFICERS, Audience.DIRECT
AGENCIES = Audience.AGENCIES

# The trader hears of its own declarations and applications.
_kind(
    str(kinds.DECLARATION_LANE_DECIDED),
    kinds.DECLARATION_LANE_DECIDED.label,
    gettext_noop("Declaration %(ref)s: lane decided"),
    TRADERS,
)
_kind(
    str(kinds.DECLARATION_DOCUMENT_CHECK_RECORDED),
    kinds.DECLARATION_DOCUMENT_CHECK_RECORDED.label,
    gettext_noop("Declaration %(ref)s: document check recorded"),
    TRADERS,
)
_kind(
    str(kinds.DECLARATION_INSPECTION_RECORDED),
    kinds.DECLARATION_INSPECTION_RECORDED.label,
    gettext_noop("Declaration %(ref)s: physical inspection recorded"),
    TRADERS,
)
_kind(
    str(kinds.DECLARATION_CLEARANCE_HELD),
    kinds.DECLARATION_CLEARANCE_HELD.label,
    gettext_noop("Declaration %(ref)s: clearance held by a partner agency"),
    TRADERS,
)
_kind(
    str(kinds.DECLARATION_CLEARED),
    kinds.DECLARATION_CLEARED.label,
    gettext_noop("Declaration %(ref)s cleared"),
    TRADERS,
    agencies=True,
)
_kind(
    str(kinds.DECLARATION_RELEASED),
    kinds.DECLARATION_RELEASED.label,
    gettext_noop("Declaration %(ref)s: goods released"),
    TRADERS,
    agencies=True,
)
_kind(
    str(kinds.DECLARATION_DOCUMENTS_REQUESTED),
    kinds.DECLARATION_DOCUMENTS_REQUESTED.label,
    gettext_noop("Declaration %(ref)s: customs requests documents"),
    TRADERS,
)
_kind(
    str(kinds.DECLARATION_DOCUMENTS_ACCEPTED),
    kinds.DECLARATION_DOCUMENTS_ACCEPTED.label,
    gettext_noop("Declaration %(ref)s: your answer to the request for documents was accepted"),
    TRADERS,
)
_kind(
    str(kinds.ESERVICE_FILING_DECIDED),
    kinds.ESERVICE_FILING_DECIDED.label,
    gettext_noop("Your application %(ref)s has been decided"),
    TRADERS,
)
# Officers hear of the alerts of their offices: e-seals (tampering, route, stops, late arrival)
# and gates (exit refused, goods past their storage time).
_kind(
    str(kinds.ALERT_RAISED),
    kinds.ALERT_RAISED.label,
    gettext_noop("Alert: %(ref)s"),
    OFFICERS,
    webhook=False,
)
# Officers of the declaration's office hear that a request for documents was answered, or is
# overdue.
_kind(
    str(kinds.DECLARATION_DOCUMENTS_ANSWERED),
    kinds.DECLARATION_DOCUMENTS_ANSWERED.label,
    gettext_noop("Declaration %(ref)s: the request for documents was answered"),
    OFFICERS,
    webhook=False,
)
_kind(
    str(kinds.DECLARATION_DOCUMENT_REQUEST_ESCALATED),
    kinds.DECLARATION_DOCUMENT_REQUEST_ESCALATED.label,
    gettext_noop("Declaration %(ref)s: the request for documents is overdue"),
    OFFICERS,
    webhook=False,
)
# Partner agencies' systems hear that customs asks them for a permit or an inspection result.
_kind(
    str(kinds.SINGLEWINDOW_REQUESTED),
    kinds.SINGLEWINDOW_REQUESTED.label,
    gettext_noop("Declaration %(ref)s: a permit or inspection result is requested"),
    AGENCIES,
    email=False,
)
# Sent by the portal, which names the recipients.
_kind(
    str(kinds.INQUIRY_ANSWERED),
    kinds.INQUIRY_ANSWERED.label,
    "",
    DIRECT,
    from_event=False,
)
_kind(
    str(kinds.INQUIRY_ROUTED),
    _("Inquiry given to you to answer"),
    "",
    DIRECT,
    from_event=False,
    webhook=False,
)
_kind(
    str(kinds.INQUIRY_REPLIED),
    kinds.INQUIRY_REPLIED.label,
    "",
    DIRECT,
    from_event=False,
    webhook=False,
)
_kind(
    str(kinds.INQUIRY_ESCALATED),
    _("Inquiry past its time limit"),
    "",
    DIRECT,
    from_event=False,
    webhook=False,
)
NEWS_PUBLISHED = _kind(
    "news.published", _("News and policy notices"), "", DIRECT, from_event=False, webhook=False
)

EVENT_KINDS = frozenset(k.code for k in CATALOGUE.values() if k.from_event)
WEBHOOK_KINDS = tuple(
    sorted(k.code for k in CATALOGUE.values() if k.webhook and k.audience != Audience.AGENCIES)
)
AGENCY_WEBHOOK_KINDS = tuple(sorted(k.code for k in CATALOGUE.values() if k.webhook and k.agencies))


def kind_get(code: str) -> NotificationKind | None:
    return CATALOGUE.get(code)
