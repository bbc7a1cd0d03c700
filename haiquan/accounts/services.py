"""Creating users with their scope, and API tokens for systems."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from haiquan.core.problems import FieldProblem, ValidationFailed, invalid
from haiquan.refdata.models import CentralTeam, Enterprise, Office

from .choices import Role
from .models import ApiToken, User, hash_token

TOKEN_PREFIX = "hq_"


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    enterprise_msts: list[str] | None = None,
    employer_mst: str | None = None,
    office_codes: list[str] | None = None,
    team_codes: list[str] | None = None,
) -> User:
    """Create a user in a role with its scope: the enterprises a declarant files for, the broker
    firm a broker works for, the offices and central teams an officer or leader works."""
    errors: list[FieldProblem] = []
    if role not in Role.values:
        errors.append(FieldProblem("role", f"must be one of {', '.join(Role.values)}"))
    if User.objects.filter(username=username).exists():
        errors.append(FieldProblem("username", f"'{username}' is taken", "duplicate"))
    enterprises = list(Enterprise.objects.filter(mst__in=enterprise_msts or []))
    missing = set(enterprise_msts or []) - {e.mst for e in enterprises}
    for m in sorted(missing):
        errors.append(
            FieldProblem(
                "enterprise_msts", f"no enterprise with tax code {m}", "unknown-enterprise"
            )
        )
    employer = None
    if employer_mst:
        employer = Enterprise.objects.filter(mst=employer_mst).first()
        if employer is None:
            errors.append(
                FieldProblem("employer_mst", f"no enterprise with tax code {employer_mst}")
            )
        elif role == Role.BROKER and not employer.is_broker:
            errors.append(
                FieldProblem("employer_mst", f"{employer_mst} is not a registered customs broker")
            )
    if role == Role.BROKER and not employer_mst:
        errors.append(FieldProblem("employer_mst", "a broker works for a broker firm", "required"))
    offices = list(Office.objects.filter(code__in=office_codes or []))
    for c in sorted(set(office_codes or []) - {o.code for o in offices}):
        errors.append(FieldProblem("office_codes", f"no office with code {c}", "unknown-office"))
    teams = list(CentralTeam.objects.filter(code__in=team_codes or []))
    for c in sorted(set(team_codes or []) - {t.code for t in teams}):
        errors.append(FieldProblem("team_codes", f"no central team with code {c}", "unknown-team"))
    if role in (Role.OFFICER, Role.LEADER) and not (offices or teams):
        errors.append(
            FieldProblem(
                "office_codes", "an officer works for at least one office or team", "required"
            )
        )
    if errors:
        raise ValidationFailed(errors)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        enterprise=employer,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.enterprises.set(enterprises)
    user.offices.set(offices)
    user.teams.set(teams)
    return user


@transaction.atomic
def token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new API token; the raw value is returned once and only its hash is stored."""
    if not name.strip():
        raise invalid("name", "name the token after the system that will use it", "required")
    if expires_at is not None and expires_at <= timezone.now():
        raise invalid("expires_at", "must be in the future")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=raw[:10],
        key_hash=hash_token(raw),
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken) -> ApiToken:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The authenticator (TOTP) a user is setting up: the unconfirmed device waiting for its
    first code, created on first use. A confirmed device is never handed out again."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm a new authenticator with the first code it shows. Only then does it count as
    the user's second factor; a wrong code leaves it unconfirmed."""
    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_token((token or "").strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def user_language_set(*, user: User, language: str) -> None:
    """Remember the language a user chose, so every device they log in from shows it."""
    if language not in dict(settings.LANGUAGES):
        raise invalid("language", _("not one of the installation's languages"))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
