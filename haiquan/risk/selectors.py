"""Reads of risk profiles and settings, and the compiled rule set the lane decision uses.

The rule set is compiled once per process and kept until the rule-set revision token changes
(`RuleSetRevision`, bumped by every service that changes a profile or an office setting, in
the same transaction). A decision therefore costs one primary-key read, and a change made
through the services is seen by every process on its next decision. A local-memory cache with
a timeout was rejected: each process would keep stale rules for the whole timeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from haiquan.core.problems import NotFound
from haiquan.core.revisions import revision_token_read
from haiquan.refdata.models import Office

from .criteria import Criteria
from .models import OfficeRiskSetting, RiskProfile, RiskProfileVersion, RuleSetRevision


@dataclass(frozen=True)
class CompiledProfile:
    """An active profile's current version, ready to match."""

    code: str
    version: int
    lane: str
    reason: str
    valid_from: date
    valid_to: date | None
    criteria: Criteria

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class RuleSet:
    token: str
    profiles: tuple[CompiledProfile, ...]
    office_rates: Mapping[str, Decimal]  # office code → its own random selection rate
    default_rate: Decimal

    def random_rate_for(self, office_path: str) -> tuple[Decimal, str]:
        return nearest_rate(office_path, self.office_rates, self.default_rate)


def nearest_rate(
    office_path: str, rates: Mapping[str, Decimal], default: Decimal
) -> tuple[Decimal, str]:
    """(rate, code of the office whose setting applies, or "" for the default).

    The nearest setting up the office tree: a border gate without its own rate uses its
    department's, then the General Department's, then the installation default.
    """
    for code in reversed([c for c in office_path.split("/") if c]):
        rate = rates.get(code)
        if rate is not None:
            return rate, code
    return default, ""


def default_random_rate() -> Decimal:
    """The rate where no office up the tree has a setting.

    `settings.HAIQUAN["RANDOM_SELECTION_DEFAULT_RATE"]` if the installation sets it, else 0:
    set the national rate on the root office (the demo sets 1%).
    """
    return Decimal(str(settings.HAIQUAN.get("RANDOM_SELECTION_DEFAULT_RATE", "0")))


RULESET_REVISION = "risk:ruleset"  # a revision token's name (not an event kind)
RULESET_TOKEN_SQL = f"SELECT token FROM {RuleSetRevision._meta.db_table} WHERE id = 1"  # noqa: S608


def ruleset_token() -> str:
    """The rule set's revision token: the one a registration read with its other tokens
    (haiquan.core.revisions) when there is one, else read now."""
    return revision_token_read(RULESET_REVISION)


def current_versions() -> QuerySet[RiskProfileVersion]:
    """Each profile's current version: the one with the highest number."""
    newest = (
        RiskProfileVersion.objects.filter(profile=OuterRef("profile"))
        .order_by("-number")
        .values("number")[:1]
    )
    return RiskProfileVersion.objects.filter(number=Subquery(newest))


def _ruleset_load(token: str) -> RuleSet:
    versions = (
        current_versions()
        .filter(profile__active=True)
        .select_related("profile")
        .order_by("profile__code")
    )
    profiles = tuple(
        CompiledProfile(
            code=v.profile.code,
            version=v.number,
            lane=v.lane,
            reason=v.reason,
            valid_from=v.valid_from,
            valid_to=v.valid_to,
            criteria=Criteria.from_clean(v.criteria()),
        )
        for v in versions
    )
    rates = dict(OfficeRiskSetting.objects.values_list("office__code", "random_rate"))
    return RuleSet(
        token=token, profiles=profiles, office_rates=rates, default_rate=default_random_rate()
    )


_cached: RuleSet | None = None


def ruleset_current() -> RuleSet:
    """The rule set in force, recompiled only when the revision token has changed."""
    global _cached
    token = ruleset_token()
    cached = _cached
    if cached is not None and cached.token == token:
        return cached
    fresh = _ruleset_load(token)
    _cached = fresh
    return fresh


def profile_list(*, active: bool | None = None, q: str = "") -> QuerySet[RiskProfile]:
    qs = RiskProfile.objects.select_related("created_by").order_by("code")
    if active is not None:
        qs = qs.filter(active=active)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return qs


def profile_get(*, profile_id: int) -> RiskProfile:
    profile = RiskProfile.objects.select_related("created_by").filter(pk=profile_id).first()
    if profile is None:
        raise NotFound(_("There is no risk profile %(id)s.") % {"id": profile_id})
    return profile


def profile_current_version(*, profile: RiskProfile) -> RiskProfileVersion | None:
    return profile.versions.select_related("created_by").order_by("-number").first()


def profile_versions(*, profile: RiskProfile) -> QuerySet[RiskProfileVersion]:
    return profile.versions.select_related("created_by").order_by("-number")


def current_versions_for(profile_ids: list[int]) -> dict[int, RiskProfileVersion]:
    """Current versions of several profiles in one query (for lists)."""
    qs = current_versions().filter(profile_id__in=profile_ids).select_related("created_by")
    return {v.profile_id: v for v in qs}


def office_get(*, code: str) -> Office:
    office = Office.objects.filter(code=code.upper()).first()
    if office is None:
        raise NotFound(_("There is no customs office %(code)s.") % {"code": code})
    return office


@dataclass(frozen=True)
class EffectiveSetting:
    office: Office
    own: OfficeRiskSetting | None  # the office's own setting, if it has one
    random_rate: Decimal  # the rate that applies (own or inherited)
    inherited_from: str  # office code the rate comes from; "" for the installation default


def office_setting_effective(*, office: Office) -> EffectiveSetting:
    own = OfficeRiskSetting.objects.select_related("updated_by").filter(office=office).first()
    codes = [c for c in office.path.split("/") if c]
    rates = dict(
        OfficeRiskSetting.objects.filter(office__code__in=codes).values_list(
            "office__code", "random_rate"
        )
    )
    rate, source = nearest_rate(office.path, rates, default_random_rate())
    return EffectiveSetting(office=office, own=own, random_rate=rate, inherited_from=source)
