"""Logging in from tests as the pages require: customs staff with their second factor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haiquan.accounts.choices import CUSTOMS_ROLES
from haiquan.accounts.models import User
from haiquan.accounts.selectors import user_needs_second_factor
from haiquan.accounts.services import token_create
from haiquan.core.apiscopes import Scope


def totp_device(user: User) -> TOTPDevice:
    """The user's confirmed authenticator, created if it has none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now (RFC 6238), as the user types it."""
    token = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return f"{token:0{device.digits}d}"


def login(client: Client, user: User) -> Client:
    """`force_login`, plus a verified second factor for those who need one."""
    client.force_login(user)
    if user_needs_second_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()
    return client


def api_token(
    user: User,
    *,
    name: str = "test system",
    scopes: Iterable[str] | None = None,
    days: int = 30,
) -> str:
    """A raw API token for `user` with every scope (or `scopes`), valid `days`, issued through
    the service as an administrator would. Customs staff get no personal tokens: a customs user
    of a test that calls the API with a token stands for a system account of its office, and is
    marked as one first."""
    if user.role in CUSTOMS_ROLES and not user.is_system_account:
        User.objects.filter(pk=user.pk).update(is_system_account=True)
        user.is_system_account = True
    _token, raw = token_create(
        user=user,
        name=name,
        scopes=list(scopes) if scopes is not None else Scope.values,
        expires_at=timezone.now() + timedelta(days=days),
        purpose="tests" if user.role in CUSTOMS_ROLES else "",
    )
    return raw
