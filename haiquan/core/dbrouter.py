"""Which database a query goes to: the primary, or the standby that streams from it.

Every write, and every read by default, goes to the primary (`default`). A view that shows a
report, a list or a dashboard says so with `@reads_from_standby`: its reads go to the standby
(`standby`, configured by HAIQUAN_STANDBY_DATABASE_URL), taking that load off the primary. Three
cases stay on the primary even there:
- no standby configured (the SQLite demo, a one-server install): there is only `default`;
- a transaction open on the primary (what it reads must be what it is about to write);
- the user wrote something in the last HAIQUAN_STANDBY_PIN_SECONDS (read-your-writes: a trader
  who has just filed sees the filing in the list, whatever the standby's replay lag).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
STANDBY = "standby"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_standby_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "haiquan_standby_reads", default=False
)
F = TypeVar("F", bound=Callable[..., Any])


def standby_configured() -> bool:
    return STANDBY in connections.settings


def pin_seconds() -> int:
    return int(settings.HAIQUAN_STANDBY_PIN_SECONDS)


def _pin_key(user_id: int) -> str:
    return f"haiquan:primary-pin:{user_id}"


def primary_pin(user_id: int) -> None:
    """The user has just written: their reads stay on the primary for a while."""
    cache.set(_pin_key(user_id), 1, timeout=pin_seconds())


def primary_pinned(user_id: int | None) -> bool:
    return user_id is not None and cache.get(_pin_key(user_id)) is not None


@contextmanager
def standby_reads() -> Iterator[None]:
    """Reads inside go to the standby (when there is one)."""
    token = _standby_reads.set(True)
    try:
        yield
    finally:
        _standby_reads.reset(token)


def reads_from_standby(view: F) -> F:
    """For a view that only reads and shows a report, a list or a dashboard."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not standby_configured() or primary_pinned(_user_id(request)):
            return view(request, *args, **kwargs)
        with standby_reads():
            return view(request, *args, **kwargs)

    # django-ninja reads an API view's parameters from its signature, resolving annotations
    # written as strings in the wrapper's module, where `Query` and the schemas are unknown:
    # give it the view's own signature, resolved where the view was written.
    # (A name defined after the view: left to ninja, as without the wrapper.)
    with contextlib.suppress(NameError):
        wrapped.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class StandbyRouter:
    """Django's database router: the standby for the marked views' reads, else the primary."""

    # Explicit answers: without one Django would follow the database an instance was read
    # from, and an object read from the standby would be saved to it.

    def db_for_read(self, model: type, **hints: Any) -> str:
        if (
            _standby_reads.get()
            and standby_configured()
            and not connections[PRIMARY].in_atomic_block
        ):
            return STANDBY
        return PRIMARY

    def db_for_write(self, model: type, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The standby holds the primary's rows: objects read from either may be related.
        dbs = {obj1._state.db, obj2._state.db}
        return True if dbs <= {PRIMARY, STANDBY} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A standby is read-only: it gets the primary's schema through replication.
        return False if db == STANDBY else None


class PrimaryPinMiddleware:
    """After a user's request that changed something, their reads stay on the primary for
    HAIQUAN_STANDBY_PIN_SECONDS (read-your-writes). Not used without a standby."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not standby_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            user_id = _user_id(request)
            if user_id is not None:
                primary_pin(user_id)
        return response
