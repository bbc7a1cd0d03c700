"""Satisfaction ratings (đánh giá sự hài lòng): after a declaration is cleared or an inquiry
answered, the enterprise served may rate the service and the office once, 1 to 5, with reasons
and a comment. Leaders read the results per office and period; a single officer's results are
for leaders only."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.choices import NATIONWIDE_ROLES, Role
from haiquan.accounts.models import User
from haiquan.clearance.choices import Status
from haiquan.clearance.models import Declaration
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.eventlog.models import Event
from haiquan.refdata.models import Enterprise, Office

from .choices import InquiryStatus, RatedEvent, RatingReason, Side
from .models import Inquiry, Rating
from .permissions import (
    acts_for_enterprise,
    sees_officer_ratings,
    sees_rating_reports,
    works_office,
)

RATED_DECLARATION_STATUSES = frozenset({Status.CLEARED, Status.RELEASED})
COMMENT_MAX = 2000


@dataclass(frozen=True)
class RatingInput:
    score: int
    reasons: tuple[str, ...] = ()
    comment: str = ""
    declaration_id: int | None = None
    inquiry_reference: str = ""


def _declaration_officer(declaration: Declaration) -> User | None:
    """The officer who last acted on the declaration (checked, inspected or cleared it)."""
    event = (
        Event.objects.filter(
            declaration_id=declaration.pk, party=Party.CUSTOMS, actor__isnull=False
        )
        .select_related("actor")
        .order_by("-occurred_at", "-id")
        .first()
    )
    actor = event.actor if event is not None else None
    return actor if actor is not None and actor.role in (Role.OFFICER, Role.LEADER) else None


def _inquiry_officer(inquiry: Inquiry) -> User | None:
    message = (
        inquiry.messages.filter(side=Side.CUSTOMS)
        .select_related("author")
        .order_by("-created_at")
        .first()
    )
    return message.author if message is not None else inquiry.assignee


def rating_submit(*, actor: User, data: RatingInput) -> Rating:
    """Record a rating. Refused: a score outside 1-5 or an unknown reason (422); a subject
    that does not exist or that the actor may not see (404); an actor who sees it but was not
    the enterprise served, e.g. its broker's other principal or an officer (403); a declaration
    not yet cleared or an inquiry not yet answered, or an event already rated (409)."""
    comment = _rating_input_check(data)
    with transaction.atomic():
        if data.declaration_id is not None:
            rated = _declaration_rated(actor, data.declaration_id)
        else:
            rated = _inquiry_rated(actor, data.inquiry_reference)
        if rated.already:
            raise Conflict(
                _("This has already been rated: one rating per event."), code="already-rated"
            )
        rating = _rating_create(actor, data, comment, rated)
        kinds.RATING_SUBMITTED.record(
            subject_type="portal.rating",
            subject_id=rating.pk,
            party=Party.TRADER,
            actor=actor,
            declaration_id=rating.declaration_id,
            office_code=rated.office.code,
            data={"event": rated.event, "score": rating.score, "reasons": rating.reasons},
        )
    return rating


@dataclass(frozen=True)
class _Rated:
    """The event rated: its subject (the rating's field), kind, enterprise served, office and
    officer, and whether it has been rated already."""

    subject: dict[str, Any]
    event: str
    enterprise: Enterprise
    office: Office
    officer: User | None
    already: bool


def _rating_input_check(data: RatingInput) -> str:
    """Every problem with the rating's own fields; answers the comment, stripped."""
    errors: list[FieldProblem] = []
    if not isinstance(data.score, int) or not 1 <= data.score <= 5:
        errors.append(FieldProblem("score", _("a whole number from 1 to 5"), "out-of-range"))
    bad = [r for r in data.reasons if r not in RatingReason.values]
    if bad:
        errors.append(
            FieldProblem(
                "reasons",
                _("unknown reason(s) %(bad)s; choose from %(ok)s")
                % {"bad": ", ".join(bad), "ok": ", ".join(RatingReason.values)},
            )
        )
    comment = (data.comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors.append(FieldProblem("comment", _("at most %(n)d characters") % {"n": COMMENT_MAX}))
    if (data.declaration_id is None) == (not data.inquiry_reference):
        errors.append(
            FieldProblem("declaration_id", _("rate either a declaration or an inquiry"), "required")
        )
    if errors:
        raise ValidationFailed(errors)
    return comment


def _declaration_rated(actor: User, declaration_id: int) -> _Rated:
    """The declaration's clearance, locked, if the actor served may rate it."""
    declaration = (
        Declaration.objects.select_for_update(of=("self",))
        .filter(pk=declaration_id)
        .select_related("office", "enterprise")
        .first()
    )
    if declaration is None or not acts_for_enterprise(actor, declaration.enterprise):
        # Who may not even see the declaration learns nothing about it (404).
        if (
            declaration is None
            or not Declaration.objects.visible_to(actor).filter(pk=declaration.pk).exists()
        ):
            raise NotFound(_("No such declaration."))
        raise Forbidden(_("Only the enterprise served may rate this declaration."))
    if declaration.status not in RATED_DECLARATION_STATUSES:
        raise Conflict(_("A declaration can be rated once it is cleared."), code="not-rateable")
    return _Rated(
        subject={"declaration": declaration},
        event=RatedEvent.DECLARATION_CLEARED,
        enterprise=declaration.enterprise,
        office=declaration.office,
        officer=_declaration_officer(declaration),
        already=Rating.objects.filter(declaration=declaration).exists(),
    )


def _inquiry_rated(actor: User, reference: str) -> _Rated:
    """The inquiry's answer, locked, if the actor served may rate it."""
    inquiry = (
        Inquiry.objects.select_for_update(of=("self",))
        .filter(reference=reference)
        .select_related("office", "enterprise")
        .first()
    )
    if (
        inquiry is None
        or not Inquiry.objects.select_related("enterprise", "office", "assignee", "category")
        .visible_to(actor)
        .filter(pk=inquiry.pk)
        .exists()
    ):
        raise NotFound(_("No such inquiry."))
    if not acts_for_enterprise(actor, inquiry.enterprise):
        raise Forbidden(_("Only the enterprise served may rate this inquiry."))
    if inquiry.answered_at is None or inquiry.status not in (
        InquiryStatus.ANSWERED,
        InquiryStatus.CLOSED,
    ):
        raise Conflict(_("An inquiry can be rated once it is answered."), code="not-rateable")
    return _Rated(
        subject={"inquiry": inquiry},
        event=RatedEvent.INQUIRY_ANSWERED,
        enterprise=inquiry.enterprise,
        office=inquiry.office,
        officer=_inquiry_officer(inquiry),
        already=Rating.objects.filter(inquiry=inquiry).exists(),
    )


def _rating_create(actor: User, data: RatingInput, comment: str, rated: _Rated) -> Rating:
    """The rating saved; a concurrent rating of the same event that won is a conflict."""
    try:
        with transaction.atomic():
            return Rating.objects.create(
                event=rated.event,
                enterprise=rated.enterprise,
                office=rated.office,
                officer=rated.officer,
                score=data.score,
                reasons=list(dict.fromkeys(data.reasons)),
                comment=comment,
                rated_by=actor,
                **rated.subject,
            )
    except IntegrityError as exc:  # a concurrent rating of the same event won
        raise Conflict(
            _("This has already been rated: one rating per event."), code="already-rated"
        ) from exc


def rateable_declarations(user: User) -> QuerySet[Declaration]:
    """Cleared declarations of the user's enterprises not yet rated (for the "rate" prompts)."""
    from haiquan.accounts.selectors import enterprises_user_may_declare_for

    return Declaration.objects.filter(
        enterprise__in=enterprises_user_may_declare_for(user),
        status__in=list(RATED_DECLARATION_STATUSES),
        portal_rating__isnull=True,
    ).order_by("-cleared_at")


def declaration_rating_links(user: Any, declaration: Declaration) -> list[tuple[str, str]]:
    """ "Rate this clearance" on a declaration's page, for the trader it served, once cleared
    and while not yet rated."""
    if (
        not getattr(user, "is_trader", False)
        or declaration.status not in RATED_DECLARATION_STATUSES
    ):
        return []
    if not rateable_declarations(user).filter(pk=declaration.pk).exists():
        return []
    url = reverse("portal:rating_create") + f"?declaration={declaration.pk}"
    return [(str(_("Rate this clearance")), url)]


# --- The leaders' report ---------------------------------------------------------------------


@dataclass
class Row:
    """Results of one group (an office, a month, an officer)."""

    key: str
    label: str
    count: int = 0
    total: int = 0
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def average(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None

    @property
    def satisfied_share(self) -> float | None:
        """Share of 4s and 5s."""
        return (
            round((self.distribution[4] + self.distribution[5]) / self.count, 3)
            if self.count
            else None
        )

    @property
    def top_reasons(self) -> list[tuple[str, int]]:
        return self.reasons.most_common(3)

    def add(self, rating: Rating) -> None:
        self.count += 1
        self.total += rating.score
        self.distribution[rating.score] += 1
        self.reasons.update(rating.reasons)


@dataclass
class RatingReport:
    date_from: date
    date_to: date
    overall: Row
    offices: list[Row]
    months: list[Row]
    officers: list[Row] | None  # None: the reader may not see officers' results


def rating_report(
    *, user: User, date_from: date, date_to: date, office_code: str = ""
) -> RatingReport:
    """Ratings of the period [date_from, date_to] (local days) in the reader's offices: per
    office, per month, and — for leaders only — per officer."""
    if not sees_rating_reports(user):
        raise Forbidden(_("Rating results are for leaders."))
    if date_to < date_from:
        raise ValidationFailed([FieldProblem("date_to", _("must not be before the start date"))])
    if office_code:
        office = Office.objects.filter(code=office_code).first()
        if office is None:
            raise ValidationFailed(
                [FieldProblem("office_code", _("no customs office with this code"))]
            )
        if user.role not in NATIONWIDE_ROLES and not works_office(user, office):
            raise Forbidden(_("This office is outside your offices."))
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date_from, time.min), tz)
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)
    qs = (
        Rating.objects.select_related("office", "officer")
        .visible_to(user)
        .filter(created_at__gte=start, created_at__lt=end)
    )
    if office_code:
        qs = qs.filter(office__path__contains=f"/{office_code}/")
    overall = Row("all", _("All offices"))
    offices: dict[str, Row] = {}
    months: dict[str, Row] = defaultdict(lambda: Row("", ""))
    officers: dict[int, Row] = {}
    for r in qs.iterator(chunk_size=2000):
        overall.add(r)
        offices.setdefault(r.office.code, Row(r.office.code, r.office.name)).add(r)
        month = timezone.localtime(r.created_at, tz).strftime("%Y-%m")
        row = months[month]
        row.key = row.label = month
        row.add(r)
        if r.officer_id is not None and r.officer is not None:
            label = r.officer.get_full_name() or r.officer.get_username()
            officers.setdefault(r.officer_id, Row(r.officer.get_username(), label)).add(r)
    return RatingReport(
        date_from=date_from,
        date_to=date_to,
        overall=overall,
        offices=sorted(offices.values(), key=lambda r: r.key),
        months=[months[k] for k in sorted(months)],
        officers=(
            sorted(officers.values(), key=lambda r: (-(r.average or 0), r.key))
            if sees_officer_ratings(user)
            else None
        ),
    )
