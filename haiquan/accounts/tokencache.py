"""Bearer tokens verified by this process, kept a few seconds (issue 18).

Reading the token and its user on every API request was a tenth of a filing's time. A worker
keeps each token it has read, by the token's SHA-256 (never the token itself), for
`API_TOKEN_CACHE_SECONDS` (5 by default); every check (revoked, expired, user active, scope,
rate limit) still runs on every request against that copy (`apiauth.BearerTokenAuth`), and each
request gets its own copies of the rows. A revocation, an expiry or a deactivated user is seen
by every worker within those seconds, and by the worker that revoked from its next request
(`token_forget`, which `services.token_revoke` calls once its transaction commits).
"""

from __future__ import annotations

import copy
import threading
import time
from datetime import datetime

from haiquan.core.conf import haiquan_setting

from .models import ApiToken

_verified: dict[str, tuple[float, ApiToken]] = {}
_lock = threading.Lock()
_MAX_HELD = 10_000


def token_read(key_hash: str) -> ApiToken | None:
    """The token with this hash and its user (a copy for this request), or None."""
    ttl = float(haiquan_setting("API_TOKEN_CACHE_SECONDS"))
    now = time.monotonic()
    if ttl > 0:
        held = _verified.get(key_hash)
        if held is not None and held[0] > now:
            return _own_copy(held[1])
    try:
        tok = ApiToken.objects.select_related("user").get(key_hash=key_hash)
    except ApiToken.DoesNotExist:
        return None
    if ttl > 0:
        with _lock:
            if len(_verified) >= _MAX_HELD:
                _verified.clear()
            _verified[key_hash] = (now + ttl, _own_copy(tok))
    return tok


def _own_copy(tok: ApiToken) -> ApiToken:
    """A copy of the token and of its user: what one request caches on them (permissions,
    enterprises) stays with that request."""
    mine = copy.copy(tok)
    mine.user = copy.copy(tok.user)
    return mine


def token_used(key_hash: str, at: datetime) -> None:
    """The token's use was just recorded: the held copy too, or each request would record it."""
    held = _verified.get(key_hash)
    if held is not None:
        held[1].last_used_at = at


def token_forget(key_hash: str) -> None:
    """Drop a token from this process's copies: read again (and refused if revoked) next time."""
    with _lock:
        _verified.pop(key_hash, None)


def tokens_forget_all() -> None:
    with _lock:
        _verified.clear()
