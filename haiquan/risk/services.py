"""Changing risk profiles and office risk settings.

Every change is one transaction that writes its event and bumps the rule-set revision, so
that every process recompiles its rules before its next lane decision.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import uuid4

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.core.problems import Conflict, FieldProblem, ValidationFailed, invalid
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.refdata.models import Office

from .choices import ProfileLane
from .criteria import criteria_clean
from .models import OfficeRiskSetting, RiskProfile, RiskProfileVersion, RuleSetRevision
from .permissions import risk_require_write

CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9_.-]{1,31}")
RATE_PLACES = 4


def ruleset_revision_bump() -> None:
    """Tell every process that the rules changed (call inside the transaction of the change)."""
    now = timezone.now()
    token = uuid4().hex
    if not RuleSetRevision.objects.filter(pk=1).update(token=token, changed_at=now):
        RuleSetRevision.objects.update_or_create(pk=1, defaults={"token": token, "changed_at": now})


def _outcome_problems(
    *, lane: str, reason: str, valid_from: date, valid_to: date | None
) -> list[FieldProblem]:
    errors = []
    if lane not in ProfileLane.values:
        errors.append(
            FieldProblem(
                "lane",
                _(
                    "'%(value)s' is not a lane a profile can send to; use yellow or red "
                    "(a declaration no profile matches stays green)"
                )
                % {"value": lane},
                "invalid-lane",
            )
        )
    if not (reason or "").strip():
        errors.append(
            FieldProblem(
                "reason",
                _("say in plain words why officers should check these declarations"),
                "required",
            )
        )
    if valid_to is not None and valid_to < valid_from:
        errors.append(
            FieldProblem(
                "valid_to",
                _("must not be before valid_from (%(day)s)") % {"day": valid_from.isoformat()},
                "before-start",
            )
        )
    return errors


def _criteria_problems(criteria: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
    try:
        return criteria_clean(criteria), []
    except ValidationFailed as exc:
        return {}, list(exc.errors)


def _version_add(
    *,
    profile: RiskProfile,
    number: int,
    criteria: dict[str, Any],
    lane: str,
    reason: str,
    valid_from: date,
    valid_to: date | None,
    change_note: str,
    actor: Any,
) -> RiskProfileVersion:
    return RiskProfileVersion.objects.create(
        profile=profile,
        number=number,
        lane=lane,
        reason=reason.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        change_note=change_note.strip(),
        created_by=actor,
        **criteria,
    )


def _event_data(version: RiskProfileVersion) -> dict[str, Any]:
    return {
        "code": version.profile.code,
        "version": version.number,
        "lane": version.lane,
        "reason": version.reason,
        "criteria": version.criteria(),
        "valid_from": version.valid_from,
        "valid_to": version.valid_to,
    }


@transaction.atomic
def profile_create(
    *,
    code: str,
    name: str,
    description: str = "",
    criteria: Mapping[str, Any],
    lane: str,
    reason: str,
    valid_from: date | None = None,
    valid_to: date | None = None,
    actor: Any,
) -> RiskProfile:
    """Create a risk profile (hồ sơ rủi ro) with its first version.

    From `valid_from` (today if not given) every declaration registered that matches all the
    criteria goes at least to `lane`, with `reason` shown to the officer who checks it.
    """
    risk_require_write(actor)
    code = (code or "").strip().upper()
    valid_from = valid_from or timezone.localdate()
    errors: list[FieldProblem] = []
    if not CODE_RE.fullmatch(code):
        errors.append(
            FieldProblem(
                "code",
                _("use 2 to 32 capital letters, digits, '_', '-' or '.', e.g. TOBACCO-2402"),
                "invalid-code",
            )
        )
    if not (name or "").strip():
        errors.append(FieldProblem("name", _("must not be empty"), "required"))
    clean, problems = _criteria_problems(criteria)
    errors += problems
    errors += _outcome_problems(lane=lane, reason=reason, valid_from=valid_from, valid_to=valid_to)
    if errors:
        raise ValidationFailed(errors)
    duplicate = invalid(
        "code", _("a risk profile with code %(code)s already exists") % {"code": code}, "duplicate"
    )
    if RiskProfile.objects.filter(code=code).exists():
        raise duplicate
    try:
        with transaction.atomic():
            profile = RiskProfile.objects.create(
                code=code,
                name=name.strip(),
                description=(description or "").strip(),
                created_by=actor,
            )
    except IntegrityError as exc:  # created by someone else since the check
        raise duplicate from exc
    version = _version_add(
        profile=profile,
        number=1,
        criteria=clean,
        lane=lane,
        reason=reason,
        valid_from=valid_from,
        valid_to=valid_to,
        change_note="",
        actor=actor,
    )
    kinds.RISK_PROFILE_CREATED.record(
        subject_type="risk_profile",
        subject_id=profile.pk,
        party=Party.CUSTOMS,
        actor=actor,
        data=_event_data(version),
    )
    ruleset_revision_bump()
    return profile


@transaction.atomic
def profile_update(
    *,
    profile: RiskProfile,
    criteria: Mapping[str, Any],
    lane: str,
    reason: str,
    change_note: str,
    actor: Any,
    valid_from: date | None = None,
    valid_to: date | None = None,
    name: str | None = None,
    description: str | None = None,
) -> RiskProfileVersion:
    """Change a profile by adding a version; the versions before it are kept unchanged.

    The new version replaces the old one in every decision from now on (within its own
    validity dates, `valid_from` being today if not given). `change_note` says why, for the
    audit trail. `name` and `description` label the profile and are not versioned.
    """
    risk_require_write(actor)
    valid_from = valid_from or timezone.localdate()
    errors: list[FieldProblem] = []
    if not (change_note or "").strip():
        errors.append(FieldProblem("change_note", _("say what changed and why"), "required"))
    if name is not None and not name.strip():
        errors.append(FieldProblem("name", _("must not be empty"), "required"))
    clean, problems = _criteria_problems(criteria)
    errors += problems
    errors += _outcome_problems(lane=lane, reason=reason, valid_from=valid_from, valid_to=valid_to)
    if errors:
        raise ValidationFailed(errors)
    # The lock makes concurrent updates take version numbers one after the other.
    locked = RiskProfile.objects.select_for_update().get(pk=profile.pk)
    last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
    if name is not None or description is not None:
        locked.name = name.strip() if name is not None else locked.name
        locked.description = description.strip() if description is not None else locked.description
        locked.save(update_fields=["name", "description"])
    version = _version_add(
        profile=locked,
        number=last + 1,
        criteria=clean,
        lane=lane,
        reason=reason,
        valid_from=valid_from,
        valid_to=valid_to,
        change_note=change_note,
        actor=actor,
    )
    kinds.RISK_PROFILE_UPDATED.record(
        subject_type="risk_profile",
        subject_id=locked.pk,
        party=Party.CUSTOMS,
        actor=actor,
        data={**_event_data(version), "change_note": version.change_note},
    )
    ruleset_revision_bump()
    profile.refresh_from_db()
    return version


def _set_active(*, profile: RiskProfile, active: bool, actor: Any, reason: str) -> RiskProfile:
    risk_require_write(actor)
    if not (reason or "").strip():
        raise invalid("reason", _("say why"), "required")
    locked = RiskProfile.objects.select_for_update().get(pk=profile.pk)
    if locked.active == active:
        message = (
            _("Risk profile %(code)s is already active.")
            if active
            else _("Risk profile %(code)s is already inactive.")
        )
        raise Conflict(
            message % {"code": locked.code},
            code="already-active" if active else "already-inactive",
        )
    locked.active = active
    locked.deactivated_at = None if active else timezone.now()
    locked.deactivation_reason = "" if active else reason.strip()
    locked.save(update_fields=["active", "deactivated_at", "deactivation_reason"])
    (kinds.RISK_PROFILE_ACTIVATED if active else kinds.RISK_PROFILE_DEACTIVATED).record(
        subject_type="risk_profile",
        subject_id=locked.pk,
        party=Party.CUSTOMS,
        actor=actor,
        data={"code": locked.code, "reason": reason.strip()},
    )
    ruleset_revision_bump()
    profile.refresh_from_db()
    return profile


@transaction.atomic
def profile_deactivate(*, profile: RiskProfile, actor: Any, reason: str) -> RiskProfile:
    """Stop a profile firing from now on. Its versions stay, and the lanes it set stay set."""
    return _set_active(profile=profile, active=False, actor=actor, reason=reason)


@transaction.atomic
def profile_activate(*, profile: RiskProfile, actor: Any, reason: str) -> RiskProfile:
    """Let a deactivated profile fire again, with its current version."""
    return _set_active(profile=profile, active=True, actor=actor, reason=reason)


def _rate(raw: Any, name: str, errors: list[FieldProblem]) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value > 1:
        errors.append(
            FieldProblem(
                name, _("must be a fraction from 0 to 1, e.g. 0.01 for 1%"), "not-a-fraction"
            )
        )
        return None
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RATE_PLACES:
        errors.append(
            FieldProblem(
                name,
                _("use at most %(n)d decimal places (0.0001 = 0.01%%)") % {"n": RATE_PLACES},
                "too-precise",
            )
        )
        return None
    return value


@transaction.atomic
def office_setting_set(
    *,
    office: Office | str,
    random_rate: Decimal | str | float,
    target_inspection_rate: Decimal | str | float | None = None,
    actor: Any,
) -> OfficeRiskSetting:
    """Set an office's random selection rate for compliance measurement (and its target).

    `random_rate` is the share of declarations (0 to 1) sent red at random; it applies to the
    office and every office under it that has no setting of its own.
    """
    risk_require_write(actor)
    errors: list[FieldProblem] = []
    if isinstance(office, str):
        found = Office.objects.filter(code=office.strip().upper()).first()
        if found is None:
            errors.append(
                FieldProblem(
                    "office",
                    _("'%(value)s' is not a customs office code") % {"value": office},
                    "unknown-office",
                )
            )
    else:
        found = office
    rate = _rate(random_rate, "random_rate", errors)
    if rate is None and not any(e.field == "random_rate" for e in errors):
        errors.append(FieldProblem("random_rate", _("must not be empty"), "required"))
    target = _rate(target_inspection_rate, "target_inspection_rate", errors)
    if errors or found is None or rate is None:
        raise ValidationFailed(errors)
    previous = (
        OfficeRiskSetting.objects.select_for_update()
        .filter(office=found)
        .values("random_rate", "target_inspection_rate")
        .first()
    )
    setting, _created = OfficeRiskSetting.objects.update_or_create(
        office=found,
        defaults={
            "random_rate": rate,
            "target_inspection_rate": target,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    kinds.RISK_OFFICE_SETTING_SET.record(
        subject_type="office_risk_setting",
        subject_id=setting.pk,
        party=Party.CUSTOMS,
        actor=actor,
        office_code=found.code,
        data={
            "office": found.code,
            "random_rate": rate,
            "target_inspection_rate": target,
            "previous": previous,
        },
    )
    ruleset_revision_bump()
    return setting
