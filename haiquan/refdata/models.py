"""Reference data: customs offices, countries, currencies, exchange rates, enterprises,
declaration types. Administrations load and edit these; nothing here is hard-coded in logic."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from haiquan.core.visibility import Reach, Visibility, VisibleQuerySet

from .choices import ComplianceRank, DutyTreatment, Flow, OfficeKind


class TranslatedNameMixin(models.Model):
    """Names in the five languages; `name` falls back to Vietnamese where a language has none."""

    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=255, blank=True)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=255, blank=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        lang = (get_language() or "vi").replace("-", "_").lower()
        return getattr(self, f"name_{lang}", "") or self.name_vi


class Office(TranslatedNameMixin):
    """A customs office in a tree of any depth (General Department → Department → Chi cục).

    Offices renamed or merged keep their row; `successor` points to the office that took
    over, so reports over several years can follow the lineage.
    """

    code = models.CharField(_("code"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OfficeKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("/00/20/20BC/") for subtree queries without recursion.
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    provinces = models.JSONField(
        _("provinces managed"),
        default=list,
        blank=True,
        help_text=_("Province codes this office manages; an enterprise there is in-province."),
    )
    valid_from = models.DateField(_("valid from"), default=date(2000, 1, 1))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )

    class Meta:
        verbose_name = _("customs office")
        verbose_name_plural = _("customs offices")
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = (self.parent.path if self.parent_id and self.parent else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    def is_active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def department(self) -> Office | None:
        """The nearest ancestor (or self) that manages provinces."""
        node: Office | None = self
        while node is not None:
            if node.provinces:
                return node
            node = node.parent
        return None


class CentralTeam(models.Model):
    """A team that works declarations for several offices (centralised procedures)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=255)
    offices = models.ManyToManyField(Office, verbose_name=_("offices served"), related_name="teams")

    class Meta:
        verbose_name = _("central team")
        verbose_name_plural = _("central teams")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Country(models.Model):
    """Loaded from pycountry; `mfn` says whether imports from it get most-favoured-nation rates."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    alpha3 = models.CharField(_("alpha-3 code"), max_length=3, unique=True)
    numeric = models.CharField(_("numeric code"), max_length=3)
    name = models.CharField(_("name"), max_length=128)
    mfn = models.BooleanField(_("MFN treatment"), default=True)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Currency(models.Model):
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    numeric = models.CharField(_("numeric code"), max_length=3, blank=True)
    name = models.CharField(_("name"), max_length=128)

    class Meta:
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ExchangeRate(models.Model):
    """VND per one unit of a currency, for a day (the customs rate applicable that day)."""

    currency = models.ForeignKey(Currency, verbose_name=_("currency"), on_delete=models.PROTECT)
    day = models.DateField(_("day"))
    rate_vnd = models.DecimalField(_("rate (VND)"), max_digits=18, decimal_places=4)
    source = models.CharField(_("source"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-day", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "day"], name="exchange_rate_unique_day"),
            models.CheckConstraint(
                condition=models.Q(rate_vnd__gt=0), name="exchange_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency_id} {self.day} {self.rate_vnd}"


class Enterprise(models.Model):
    """A trader, broker or operator, identified by its tax code (MST)."""

    mst = models.CharField(_("tax code (MST)"), max_length=14, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    province_code = models.CharField(_("province code"), max_length=8, blank=True)
    is_fdi = models.BooleanField(_("foreign-invested"), default=False)
    investor_country = models.ForeignKey(
        Country,
        verbose_name=_("investor country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    compliance_rank = models.CharField(
        _("compliance rank"),
        max_length=16,
        choices=ComplianceRank.choices,
        default=ComplianceRank.UNRANKED,
    )
    is_broker = models.BooleanField(_("customs broker"), default=False)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    # Customs see the enterprises that declared at their offices; traders those they may file for.
    visibility = Visibility(
        offices=("declarations__office",), enterprise="pk", traders=Reach.FILE_FOR
    )
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.mst} {self.name}"


class BrokerAuthorisation(models.Model):
    """An enterprise authorises a customs broker to declare on its behalf for a period."""

    principal = models.ForeignKey(
        Enterprise, verbose_name=_("principal"), on_delete=models.PROTECT, related_name="brokers"
    )
    broker = models.ForeignKey(
        Enterprise, verbose_name=_("broker"), on_delete=models.PROTECT, related_name="principals"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("broker authorisation")
        verbose_name_plural = _("broker authorisations")
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "broker", "valid_from"], name="broker_auth_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.broker} → {self.principal}"


class DeclarationType(models.Model):
    """A declaration type code (mã loại hình) and the duty treatment it brings."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    flow = models.CharField(_("flow"), max_length=6, choices=Flow.choices)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255)
    duty_treatment = models.CharField(
        _("duty treatment"), max_length=16, choices=DutyTreatment.choices
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("declaration type")
        verbose_name_plural = _("declaration types")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    @property
    def name(self) -> str:
        from haiquan.core.i18n import in_language

        return in_language(self.name_vi, self.name_en)


class RefdataRevision(models.Model):
    """One row whose tokens change whenever the reference data registration reads changes.

    Registration looks up declaration types, offices, currencies, countries and the day's
    exchange rate for every declaration; each process keeps them in memory
    (`selectors.reference_current`) and compares these tokens (one primary-key read) with the
    ones it loaded under. Database triggers (migration 0002) write new random tokens on every
    INSERT, UPDATE, DELETE or TRUNCATE of those tables, whoever makes it (services, admin,
    `bulk_create`, `update()`, raw SQL), in the transaction of the change. Random rather than a
    counter, so a rolled-back change can never leave two different contents under one token.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    # offices, countries, currencies, declaration types
    token = models.CharField(_("token"), max_length=32)
    # exchange rates, apart: a new day's rate should not make every process reload the offices
    rates_token = models.CharField(_("exchange rates token"), max_length=32)

    class Meta:
        verbose_name = _("reference data revision")
        verbose_name_plural = _("reference data revisions")

    def __str__(self) -> str:
        return f"{self.token}/{self.rates_token}"
