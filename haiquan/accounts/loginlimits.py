"""Log-in limits beyond django-axes' lock-out of one (user name, address) pair.

Three limits, each answering a different attacker, none letting a stranger lock a user out:

1. **(account, address)** — django-axes (settings AXES_*): five wrong passwords for one user
   name from one address pause that pair for 15 minutes. The user at their own desk (another
   address) is not affected. Addresses are the clients' behind the trusted proxies
   (`haiquan.core.clientip`), so the proxy's own address never stands for everyone.
2. **per address, across accounts** — password spraying (one password against many accounts):
   `LOGIN_ADDRESS_FAILURE_LIMIT` wrong passwords from one address within
   `LOGIN_ADDRESS_WINDOW_MINUTES`, whatever the accounts, stop log-ins from that address until
   the window ends. Only that address is stopped.
3. **per account, across addresses** — a guesser spread over many addresses: past
   `LOGIN_ACCOUNT_SLOWDOWN_AFTER` wrong passwords for one account (in the same window), each
   further try for it must wait after the last failure, 1 s doubling up to
   `LOGIN_ACCOUNT_MAX_DELAY_SECONDS`. That slows guessing to one try a minute at most and never
   locks: the real user is answered "wait N seconds" at worst, then checked as usual, and a
   successful log-in clears the account's count.

Limits 2 and 3 are counted in the "limits" cache (Redis in production, so that every worker and
node shares them). A refusal here is not counted as another failure.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest

from haiquan.core.clientip import address_bucket, request_client_address

CACHE_ALIAS = "limits"
REFUSED_ATTR = "haiquan_login_refused"  # (reason, seconds to wait) set on the request


def _now() -> float:
    """The clock (tests move it)."""
    return time.time()


def _conf(name: str, default: int) -> int:
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    return int(values.get(name, default))


def _account_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"login:acct:{digest}"


def _address_key(address: str) -> str:
    return f"login:addr:{address_bucket(address)}"


class LoginRefused(PermissionDenied):
    def __init__(self, reason: str, wait_seconds: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait_seconds = wait_seconds


def check(*, username: str, address: str, now: float | None = None) -> None:
    """Raise LoginRefused when this address or this account must wait; else nothing."""
    now = _now() if now is None else now
    cache = caches[CACHE_ALIAS]
    address_limit = _conf("LOGIN_ADDRESS_FAILURE_LIMIT", 10)
    if address_limit > 0 and address:
        state = cache.get(_address_key(address))
        if state is not None:
            count, window_ends = state
            if count >= address_limit and window_ends > now:
                raise LoginRefused("address", max(1, math.ceil(window_ends - now)))
    after = _conf("LOGIN_ACCOUNT_SLOWDOWN_AFTER", 10)
    if after > 0 and username:
        state = cache.get(_account_key(username))
        if state is not None:
            count, last_failure = state
            if count >= after:
                cap = _conf("LOGIN_ACCOUNT_MAX_DELAY_SECONDS", 60)
                delay = min(float(cap), 2.0 ** min(count - after, 30))
                if now < last_failure + delay:
                    raise LoginRefused("account", max(1, math.ceil(last_failure + delay - now)))


def failure_record(*, username: str, address: str, now: float | None = None) -> None:
    """Count one wrong password for this account and from this address."""
    now = _now() if now is None else now
    cache = caches[CACHE_ALIAS]
    window = _conf("LOGIN_ADDRESS_WINDOW_MINUTES", 60) * 60
    if address:
        key = _address_key(address)
        state = cache.get(key)
        count, window_ends = (0, now + window) if state is None or state[1] <= now else state
        cache.set(key, (count + 1, window_ends), timeout=max(1, math.ceil(window_ends - now)))
    if username:
        key = _account_key(username)
        state = cache.get(key)
        count = 0 if state is None else int(state[0])
        cache.set(key, (count + 1, now), timeout=window)


def success_record(*, username: str) -> None:
    """A right password: the account's count starts again (the address's does not, or a
    sprayer could clear it by logging into an account of its own)."""
    if username:
        caches[CACHE_ALIAS].delete(_account_key(username))


class LoginLimitsBackend:
    """First of AUTHENTICATION_BACKENDS: refuses (PermissionDenied, which stops Django's
    `authenticate`) while a limit holds; it authenticates nobody itself."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        try:
            check(username=username or "", address=request_client_address(request))
        except LoginRefused as refused:
            setattr(request, REFUSED_ATTR, (refused.reason, refused.wait_seconds))
            raise
        return None

    # No get_user(): a session never names this backend (Django's test client's force_login
    # picks the first backend that has one).


@receiver(user_login_failed, dispatch_uid="haiquan.loginlimits.failed")
def _on_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kw: Any
) -> None:
    if request is None or getattr(request, REFUSED_ATTR, None) is not None:
        return
    if getattr(request, "axes_locked_out", False):
        return  # refused by axes before the password was checked: no guess was made
    failure_record(
        username=str(credentials.get("username") or ""), address=request_client_address(request)
    )


@receiver(user_logged_in, dispatch_uid="haiquan.loginlimits.success")
def _on_success(sender: Any, request: HttpRequest | None, user: Any, **kw: Any) -> None:
    success_record(username=user.get_username())
