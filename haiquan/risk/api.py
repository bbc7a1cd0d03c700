"""HTTP API for risk profiles and office risk settings (mounted at /api/v1/risk).

Analysts and administrators read and write; office leaders read; everyone else gets 403.
The API checks the caller and shapes the data; the rules live in `services` and `criteria`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from haiquan.accounts.apiauth import API_AUTH
from haiquan.core.api import ObjectId, Pagination

from . import selectors, services
from .models import CRITERIA_FIELDS, RiskProfile, RiskProfileVersion
from .permissions import risk_require_read

router = Router(tags=["risk"], auth=API_AUTH)


# Schemas -----------------------------------------------------------------------------------


class CriteriaIn(Schema):
    """Every criterion is optional; a declaration matches when every criterion given matches."""

    hs_prefixes: list[str] = []
    origins: list[str] = []
    enterprise_msts: list[str] = []
    compliance_ranks: list[str] = []
    type_codes: list[str] = []
    office_codes: list[str] = []
    flow: str = ""
    min_value_vnd: Decimal | None = None
    max_unit_price_vnd: Decimal | None = None
    min_unit_price_vnd: Decimal | None = None
    preference_claimed: bool | None = None

    def criteria(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CRITERIA_FIELDS}


class ProfileIn(CriteriaIn):
    code: str
    name: str
    description: str = ""
    lane: str
    reason: str
    valid_from: date | None = None
    valid_to: date | None = None


class ProfileUpdateIn(CriteriaIn):
    """A full new version: criteria left out are not checked by the new version."""

    lane: str
    reason: str
    change_note: str
    valid_from: date | None = None
    valid_to: date | None = None
    name: str | None = None
    description: str | None = None


class ProfileStatusIn(Schema):
    reason: str


class ProfileVersionOut(Schema):
    number: int
    hs_prefixes: list[str]
    origins: list[str]
    enterprise_msts: list[str]
    compliance_ranks: list[str]
    type_codes: list[str]
    office_codes: list[str]
    flow: str
    min_value_vnd: Decimal | None
    max_unit_price_vnd: Decimal | None
    min_unit_price_vnd: Decimal | None
    preference_claimed: bool | None
    lane: str
    reason: str
    valid_from: date
    valid_to: date | None
    change_note: str
    created_by: str
    created_at: datetime

    @staticmethod
    def resolve_created_by(obj: RiskProfileVersion) -> str:
        return obj.created_by.get_username()


class ProfileOut(Schema):
    id: int
    code: str
    name: str
    description: str
    active: bool
    created_by: str
    created_at: datetime
    deactivated_at: datetime | None
    deactivation_reason: str
    current_version: ProfileVersionOut | None

    @staticmethod
    def resolve_created_by(obj: RiskProfile) -> str:
        return obj.created_by.get_username()

    @staticmethod
    def resolve_current_version(obj: RiskProfile) -> RiskProfileVersion | None:
        prefetched = getattr(obj, "current", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return selectors.profile_current_version(profile=obj)


class ProfileDetailOut(ProfileOut):
    versions: list[ProfileVersionOut]

    @staticmethod
    def resolve_versions(obj: RiskProfile) -> list[RiskProfileVersion]:
        return list(selectors.profile_versions(profile=obj))


class OfficeSettingIn(Schema):
    random_rate: Decimal
    target_inspection_rate: Decimal | None = None


class OfficeSettingOut(Schema):
    office_code: str
    office_name: str
    random_rate: Decimal | None  # the office's own rate; None when it inherits
    target_inspection_rate: Decimal | None
    effective_random_rate: Decimal  # the rate that applies to its declarations
    inherited_from: str  # office whose setting applies; "" for the installation default
    updated_by: str | None
    updated_at: datetime | None


# Endpoints ---------------------------------------------------------------------------------


def _detail(profile_id: int) -> RiskProfile:
    return selectors.profile_get(profile_id=profile_id)


@router.get("/profiles", response=list[ProfileOut])
@paginate(Pagination)
def profiles_list(request: HttpRequest, active: bool | None = None, q: str = "") -> Any:
    risk_require_read(request.user)
    current = Prefetch(
        "versions",
        queryset=selectors.current_versions().select_related("created_by"),
        to_attr="current",
    )
    return selectors.profile_list(active=active, q=q).prefetch_related(current)


@router.post("/profiles", response={201: ProfileDetailOut})
def profiles_create(request: HttpRequest, payload: ProfileIn) -> Any:
    profile = services.profile_create(
        code=payload.code,
        name=payload.name,
        description=payload.description,
        criteria=payload.criteria(),
        lane=payload.lane,
        reason=payload.reason,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        actor=request.user,
    )
    return Status(201, _detail(profile.pk))


@router.get("/profiles/{profile_id}", response=ProfileDetailOut)
def profiles_get(request: HttpRequest, profile_id: ObjectId) -> Any:
    risk_require_read(request.user)
    return _detail(profile_id)


@router.put("/profiles/{profile_id}", response=ProfileDetailOut)
def profiles_update(request: HttpRequest, profile_id: ObjectId, payload: ProfileUpdateIn) -> Any:
    profile = _detail(profile_id)
    services.profile_update(
        profile=profile,
        criteria=payload.criteria(),
        lane=payload.lane,
        reason=payload.reason,
        change_note=payload.change_note,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        name=payload.name,
        description=payload.description,
        actor=request.user,
    )
    return _detail(profile_id)


@router.post("/profiles/{profile_id}/deactivate", response=ProfileDetailOut)
def profiles_deactivate(
    request: HttpRequest, profile_id: ObjectId, payload: ProfileStatusIn
) -> Any:
    services.profile_deactivate(
        profile=_detail(profile_id), actor=request.user, reason=payload.reason
    )
    return _detail(profile_id)


@router.post("/profiles/{profile_id}/activate", response=ProfileDetailOut)
def profiles_activate(request: HttpRequest, profile_id: ObjectId, payload: ProfileStatusIn) -> Any:
    services.profile_activate(
        profile=_detail(profile_id), actor=request.user, reason=payload.reason
    )
    return _detail(profile_id)


def _setting_out(code: str) -> dict[str, Any]:
    office = selectors.office_get(code=code)
    eff = selectors.office_setting_effective(office=office)
    own = eff.own
    return {
        "office_code": office.code,
        "office_name": office.name,
        "random_rate": own.random_rate if own else None,
        "target_inspection_rate": own.target_inspection_rate if own else None,
        "effective_random_rate": eff.random_rate,
        "inherited_from": eff.inherited_from,
        "updated_by": own.updated_by.get_username() if own else None,
        "updated_at": own.updated_at if own else None,
    }


@router.get("/offices/{code}/setting", response=OfficeSettingOut)
def office_setting_get(request: HttpRequest, code: str) -> Any:
    risk_require_read(request.user)
    return _setting_out(code)


@router.put("/offices/{code}/setting", response=OfficeSettingOut)
def office_setting_put(request: HttpRequest, code: str, payload: OfficeSettingIn) -> Any:
    office = selectors.office_get(code=code)
    services.office_setting_set(
        office=office,
        random_rate=payload.random_rate,
        target_inspection_rate=payload.target_inspection_rate,
        actor=request.user,
    )
    return _setting_out(code)
