"""Users, their roles and scopes, and API tokens for systems."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import CUSTOMS_ROLES, TRADER_ROLES, Role


class User(AbstractUser):
    """A person or a system account. What it may see follows from its role and scope:

    - a declarant files for the enterprises in `enterprises`;
    - a broker works for `enterprise` (a broker firm) and files for the principals that
      authorised that firm;
    - officers and leaders act on declarations of `offices` (and their sub-offices) and of
      the offices served by their central `teams`.
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.DECLARANT)
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    enterprises = models.ManyToManyField(
        "refdata.Enterprise",
        verbose_name=_("enterprises declared for"),
        blank=True,
        related_name="declarants",
    )
    offices = models.ManyToManyField(
        "refdata.Office", verbose_name=_("offices"), blank=True, related_name="officers"
    )
    teams = models.ManyToManyField(
        "refdata.CentralTeam", verbose_name=_("central teams"), blank=True, related_name="members"
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    # A system (a trader's ERP, a port's terminal system, a customs office's integration), not a
    # person: it has no password and acts through API tokens only. Customs roles get tokens
    # only as such accounts, never as a person's (a person's token would skip the second factor).
    is_system_account = models.BooleanField(_("system account"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_trader(self) -> bool:
        return self.role in TRADER_ROLES

    @property
    def is_customs(self) -> bool:
        return self.role in CUSTOMS_ROLES


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for a system acting as a user. Only its SHA-256 is stored. It may be used
    for its `scopes` only (haiquan.core.apiscopes) and until `expires_at`; who issued it and for
    what stay on it (and in the event log)."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    issued_by = models.ForeignKey(
        User,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who issued it when not an account: "command line (root)", "haiquan demo".
    issued_by_label = models.CharField(_("issued by (label)"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def allows(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class EnrolmentLink(models.Model):
    """A one-time link an administrator issues so that a person can enrol an authenticator
    (TOTP) after logging in with their password. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="enrolment_links"
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    issued_by = models.ForeignKey(
        User,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment link")
        verbose_name_plural = _("enrolment links")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"
