"""Setting up a ready-to-try installation around the generated history: partner banks with
known secrets, the risk profiles the history was decided with, the central team of Quảng Ninh,
and the demo log-ins. Every step can run again without duplicating anything."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from haiquan.accounts.choices import Role
from haiquan.accounts.models import ApiToken, User
from haiquan.accounts.selectors import user_needs_second_factor
from haiquan.accounts.services import (
    DEMO_PASSWORD,
    demo_password_set,
    enrolment_link_issue,
    token_create,
    token_revoke,
    user_create,
)
from haiquan.payments.models import Bank
from haiquan.payments.services import bank_create
from haiquan.refdata.models import CentralTeam, Enterprise, Office
from haiquan.risk.demo_profiles import DEMO_PROFILES, demo_profiles_load
from haiquan.risk.models import RiskProfile
from haiquan.risk.selectors import profile_current_version
from haiquan.risk.services import profile_update

from .models import SyntheticEnterprise
from .population import (
    ANCHOR_BD_FDI,
    ANCHOR_HOANGLONG,
    ANCHOR_TANPHAT,
    SYNTHETIC_EMAIL_DOMAIN,
)

# The demo token is the demo declarant's system: it files, pays and uses the portal.
DEMO_TOKEN_SCOPES = ["read", "file", "pay", "portal"]
DEMO_TOKEN_DAYS = 90
DEMO_EMAIL_DOMAIN = "demo.haiquan.invalid"
DEMO_TOKEN_NAME = "demo"
CENTRAL_TEAM = "QN-TT"
QUANG_NINH = "20"

# Partner banks (code, name). Shinhan serves many Korean-invested firms of Bình Dương.
DEMO_BANKS = (
    ("VCB", "Ngân hàng TMCP Ngoại thương Việt Nam (Vietcombank)"),
    ("BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam (BIDV)"),
    ("CTG", "Ngân hàng TMCP Công Thương Việt Nam (VietinBank)"),
    ("VBA", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam (Agribank)"),
    ("TCB", "Ngân hàng TMCP Kỹ Thương Việt Nam (Techcombank)"),
    ("SHBVN", "Ngân hàng TNHH MTV Shinhan Việt Nam"),
)


def demo_bank_secret(code: str) -> str:
    """The signing secret a demo bank gets: fixed and printed, so anyone trying the payment
    API can sign messages. Never use a demo installation's banks for real money."""
    return f"haiquan-demo-{code.lower()}-secret"


@transaction.atomic
def demo_banks_ensure() -> dict[str, str]:
    """Create the demo banks that do not exist yet, each with its fixed demo secret.
    Returns code → secret for the banks created now or earlier by the demo."""
    out = {}
    for code, name in DEMO_BANKS:
        bank = Bank.objects.filter(code=code).first()
        if bank is None:
            bank, _generated = bank_create(code=code, name=name)
            # bank_create draws a random secret; the demo publishes a fixed one instead.
            Bank.objects.filter(pk=bank.pk).update(secret=demo_bank_secret(code))
        out[code] = demo_bank_secret(code)
    return out


def synthetic_analyst() -> User:
    """The account the generator loads and dates risk profiles with when no analyst did."""
    user = User.objects.filter(username="rr.synthetic").first()
    if user is None:
        user = user_create(
            username="rr.synthetic",
            password=None,
            role=Role.ANALYST,
            email=f"rr.synthetic@{SYNTHETIC_EMAIL_DOMAIN}",
            last_name="Generator",
        )
    return user


@transaction.atomic
def risk_profiles_ensure(*, valid_from: date, actor: User | None = None) -> int:
    """Load the risk app's demo profiles (and random-selection rates) if they are missing, and
    make each apply from `valid_from`, so the generated history is decided by the rules the
    live system uses. A profile starting later gets a new version starting at `valid_from`
    (versions are never edited). Returns how many versions were added."""
    codes = [spec["code"] for spec in DEMO_PROFILES]
    if not RiskProfile.objects.filter(code__in=codes).exists():
        load: Any = demo_profiles_load  # takes valid_from once the risk app offers it
        if "valid_from" in inspect.signature(load).parameters:
            load(actor=actor or synthetic_analyst(), valid_from=valid_from)
        else:
            load(actor=actor or synthetic_analyst())
    added = 0
    for profile in RiskProfile.objects.filter(code__in=codes, active=True).order_by("code"):
        version = profile_current_version(profile=profile)
        if version is None or version.valid_from <= valid_from:
            continue
        profile_update(
            profile=profile,
            criteria=version.criteria(),
            lane=version.lane,
            reason=version.reason,
            valid_from=valid_from,
            valid_to=version.valid_to,
            actor=actor or version.created_by,
            change_note=str(
                _("Demo installation: in force since the start of the generated history.")
            ),
        )
        added += 1
    return added


@transaction.atomic
def central_team_ensure() -> CentralTeam:
    """Quảng Ninh's central team: one queue for the declarations of all its offices."""
    team, _created = CentralTeam.objects.get_or_create(
        code=CENTRAL_TEAM,
        defaults={"name": "Đội thủ tục hải quan tập trung Quảng Ninh"},
    )
    department = Office.objects.filter(code=QUANG_NINH).first()
    if department is not None:
        team.offices.set(
            Office.objects.filter(path__startswith=department.path).exclude(pk=department.pk)
        )
    return team


@dataclass(frozen=True)
class DemoLogin:
    """A log-in the demo prints. `description` may be lazy (gettext_lazy): it is then written in
    the language of whoever runs the demo, whatever language the content is made in."""

    username: str
    role: str
    description: str | Promise


def _anchor_mst(anchor: str) -> str | None:
    row = SyntheticEnterprise.objects.filter(anchor=anchor).select_related("enterprise").first()
    return row.enterprise.mst if row else None


def _ensure_user(username: str, role: str, **scope: Any) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            # The demo's one shared password, printed and in the README: the only account
            # creation that skips the password rules.
            check_password=False,
            **scope,
        )
    else:
        demo_password_set(user)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
    return user


@transaction.atomic
def staff_users_ensure() -> list[DemoLogin]:
    """Customs staff log-ins (they need no enterprise): officers, leaders, analyst, admin."""
    specs: tuple[tuple[str, str, dict[str, list[str]], Any], ...] = (
        (
            "cc.mongcai",
            Role.OFFICER,
            {"office_codes": ["20BD"]},
            _("officer, Móng Cái border gate (20BD)"),
        ),
        ("cc.cailan", Role.OFFICER, {"office_codes": ["20CD"]}, _("officer, Cái Lân port (20CD)")),
        (
            "cc.trungtam",
            Role.OFFICER,
            {"team_codes": [CENTRAL_TEAM]},
            _("officer, Quảng Ninh central team (QN-TT)"),
        ),
        (
            "ld.quangninh",
            Role.LEADER,
            {"office_codes": [QUANG_NINH]},
            _("leader, Quảng Ninh Customs (20)"),
        ),
        (
            "ld.binhduong",
            Role.LEADER,
            {"office_codes": ["43"]},
            _("leader, Bình Dương Customs (43)"),
        ),
        ("rr.phantich", Role.ANALYST, {}, _("risk analyst")),
        ("admin", Role.ADMIN, {}, _("administrator")),
    )
    out = []
    for username, role, scope, description in specs:
        _ensure_user(username, role, **scope)
        out.append(DemoLogin(username, role, description))
    return out


@transaction.atomic
def trader_users_ensure() -> list[DemoLogin]:
    """The trader log-ins, attached to the generated anchor enterprises."""
    out = []
    hoanglong, bd_fdi, tanphat = (
        _anchor_mst(a) for a in (ANCHOR_HOANGLONG, ANCHOR_BD_FDI, ANCHOR_TANPHAT)
    )
    if hoanglong:
        msts = [m for m in (hoanglong, bd_fdi) if m]
        user = _ensure_user("dn.hoanglong", Role.DECLARANT, enterprise_msts=msts)
        user.enterprises.set(Enterprise.objects.filter(mst__in=msts))
        out.append(
            DemoLogin(
                "dn.hoanglong",
                Role.DECLARANT,
                _(
                    "declarant of Công ty TNHH Thương mại Hoàng Long (Quảng Ninh) and of a "
                    "Korean-invested manufacturer in Bình Dương"
                ),
            )
        )
    if tanphat:
        _ensure_user("broker.tanphat", Role.BROKER, employer_mst=tanphat)
        out.append(
            DemoLogin(
                "broker.tanphat",
                Role.BROKER,
                _(
                    "customs broker, Công ty TNHH Dịch vụ Hải quan Tân Phát, authorised by its "
                    "principals"
                ),
            )
        )
    return out


@transaction.atomic
def demo_token_issue(*, username: str = "dn.hoanglong") -> str | None:
    """A fresh API token for the demo declarant; earlier demo tokens are revoked (only their
    hashes are stored, so an old one cannot be shown again)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    for old in ApiToken.objects.filter(user=user, name=DEMO_TOKEN_NAME, revoked_at__isnull=True):
        token_revoke(token=old, revoked_by_label="haiquan demo")
    _token, raw = token_create(
        user=user,
        name=DEMO_TOKEN_NAME,
        scopes=DEMO_TOKEN_SCOPES,
        expires_at=timezone.now() + timedelta(days=DEMO_TOKEN_DAYS),
        issued_by_label="haiquan demo",
    )
    return raw


@transaction.atomic
def demo_enrolment_links(usernames: list[str]) -> dict[str, str]:
    """{user name: one-time link path} for each of these staff log-ins that has no authenticator
    yet: the demo plays the administrator who hands them out (customs staff enrol a second
    factor only through such a link, after logging in with the password)."""
    out: dict[str, str] = {}
    for user in User.objects.filter(username__in=usernames).order_by("username"):
        if not user_needs_second_factor(user) or user.is_system_account:
            continue
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            continue
        _link, raw = enrolment_link_issue(user=user, issued_by_label="haiquan demo")
        out[user.username] = reverse("accounts:enrol", args=[raw])
    return out
