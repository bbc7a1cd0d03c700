"""Creating users with their scope, API tokens for systems, and second-factor enrolment."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from haiquan.core.apiscopes import Scope
from haiquan.core.problems import FieldProblem, ValidationFailed, invalid
from haiquan.refdata.models import CentralTeam, Enterprise, Office

from .choices import CUSTOMS_ROLES, Role
from .models import ApiToken, EnrolmentLink, User, hash_token
from .tokencache import token_forget

logger = logging.getLogger("haiquan.security")

# The demo's one shared password for every log-in it makes, printed by `haiquan demo` and in
# the README (the demo refuses to run on a database it did not make).
DEMO_PASSWORD = "haiquan-demo"

TOKEN_PREFIX = "hq_"
ENROLMENT_PREFIX = "hqe_"


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
    system_account: bool = False,
    check_password: bool = True,
) -> User:
    """Create a user in a role with its scope: the enterprises a declarant files for, the broker
    firm a broker works for, the offices and central teams an officer or leader works.

    A password must pass the installation's rules (AUTH_PASSWORD_VALIDATORS); only the demo,
    whose one shared password is printed and documented, passes `check_password=False`. A
    `system_account` (a system using API tokens, not a person) has no password."""
    errors: list[FieldProblem] = []
    if system_account and password:
        errors.append(
            FieldProblem("password", _("a system account has no password; it uses API tokens"))
        )
    if role not in Role.values:
        errors.append(FieldProblem("role", f"must be one of {', '.join(Role.values)}"))
    if User.objects.filter(username=username).exists():
        errors.append(FieldProblem("username", f"'{username}' is taken", "duplicate"))
    enterprises = _user_enterprises(enterprise_msts or [], errors)
    employer = _user_employer(role, employer_mst, errors)
    offices, teams = _user_offices_teams(role, office_codes or [], team_codes or [], errors)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        enterprise=employer,
        is_staff=role == Role.ADMIN and not system_account,
        is_superuser=role == Role.ADMIN and not system_account,
        is_system_account=system_account,
    )
    if password and check_password:
        errors += _password_problems(password, user)
    if errors:
        raise ValidationFailed(errors)
    if password and not check_password and password == DEMO_PASSWORD:
        demo_password_set(user)
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.enterprises.set(enterprises)
    user.offices.set(offices)
    user.teams.set(teams)
    return user


@functools.cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def demo_password_set(user: User) -> None:
    """Give a demo log-in the demo's shared password (not saved). Hashed once per process: a
    hash takes about 0.4 s of CPU by design, and the demo makes some twenty log-ins with the
    same, public password, so they share one salt and hash."""
    user.password = _demo_password_hash()


def _user_enterprises(msts: list[str], errors: list[FieldProblem]) -> list[Enterprise]:
    """The enterprises a declarant files for, a problem for each unknown tax code."""
    enterprises = list(Enterprise.objects.filter(mst__in=msts))
    missing = set(msts) - {e.mst for e in enterprises}
    for m in sorted(missing):
        errors.append(
            FieldProblem(
                "enterprise_msts", f"no enterprise with tax code {m}", "unknown-enterprise"
            )
        )
    return enterprises


def _user_employer(
    role: str, employer_mst: str | None, errors: list[FieldProblem]
) -> Enterprise | None:
    """The firm a broker or carrier works for (required for them; a broker's must be a
    registered customs broker)."""
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
    if role == Role.CARRIER and not employer_mst:
        errors.append(
            FieldProblem(
                "employer_mst", "a carrier or shipping agent works for its firm", "required"
            )
        )
    return employer


def _user_offices_teams(
    role: str, office_codes: list[str], team_codes: list[str], errors: list[FieldProblem]
) -> tuple[list[Office], list[CentralTeam]]:
    """The offices and central teams an officer or leader works (at least one for them)."""
    offices = list(Office.objects.filter(code__in=office_codes))
    for c in sorted(set(office_codes) - {o.code for o in offices}):
        errors.append(FieldProblem("office_codes", f"no office with code {c}", "unknown-office"))
    teams = list(CentralTeam.objects.filter(code__in=team_codes))
    for c in sorted(set(team_codes) - {t.code for t in teams}):
        errors.append(FieldProblem("team_codes", f"no central team with code {c}", "unknown-team"))
    if role in (Role.OFFICER, Role.LEADER) and not (offices or teams):
        errors.append(
            FieldProblem(
                "office_codes", "an officer works for at least one office or team", "required"
            )
        )
    return offices, teams


def _password_problems(password: str, user: User) -> list[FieldProblem]:
    """The installation's password rules (AUTH_PASSWORD_VALIDATORS) the password fails."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return [FieldProblem("password", message, "weak-password") for message in exc.messages]
    return []


def token_max_days() -> int:
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    return int(values.get("API_TOKEN_MAX_DAYS", 365))


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime,
    issued_by: User | None = None,
    issued_by_label: str = "",
    purpose: str = "",
) -> tuple[ApiToken, str]:
    """A new API token for the `scopes` named, valid until `expires_at` (at most
    API_TOKEN_MAX_DAYS away); the raw value is returned once and only its hash is stored.

    Customs roles get tokens only as system accounts, and only with a `purpose`: a person's
    token would act without the second factor. Who issued it (`issued_by`, or
    `issued_by_label` for the command line), when and for what stay on the token (never
    deleted nor changed in the admin; revoking records who revoked it), and in the security
    log ("haiquan.security")."""
    wanted = list(dict.fromkeys(str(s) for s in scopes))
    _token_request_check(
        user=user, name=name, wanted=wanted, expires_at=expires_at, purpose=purpose
    )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=raw[:10],
        key_hash=hash_token(raw),
        scopes=[s for s in Scope.values if s in wanted],
        expires_at=expires_at,
        issued_by=issued_by,
        issued_by_label="" if issued_by else issued_by_label[:100],
        purpose=purpose.strip(),
    )
    logger.info(
        "API token %s… (%s) issued to %s by %s: scopes %s, expires %s, purpose %r",
        token.prefix,
        token.name,
        user.get_username(),
        issued_by.get_username() if issued_by else issued_by_label,
        ",".join(token.scopes),
        expires_at.isoformat(),
        token.purpose,
    )
    return token, raw


def _token_request_check(
    *, user: User, name: str, wanted: list[str], expires_at: datetime, purpose: str
) -> None:
    """Every problem with a token request: a flat list of independent checks."""
    errors: list[FieldProblem] = []
    if not name.strip():
        errors.append(
            FieldProblem("name", _("name the token after the system that will use it"), "required")
        )
    unknown = [s for s in wanted if s not in Scope.values]
    if not wanted:
        errors.append(FieldProblem("scopes", _("name at least one scope"), "required"))
    for s in unknown:
        errors.append(
            FieldProblem(
                "scopes",
                _("'%(scope)s' is not a scope; the scopes are %(all)s")
                % {"scope": s, "all": ", ".join(Scope.values)},
                "unknown-scope",
            )
        )
    now = timezone.now()
    max_days = token_max_days()
    if expires_at <= now:
        errors.append(FieldProblem("expires_at", _("must be in the future")))
    elif expires_at > now + timedelta(days=max_days):
        errors.append(
            FieldProblem(
                "expires_at",
                _("at most %(n)d days from now (this installation's maximum)") % {"n": max_days},
                "too-long",
            )
        )
    if user.role in CUSTOMS_ROLES and not user.is_system_account:
        errors.append(
            FieldProblem(
                "user",
                _(
                    "customs staff get no personal API tokens (a token would act without the "
                    "second factor); create a system account for the system and issue it a token"
                ),
                "personal-customs-token",
            )
        )
    if user.role in CUSTOMS_ROLES and not purpose.strip():
        errors.append(
            FieldProblem(
                "purpose", _("say what the customs system will use the token for"), "required"
            )
        )
    if not user.is_active:
        errors.append(FieldProblem("user", _("the account is disabled")))
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def token_revoke(
    *, token: ApiToken, revoked_by: User | None = None, revoked_by_label: str = ""
) -> ApiToken:
    token.revoked_at = timezone.now()
    token.revoked_by = revoked_by
    token.save(update_fields=["revoked_at", "revoked_by"])
    # This process refuses it from its next request (forgotten now, and again at the commit in
    # case a request of another thread read it meanwhile); other workers within
    # API_TOKEN_CACHE_SECONDS (haiquan.accounts.tokencache).
    token_forget(token.key_hash)
    transaction.on_commit(lambda: token_forget(token.key_hash))
    logger.info(
        "API token %s… (%s) of %s revoked by %s",
        token.prefix,
        token.name,
        token.user.get_username(),
        revoked_by.get_username() if revoked_by else revoked_by_label,
    )
    return token


@transaction.atomic
def enrolment_link_issue(
    *, user: User, issued_by: User | None = None, issued_by_label: str = ""
) -> tuple[EnrolmentLink, str]:
    """A one-time link for `user` to enrol an authenticator (TOTP), valid ENROLMENT_LINK_HOURS.
    Issued by an administrator (the admin site or `haiquan enrolment-link`) and handed to the
    person out of band; the raw value is returned once, only its hash is stored. Earlier unused
    links of the user stop working, and so does any authenticator not yet confirmed."""
    values: dict[str, Any] = getattr(settings, "HAIQUAN", {})
    hours = int(values.get("ENROLMENT_LINK_HOURS", 72))
    now = timezone.now()
    EnrolmentLink.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    raw = ENROLMENT_PREFIX + secrets.token_urlsafe(32)
    link = EnrolmentLink.objects.create(
        user=user,
        key_hash=hash_token(raw),
        expires_at=now + timedelta(hours=hours),
        issued_by=issued_by,
    )
    logger.info(
        "enrolment link for %s issued by %s, valid until %s",
        user.get_username(),
        issued_by.get_username() if issued_by else issued_by_label,
        link.expires_at.isoformat(),
    )
    return link, raw


def enrolment_link_find(*, raw: str) -> EnrolmentLink | None:
    """The usable link with this value (not used, not revoked, not expired); else None."""
    if not raw or len(raw) > 200:
        return None
    link = (
        EnrolmentLink.objects.select_related("user")
        .filter(key_hash=hash_token(raw), used_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if link is None or link.expires_at <= timezone.now() or not link.user.is_active:
        return None
    return link


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The authenticator (TOTP) a user is setting up: the unconfirmed device waiting for its
    first code, created on first use. A confirmed device is never handed out again."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str, link: EnrolmentLink) -> bool:
    """Confirm a new authenticator with the first code it shows, through the administrator's
    one-time enrolment `link` (used up here). Only then does it count as the user's second
    factor; a wrong code leaves it unconfirmed and the link usable."""
    if device.user_id != user.pk or device.confirmed or link.user_id != user.pk:
        return False
    link = EnrolmentLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None or link.revoked_at is not None or link.expires_at <= timezone.now():
        return False
    if not device.verify_token((token or "").strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # The new authenticator replaces any earlier one (a lost or replaced phone).
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    logger.info("%s enrolled an authenticator through link %s", user.get_username(), link.pk)
    return True


def user_language_set(*, user: User, language: str) -> None:
    """Remember the language a user chose, so every device they log in from shows it."""
    if language not in dict(settings.LANGUAGES):
        raise invalid("language", _("not one of the installation's languages"))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
