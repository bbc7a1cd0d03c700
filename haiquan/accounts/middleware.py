"""Customs staff reach no page until they have passed their second factor (TOTP), and their
sessions end when idle and when old."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from .selectors import user_needs_second_factor

V = TypeVar("V", bound=Callable[..., Any])

# The API answers for itself: its session authentication refuses an unverified session.
API_PREFIX = "/api/"


def second_factor_exempt(view: V) -> V:
    """Mark a view reachable before the second factor: log-in, log-out, the TOTP pages, the
    language switch."""
    view.second_factor_exempt = True  # type: ignore[attr-defined]
    return view


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user: Any = request.user
        if not user.is_authenticated or not user_needs_second_factor(user):
            return None
        if user.is_verified() or request.path_info.startswith(API_PREFIX):
            return None
        if getattr(view_func, "second_factor_exempt", False):
            return None
        url = reverse("accounts:second_factor") + "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)


SESSION_STARTED = "haiquan_session_started"
SESSION_SEEN = "haiquan_session_seen"


def _session_limits() -> tuple[int, int]:
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    return (
        int(values.get("CUSTOMS_IDLE_MINUTES", 30)) * 60,
        int(values.get("CUSTOMS_SESSION_MAX_HOURS", 12)) * 3600,
    )


class SessionAgeMiddleware:
    """Customs staff's sessions end after CUSTOMS_IDLE_MINUTES without a request and after
    CUSTOMS_SESSION_MAX_HOURS in all, whatever they do: the next request logs them out and
    sends them to the log-in page (the API answers 401). Traders keep Django's cookie age."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user_needs_second_factor(user):
            session = request.session
            now = time.time()
            idle, max_age = _session_limits()
            started = float(session.get(SESSION_STARTED, now))
            seen = float(session.get(SESSION_SEEN, now))
            if now - seen > idle or now - started > max_age:
                logout(request)
                if request.path_info.startswith(API_PREFIX):
                    return self.get_response(request)  # now anonymous: the API answers 401
                url = f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}"
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(url)
                return HttpResponseRedirect(url)
            # Written at most once a minute: a session save on every request would cost.
            if SESSION_STARTED not in session:
                session[SESSION_STARTED] = started
            if now - seen > 60 or SESSION_SEEN not in session:
                session[SESSION_SEEN] = now
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="haiquan.accounts.session_started")
def _session_started(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A log-in starts the session's clock afresh."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now
