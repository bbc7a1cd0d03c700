"""Who may call the API: a bearer token (systems) or the page session (htmx calls).

Every router passes `API_AUTH`; a token is checked against the scope its operation needs
(`haiquan.core.apiscopes`) and its rate limit (`haiquan.core.ratelimit`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from haiquan.core.apiscopes import scope_needed
from haiquan.core.problems import ProblemError
from haiquan.core.ratelimit import api_token_throttle

from .models import ApiToken, hash_token
from .selectors import user_needs_second_factor
from .tokencache import token_read, token_used


class TokenRefused(ProblemError):
    """A token that authenticates but may not be used here: expired or revoked (401), or
    without the scope this operation needs (403)."""


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for systems (the trader's software, a bank, an agency).

    The token must be unexpired and unrevoked, its user active, and it must carry the scope
    the operation needs (haiquan.core.apiscopes); then it counts against its rate limit."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token or len(token) > 200:
            return None
        tok = token_read(hash_token(token))
        if tok is None:
            return None
        if not tok.user.is_active:
            return None
        if tok.revoked_at is not None or tok.is_expired():
            raise TokenRefused(
                detail=_("This token has been revoked.")
                if tok.revoked_at is not None
                else _("This token expired; ask for a new one."),
                status=401,
                code="token-expired" if tok.revoked_at is None else "token-revoked",
                title=_("Authentication required"),
                headers={"WWW-Authenticate": 'Bearer realm="haiquan", error="invalid_token"'},
            )
        # 429 with Retry-After once the token's burst is spent (settings.HAIQUAN API_RATE_*).
        api_token_throttle(token_key_hash=tok.key_hash)
        match = request.resolver_match
        needed = scope_needed(request.method or "GET", match.route if match else request.path)
        if needed is None or not tok.allows(needed):
            raise TokenRefused(
                detail=(
                    _(
                        "This token may not be used for '%(scope)s'; ask for a token with that scope."
                    )
                    % {"scope": needed}
                    if needed is not None
                    else _("No token may be used for this operation.")
                ),
                status=403,
                code="insufficient-scope",
                title=_("Not allowed"),
                headers={
                    "WWW-Authenticate": f'Bearer realm="haiquan", error="insufficient_scope", scope="{needed or ""}"'
                },
            )
        now = timezone.now()
        # Record use at most once a minute: a write on every request would cost throughput.
        if tok.last_used_at is None or now - tok.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=tok.pk).update(last_used_at=now)
            token_used(tok.key_hash, now)
        request.user = tok.user
        request.api_token = tok  # type: ignore[attr-defined]
        return tok.user


class ActiveSessionAuth(SessionAuth):
    """The page session (with CSRF on unsafe methods), for htmx calls from the web pages."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not getattr(user, "is_active", False):
            return None
        # A customs session counts only once its second factor is verified, as on the pages.
        if user is not None and user_needs_second_factor(user):
            is_verified = getattr(user, "is_verified", None)
            if is_verified is None or not is_verified():
                return None
        return user


API_AUTH = [BearerTokenAuth(), ActiveSessionAuth()]
