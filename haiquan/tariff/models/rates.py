"""Import duty rates with their validity dates: the MFN, ordinary and special preferential rates
of each line over a period (`LineRate`), so that a new year's schedule is loaded beside the old
one and a declaration takes the rates in force on its registration day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import AMOUNT, RATE
from .nomenclature import HsLine

# A validity period that starts "always": the shipped schedule applies to every day before the
# first dated change (history imported from before it included).
OPEN_START = date(2000, 1, 1)


class Agreement(models.Model):
    """A free-trade agreement (hiệp định thương mại tự do) and the C/O proving origin under it."""

    code = models.CharField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=255)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255, blank=True)
    co_form = models.CharField(
        _("C/O form"), max_length=32, help_text=_("e.g. D for ATIGA, E for ACFTA, EUR.1 for EVFTA")
    )
    co_validity_days = models.PositiveIntegerField(_("C/O validity (days)"), default=365)
    in_force_from = models.DateField(_("in force from"), null=True, blank=True)

    class Meta:
        verbose_name = _("trade agreement")
        verbose_name_plural = _("trade agreements")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class AgreementParty(models.Model):
    """A country party to an agreement (ISO 3166 alpha-2; Vietnam included), and the schedule
    of Vietnam's commitments its goods take (RCEP has one per partner group: A for ASEAN, B
    Australia, C China, D Japan, E Korea, F New Zealand; CPTPP sets some rates for Mexico
    apart). Empty: the agreement's common schedule."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="parties"
    )
    country_code = models.CharField(_("country code"), max_length=2)
    schedule = models.CharField(_("schedule"), max_length=4, blank=True, default="")
    joined_on = models.DateField(
        _("in force for this party from"),
        null=True,
        blank=True,
        help_text=_(
            "Leave empty when the agreement applied to this party from its entry into force."
        ),
    )

    class Meta:
        verbose_name = _("agreement party")
        verbose_name_plural = _("agreement parties")
        ordering = ["agreement", "country_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "country_code"], name="agreement_party_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.country_code}"

    def clean(self) -> None:
        self.country_code = (self.country_code or "").upper()
        if pycountry.countries.get(alpha_2=self.country_code) is None:
            raise ValidationError(
                {
                    "country_code": _("'%(code)s' is not an ISO 3166 alpha-2 country code")
                    % {"code": self.country_code}
                }
            )


class LineRate(models.Model):
    """A line's MFN (ưu đãi), ordinary (thông thường) and FTA import rates over a period.

    The ordinary rate is the schedule's own where it sets one, otherwise 150% of the MFN rate.
    Lines under a tariff-rate quota (hạn ngạch thuế quan) carry the out-of-quota rates too; the
    plain rates then apply within the quota. A schedule may set no percentage (cars under
    chapter 98's rules): `mfn_rate` is empty and `rate_note` says where the duty is set."""

    hs_line = models.ForeignKey(
        HsLine, verbose_name=_("tariff line"), on_delete=models.CASCADE, related_name="rates"
    )
    valid_from = models.DateField(_("valid from"), default=OPEN_START)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    mfn_rate = models.DecimalField(_("MFN import rate (%)"), null=True, blank=True, **RATE)
    ordinary_rate = models.DecimalField(
        _("ordinary import rate (%)"),
        null=True,
        blank=True,
        **RATE,
        # xgettext:no-python-format
        help_text=_("Leave empty to apply 150% of the MFN rate."),
    )
    specific_duty_vnd = models.DecimalField(
        _("specific import duty (VND per unit)"), null=True, blank=True, **AMOUNT
    )
    mfn_out_of_quota_rate = models.DecimalField(
        _("MFN rate out of quota (%)"), null=True, blank=True, **RATE
    )
    ordinary_out_of_quota_rate = models.DecimalField(
        _("ordinary rate out of quota (%)"), null=True, blank=True, **RATE
    )
    rate_note = models.CharField(_("note on the rate"), max_length=255, blank=True)
    # The special preferential rates (thuế suất ưu đãi đặc biệt) of the free-trade agreements
    # over the same period, by agreement ("ACFTA") or agreement schedule ("RCEP/C"): see
    # `preferential_entry`. Kept with the period rather than one row each: a schedule is a
    # whole year's decrees, loaded and read together.
    preferential = models.JSONField(_("special preferential rates"), default=dict, blank=True)
    source = models.CharField(_("schedule"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("import duty rate")
        verbose_name_plural = _("import duty rates")
        ordering = ["hs_line", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["hs_line", "valid_from"], name="line_rate_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="line_rate_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hs_line_id} {self.mfn_rate}% from {self.valid_from}"

    @property
    def ordinary(self) -> Decimal | None:
        if self.ordinary_rate is not None:
            return self.ordinary_rate
        return None if self.mfn_rate is None else self.mfn_rate * Decimal("1.5")


def preferential_key(agreement: str, schedule: str = "") -> str:
    """'ACFTA', or 'RCEP/C' for one schedule of an agreement."""
    return f"{agreement}/{schedule}" if schedule else agreement


def preferential_entry(
    rate: Decimal | None,
    *,
    out_of_quota: Decimal | None = None,
    excluded_origins: tuple[str, ...] | list[str] = (),
    note: str = "",
) -> dict[str, object]:
    """One agreement's rate in `LineRate.preferential`:

    ``{"rate": "0"}``; ``{"rate": null}`` when the line is excluded from the agreement ("*");
    ``"oq"``: the rate out of quota; ``"excluded"``: parties whose goods do not get the rate
    ("0 (-PH)"); ``"note"``: the cell as the decree writes it when it says more than one rate.
    """
    entry: dict[str, object] = {"rate": None if rate is None else format(rate, "f")}
    if out_of_quota is not None:
        entry["oq"] = format(out_of_quota, "f")
    if excluded_origins:
        entry["excluded"] = list(excluded_origins)
    if note:
        entry["note"] = note
    return entry


class TariffVersion(models.Model):
    """A single row whose token changes whenever the tariff changes.

    Every loader (and the admin) writes a new random token in the transaction of its change;
    `Tariff.load` compares it with the token of its per-process snapshot and rebuilds when they
    differ. A random token rather than a counter: a database flushed and reloaded (tests, a
    restore) can never repeat a token a process has cached. `source_digest` is the digest of the
    shipped files last loaded whole, so loading them again unchanged does nothing.
    """

    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"))
    source_digest = models.CharField(_("digest of the shipped tariff"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("tariff version")
        verbose_name_plural = _("tariff version")

    def __str__(self) -> str:
        return self.token
