"""Server time is the truth: the times operators (and officers) report are checked against the
server's clock before they are taken.

A reported time is accepted only within REPORTED_TIME_PAST_MINUTES before now and
REPORTED_TIME_FUTURE_MINUTES after it (a gate system's clock a little off, a report sent a few
minutes late), and never before the step it follows (a get-out before its get-in, an arrival
before the departure). The caller stores the reported time beside the server's and counts
deadlines from the server's. Used by gate events, bonded warehouse receipts and issues and
transit departures and arrivals.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import FieldProblem, ValidationFailed

from .conf import supervision_setting


def _shown(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def reported_time_problems(
    at: datetime,
    *,
    now: datetime,
    field: str,
    after: datetime | None = None,
    after_what: str = "",
) -> list[FieldProblem]:
    """What is wrong with a reported time `at` (an empty list when it may be taken)."""
    if timezone.is_naive(at):
        return [FieldProblem(field, _("give a time zone, e.g. +07:00 or Z"))]
    past = timedelta(minutes=int(supervision_setting("REPORTED_TIME_PAST_MINUTES")))
    future = timedelta(minutes=int(supervision_setting("REPORTED_TIME_FUTURE_MINUTES")))
    if at > now + future:
        return [
            FieldProblem(
                field,
                _("is in the future (the server's time is %(now)s)") % {"now": _shown(now)},
                "future",
            )
        ]
    if at < now - past:
        return [
            FieldProblem(
                field,
                _(
                    "is more than %(n)d minutes before the server's time (%(now)s): report "
                    "events as they happen; a customs officer records older ones as an incident"
                )
                % {"n": int(past.total_seconds() // 60), "now": _shown(now)},
                "too-old",
            )
        ]
    if after is not None and at < after:
        return [
            FieldProblem(
                field,
                _("is before %(what)s (%(at)s)") % {"what": after_what, "at": _shown(after)},
                "out-of-order",
            )
        ]
    return []


def reported_time_check(
    at: datetime | None,
    *,
    now: datetime,
    field: str,
    after: datetime | None = None,
    after_what: str = "",
) -> datetime:
    """The reported time if it may be taken (now when none was reported), or ValidationFailed."""
    moment = at or now
    errors = reported_time_problems(
        moment, now=now, field=field, after=after, after_what=after_what
    )
    if errors:
        raise ValidationFailed(errors)
    return moment
