"""Log-in, log-out, password change, the second factor (TOTP) and the language switch."""

from __future__ import annotations

from base64 import b32encode
from typing import Any, cast
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from haiquan.core.web import form_status

from .forms import LoginForm, PasswordChangePageForm, TokenForm
from .loginlimits import REFUSED_ATTR
from .middleware import second_factor_exempt
from .models import User
from .selectors import user_needs_second_factor
from .services import (
    enrolment_link_find,
    totp_device_confirm,
    totp_device_for_enrolment,
    user_language_set,
)


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _remember_language(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@method_decorator(second_factor_exempt, name="dispatch")
class LoginView(auth_views.LoginView):
    """The password step. django-axes counts failures (see AXES_* settings); customs staff go
    on to the second factor, and the language the user chose last time comes back."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = cast(User, form.get_user())
        if user_needs_second_factor(user):
            query = urlencode({"next": self.get_success_url()})
            response = HttpResponseRedirect(f"{reverse('accounts:second_factor')}?{query}")
        if user.language:
            _remember_language(response, user.language)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 422  # a wrong user name or password, said on the form
        refused = getattr(self.request, REFUSED_ATTR, None)
        if refused is not None:  # a log-in limit, not a wrong password: 429 with Retry-After
            response.status_code = 429
            response["Retry-After"] = str(refused[1])
        return response


logout_view = second_factor_exempt(auth_views.LogoutView.as_view())


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangePageForm
    success_url = reverse_lazy("accounts:password_change_done")

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 422  # the problems are next to their fields
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def _qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (allowed by the CSP's img-src)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@second_factor_exempt
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enter the authenticator's code. A user without a confirmed authenticator is told to ask
    an administrator for an enrolment link: the password alone never enrols one."""
    user = cast(User, request.user)
    target = _safe_next(request)
    if not user_needs_second_factor(user) or user.is_verified():  # type: ignore[attr-defined]
        return redirect(target)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return render(request, "accounts/second_factor_missing.html", status=403)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        if _throttled(user, None):
            message = _(
                "Too many wrong codes in a row. Wait a few seconds, then enter the newest code."
            )
            form.add_error("token", ValidationError(message, code="throttled"))
            return _second_factor_page(request, form, target, None, status=429)
        verified = match_token(user, token)
        if verified is not None:
            otp_login(request, verified)
            return redirect(target)
        message = _("This code is not right or has expired. Enter the newest code.")
        form.add_error("token", ValidationError(message, code="wrong-code"))
    return _second_factor_page(request, form, target, None, status=form_status(form))


@second_factor_exempt
@login_required
def enrol(request: HttpRequest, key: str) -> HttpResponse:
    """Enrol an authenticator through the one-time link an administrator issued, after logging
    in with the password: the page shows a QR code, and the first right code confirms the
    authenticator (replacing any earlier one) and uses the link up."""
    user = cast(User, request.user)
    link = enrolment_link_find(raw=key)
    if link is None or link.user_id != user.pk:
        return render(request, "accounts/enrolment_link_invalid.html", status=404)
    target = _safe_next(request)
    device = totp_device_for_enrolment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _throttled(user, device):
            message = _(
                "Too many wrong codes in a row. Wait a few seconds, then enter the newest code."
            )
            form.add_error("token", ValidationError(message, code="throttled"))
            return _second_factor_page(request, form, target, device, status=429)
        if totp_device_confirm(
            user=user, device=device, token=form.cleaned_data["token"], link=link
        ):
            otp_login(request, device)
            return redirect(target)
        message = _("This code is not right or has expired. Enter the newest code.")
        form.add_error("token", ValidationError(message, code="wrong-code"))
    return _second_factor_page(request, form, target, device, status=form_status(form))


def _throttled(user: User, enrolling: TOTPDevice | None) -> bool:
    """django-otp makes each wrong code double the wait before the next try is checked."""
    devices = (
        [enrolling] if enrolling else list(TOTPDevice.objects.filter(user=user, confirmed=True))
    )
    return bool(devices) and not any(d.verify_is_allowed()[0] for d in devices)


def _second_factor_page(
    request: HttpRequest,
    form: TokenForm,
    target: str,
    device: TOTPDevice | None,
    *,
    status: int = 200,
) -> HttpResponse:
    """The code's page: 200 blank, 422 with a refused code, 429 while codes are throttled."""
    context: dict[str, Any] = {"form": form, "next": target, "enrolling": device is not None}
    if device is not None:
        context["qr"] = _qr_data_uri(device)
        secret = b32encode(device.bin_key).decode().rstrip("=")
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "accounts/second_factor.html", context, status=status)


@second_factor_exempt
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's `set_language` (cookie), and the choice kept on the user for next time."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES):
        user_language_set(user=cast(User, user), language=language)
    return response
