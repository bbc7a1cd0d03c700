"""Days in the administration's local time (settings.TIME_ZONE, Asia/Ho_Chi_Minh by default).

A filter on whole local days is written as a range of instants, `[local_midnight(first),
local_midnight(last + 1 day))`, rather than with Django's `__date` lookup: the range is a plain
comparison an index on the timestamp serves, where `__date` converts every row's timestamp (on
SQLite through a Python function called once per row).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def local_midnight(day: date) -> datetime:
    """The aware datetime at which `day` starts in local time."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def local_day(moment: datetime) -> date:
    """The local calendar day of an aware instant."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def days_span(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants of the local days `first` to `last`, both included: `[start, end)`."""
    return local_midnight(first), local_midnight(last + timedelta(days=1))
