"""How fast one caller may call: token buckets per API token and per client address.

Three limits, each a bucket of `burst` requests refilled at `per_second` (settings.HAIQUAN):

- **per API token** (`API_RATE_BURST`, `API_RATE_PER_SECOND`): a trader's system may send a burst
  at once, then a sustained rate; checked once the token has authenticated;
- **per client address on the API** (`API_ADDRESS_RATE_*`): every request under /api/, with or
  without a token (devices, banks, anonymous readers of the FAQ), before anything else is done;
- **per client address on the pages, for anonymous visitors** (`PUBLIC_RATE_*`): the FAQ, the
  handbook and its PDF, the log-in page. Logged-in users are not limited per address (a customs
  office behind one NAT address is many people).

Past the limit the answer is 429 with `Retry-After` saying when the next request will be
accepted (problem+json on the API, a short page otherwise). `per_second = 0` turns a limit off;
`API_RATE_PER_SECOND = 0` turns both API limits off (the benchmarks do).

The buckets live in the "limits" cache. In production that is Redis (`HAIQUAN_REDIS_URL`), and a
bucket is taken by one Lua script run atomically in Redis on Redis's own clock: every worker
process and every node share one limit, and concurrent requests cannot both take the last
token. Without Redis (a workstation, the tests) the cache is per process, read and written in
two steps. The client address is the one `haiquan.core.clientip` resolved behind the trusted
proxies.

ninja's own throttles keep a list of every request time per key and answer 429 without
Retry-After, hence this. Log-in attempts are limited separately (haiquan.accounts.loginlimits
and django-axes).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from .clientip import address_bucket
from .problems import ProblemError

CACHE_ALIAS = "limits"
DEFAULT_BURST = 300
DEFAULT_PER_SECOND = 50.0
API_PREFIX = "/api/"

# KEYS[1] the bucket; ARGV burst, per second, now ("" = Redis's clock), ttl.
# Returns {allowed (0/1), tokens left (string)}.
BUCKET_LUA = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {allowed, tostring(tokens)}
"""


class TooManyRequests(ProblemError):
    def __init__(self, retry_after: int, detail: Any = None) -> None:
        super().__init__(
            detail=str(
                (
                    detail
                    or gettext_lazy(
                        "Too many requests with this token. Retry after %(n)d second(s)."
                    )
                )
                % {"n": retry_after}
            ),
            status=429,
            code="rate-limited",
            title=gettext_lazy("Too many requests"),
            headers={"Retry-After": str(retry_after)},
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    tokens_left: float
    retry_after: int  # whole seconds until one token is back (0 when allowed)


def _redis_client(alias: str) -> Any | None:
    """The Redis connection behind cache `alias` when it is django-redis; else None."""
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if not backend.startswith("django_redis."):
        return None
    from django_redis import get_redis_connection

    return get_redis_connection(alias)


def _decision(allowed: bool, tokens: float, per_second: float) -> Decision:
    if allowed:
        return Decision(True, tokens, 0)
    return Decision(False, tokens, max(1, math.ceil((1.0 - tokens) / per_second)))


def bucket_take(
    *,
    key: str,
    burst: int,
    per_second: float,
    now: float | None = None,
    alias: str = CACHE_ALIAS,
) -> Decision:
    """Take one token from the bucket `key` (full at `burst`, refilled at `per_second`) in the
    cache `alias`.

    Example: burst 3, 1 a second. Three calls at t=0 pass (2, 1, 0 left); a fourth at t=0.2
    is refused with Retry-After 1 (0.2 of a token is back, 0.8 missing → 0.8 s → 1 s); at
    t=1.0 one token is back and the call passes with 0 left.
    """
    refill_time = math.ceil(burst / per_second) + 1
    cache = caches[alias]
    redis = _redis_client(alias)
    if redis is not None:
        allowed, left = redis.eval(
            BUCKET_LUA,
            1,
            cache.make_key(key),
            burst,
            per_second,
            "" if now is None else repr(float(now)),
            refill_time,
        )
        return _decision(bool(int(allowed)), float(left), per_second)
    now = time.time() if now is None else now
    state: Any = cache.get(key)
    tokens, then = (float(burst), now) if state is None else state
    tokens = min(float(burst), tokens + max(0.0, now - then) * per_second)
    allowed = tokens >= 1.0
    if allowed:
        tokens -= 1.0
    cache.set(key, (tokens, now), timeout=refill_time)
    return _decision(allowed, tokens, per_second)


def _limits(burst_name: str, rate_name: str, burst: int, rate: float) -> tuple[int, float]:
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    return int(values.get(burst_name, burst)), float(values.get(rate_name, rate))


def api_rate_limits() -> tuple[int, float]:
    """(burst, per second) for API tokens, from settings.HAIQUAN (read at call time)."""
    return _limits("API_RATE_BURST", "API_RATE_PER_SECOND", DEFAULT_BURST, DEFAULT_PER_SECOND)


def api_token_throttle(*, token_key_hash: str) -> None:
    """Count one request against the API token whose SHA-256 is `token_key_hash`;
    TooManyRequests (429) when its bucket is empty. Keyed by the hash, not the row id, so a
    new token never inherits the bucket of a deleted one that had the same id."""
    burst, per_second = api_rate_limits()
    if per_second <= 0:
        return
    key = f"rl:token:{token_key_hash[:32]}"
    decision = bucket_take(key=key, burst=burst, per_second=per_second)
    if not decision.allowed:
        raise TooManyRequests(decision.retry_after)


def _address_limit(request: HttpRequest) -> tuple[str, int, float] | None:
    """(bucket key, burst, per second) of the per-address limit this request falls under."""
    address = address_bucket(str(request.META.get("REMOTE_ADDR", "")))
    if request.path_info.startswith(API_PREFIX):
        if api_rate_limits()[1] <= 0:
            return None
        burst, rate = _limits("API_ADDRESS_RATE_BURST", "API_ADDRESS_RATE_PER_SECOND", 1000, 200)
        return f"rl:api-addr:{address}", burst, rate
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    burst, rate = _limits("PUBLIC_RATE_BURST", "PUBLIC_RATE_PER_SECOND", 120, 5)
    return f"rl:public-addr:{address}", burst, rate


def _refusal(request: HttpRequest, retry_after: int) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        body = TooManyRequests(
            retry_after,
            gettext_lazy("Too many requests from your address. Retry after %(n)d second(s)."),
        ).as_problem(request.path)
        response: HttpResponse = JsonResponse(
            body, status=429, content_type="application/problem+json"
        )
    else:
        html = render_to_string(
            "core/too_many_requests.html", {"retry_after": retry_after}, request=request
        )
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class AddressRateLimitMiddleware:
    """Per-address limits: every API request, and anonymous visitors' page requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = _address_limit(request)
        if limit is not None:
            key, burst, per_second = limit
            if per_second > 0:
                decision = bucket_take(key=key, burst=burst, per_second=per_second)
                if not decision.allowed:
                    return _refusal(request, decision.retry_after)
        return self.get_response(request)
