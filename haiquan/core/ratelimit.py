"""How fast one API token may call: a token bucket per API token, kept in Django's cache.

A trader's system may send a burst of `API_RATE_BURST` requests at once, then
`API_RATE_PER_SECOND` a second, sustained; past that it is answered 429 (problem+json) with
`Retry-After` saying when the next request will be accepted. Both are in `settings.HAIQUAN`;
`API_RATE_PER_SECOND = 0` turns the limit off.

The bucket is two numbers (tokens left, when last counted), so checking costs one cache read
and one write. ninja's own throttles keep a list of every request time per key and answer 429
without Retry-After, hence this.

The cache decides the scope. With Django's default local-memory cache each server process
keeps its own buckets, so N worker processes allow N times the rate. In production set
`CACHES` to a cache shared by every worker and host (Redis or Memcached) so that the limit is
the installation's. Even then the read and the write are not one atomic step: concurrent
requests with one token may both take the last token, so the limit can be exceeded by the
number of requests in flight at once — a bound, not a leak.

Log-in attempts are limited separately, by django-axes (see the settings).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from .problems import ProblemError

DEFAULT_BURST = 300
DEFAULT_PER_SECOND = 50.0


class TooManyRequests(ProblemError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            detail=str(
                _("Too many requests with this token. Retry after %(n)d second(s).")
                % {"n": retry_after}
            ),
            status=429,
            code="rate-limited",
            title=_("Too many requests"),
            headers={"Retry-After": str(retry_after)},
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    tokens_left: float
    retry_after: int  # whole seconds until one token is back (0 when allowed)


def bucket_take(*, key: str, burst: int, per_second: float, now: float | None = None) -> Decision:
    """Take one token from the bucket `key` (full at `burst`, refilled at `per_second`).

    Example: burst 3, 1 a second. Three calls at t=0 pass (2, 1, 0 left); a fourth at t=0.2
    is refused with Retry-After 1 (0.2 of a token is back, 0.8 missing → 0.8 s → 1 s); at
    t=1.0 one token is back and the call passes with 0 left.
    """
    now = time.time() if now is None else now
    state: Any = cache.get(key)
    tokens, then = (float(burst), now) if state is None else state
    tokens = min(float(burst), tokens + max(0.0, now - then) * per_second)
    refill_time = math.ceil(burst / per_second) + 1
    if tokens >= 1.0:
        tokens -= 1.0
        cache.set(key, (tokens, now), timeout=refill_time)
        return Decision(True, tokens, 0)
    cache.set(key, (tokens, now), timeout=refill_time)
    return Decision(False, tokens, max(1, math.ceil((1.0 - tokens) / per_second)))


def api_rate_limits() -> tuple[int, float]:
    """(burst, per second) for API tokens, from settings.HAIQUAN (read at call time)."""
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    burst = int(values.get("API_RATE_BURST", DEFAULT_BURST))
    per_second = float(values.get("API_RATE_PER_SECOND", DEFAULT_PER_SECOND))
    return burst, per_second


def api_token_throttle(*, token_key_hash: str) -> None:
    """Count one request against the API token whose SHA-256 is `token_key_hash`;
    TooManyRequests (429) when its bucket is empty. Keyed by the hash, not the row id, so a
    new token never inherits the bucket of a deleted one that had the same id."""
    burst, per_second = api_rate_limits()
    if per_second <= 0:
        return
    key = f"haiquan:rl:token:{token_key_hash[:32]}"
    decision = bucket_take(key=key, burst=burst, per_second=per_second)
    if not decision.allowed:
        raise TooManyRequests(decision.retry_after)
