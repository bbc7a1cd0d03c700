"""News and policy notices, and subscriptions by topic or HS chapter: a notice reaches its
subscribers in the portal and, when they asked for it, by e-mail."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from haiquan.accounts.models import User
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ValidationFailed
from haiquan.notifications.catalogue import NEWS_PUBLISHED

from .choices import NewsKind, Topic
from .models import NewsItem, Subscription
from .notifications import Text, notify
from .permissions import manages_partnership

_CHAPTER = re.compile(r"^\d{2}$")


# The kinds' words as the catalogues hold them: each reader reads them in their language.
_KIND_TEXTS = {NewsKind.NEWS: gettext_noop("News"), NewsKind.POLICY: gettext_noop("Policy notice")}


def _kind_text(kind: str) -> Text:
    return Text(_KIND_TEXTS[NewsKind(kind)])


def _chapters(values: list[str], field: str, errors: list[FieldProblem]) -> list[str]:
    out = []
    for v in values:
        v = str(v).strip().zfill(2) if str(v).strip().isdigit() else str(v).strip()
        if not _CHAPTER.match(v) or not 1 <= int(v) <= 97:
            errors.append(FieldProblem(field, _("HS chapters are 01 to 97")))
        else:
            out.append(v)
    return sorted(set(out))


def news_publish(
    *,
    actor: User,
    kind: str,
    title: str,
    body: str,
    topics: list[str],
    hs_chapters: list[str] | None = None,
) -> NewsItem:
    """Publish a notice and deliver it to everyone subscribed to one of its topics or chapters."""
    if not manages_partnership(actor):
        raise Forbidden(_("News is published by leaders."))
    errors: list[FieldProblem] = []
    if kind not in NewsKind.values:
        errors.append(FieldProblem("kind", _("unknown kind")))
    if not title.strip():
        errors.append(FieldProblem("title", _("this field is required"), "required"))
    if not body.strip():
        errors.append(FieldProblem("body", _("this field is required"), "required"))
    bad = [t for t in topics if t not in Topic.values]
    if bad:
        errors.append(FieldProblem("topics", _("unknown topic(s): %(t)s") % {"t": ", ".join(bad)}))
    chapters = _chapters(hs_chapters or [], "hs_chapters", errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        item = NewsItem.objects.create(
            kind=kind,
            title=title.strip(),
            body=body.strip(),
            topics=sorted(set(topics)),
            hs_chapters=chapters,
            created_by=actor,
        )
        subs = list(
            Subscription.objects.filter(
                Q(topic__in=item.topics) | Q(hs_chapter__in=item.hs_chapters)
            ).select_related("user")
        )
        users = [s.user for s in subs]
        email_users = [s.user for s in subs if s.by_email]
        notify(
            kind=NEWS_PUBLISHED.code,
            users=users,
            title=item.title,
            body=_kind_text(item.kind),
            url=reverse("portal:news_detail", args=[item.pk]),
            email_users=email_users,
        )
    return item


def subscription_add(
    *, user: User, topic: str = "", hs_chapter: str = "", by_email: bool = True
) -> Subscription:
    errors: list[FieldProblem] = []
    if bool(topic) == bool(hs_chapter):
        errors.append(FieldProblem("topic", _("choose a topic or an HS chapter"), "required"))
    if topic and topic not in Topic.values:
        errors.append(FieldProblem("topic", _("unknown topic")))
    chapters = _chapters([hs_chapter], "hs_chapter", errors) if hs_chapter else []
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            return Subscription.objects.create(
                user=user,
                topic=topic,
                hs_chapter=chapters[0] if chapters else "",
                by_email=by_email,
            )
    except IntegrityError as exc:
        raise Conflict(_("You are already subscribed to this."), code="duplicate") from exc


def subscription_remove(*, user: User, subscription_id: int) -> None:
    Subscription.objects.filter(user=user, pk=subscription_id).delete()


def news_for(*, topic: str = "", hs_chapter: str = "", limit: int = 100) -> list[NewsItem]:
    """The latest notices, optionally of one topic or HS chapter."""
    items = list(NewsItem.objects.all()[: limit * 5 if topic or hs_chapter else limit])
    if topic:
        items = [n for n in items if topic in n.topics]
    if hs_chapter:
        items = [n for n in items if hs_chapter in n.hs_chapters]
    return items[:limit]
