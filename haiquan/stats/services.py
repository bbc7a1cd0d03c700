"""Writes of the statistics app: revenue targets (chỉ tiêu thu ngân sách), set by leaders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.models import User
from haiquan.core.problems import FieldProblem, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.refdata.models import Office

from .choices import Authority
from .models import Target, TargetChange
from .permissions import require_target_setter

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_AMOUNT = Decimal(10) ** 18  # VND; far above any national budget line


def _amount(value: Any, errors: list[FieldProblem]) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("_", ""))
    except (InvalidOperation, ValueError):
        errors.append(FieldProblem("amount_vnd", _("Must be a whole number of đồng."), "number"))
        return None
    if not amount.is_finite() or amount != amount.to_integral_value():
        errors.append(FieldProblem("amount_vnd", _("Must be a whole number of đồng."), "number"))
        return None
    if amount <= 0:
        errors.append(FieldProblem("amount_vnd", _("Must be more than zero."), "not-positive"))
        return None
    if amount >= MAX_AMOUNT:
        errors.append(FieldProblem("amount_vnd", _("Is too large."), "too-large"))
        return None
    return amount


def target_set(
    *,
    actor: User,
    office_code: str,
    year: Any,
    authority: str,
    amount_vnd: Any,
    reason: str = "",
) -> tuple[Target, bool]:
    """Set the revenue target an authority gave an office for a year (created or changed).

    The target covers the revenue collected by the office and its sub-offices from 1 January to
    31 December. A leader sets targets of the offices in its scope, an administrator any. Each
    setting is kept (`TargetChange`, amount before and after, who, when, why) and written to
    the event log; setting the same amount again changes nothing. Answers (target, created).
    """
    office, year_n, amount, reason = _target_input(office_code, year, authority, amount_vnd, reason)
    require_target_setter(actor, office)
    with transaction.atomic():
        target = (
            Target.objects.select_for_update()
            .filter(office=office, year=year_n, authority=authority)
            .first()
        )
        created = target is None
        before = None if target is None else target.amount_vnd
        if target is not None and before == amount:
            return target, False
        now = timezone.now()
        if target is None:
            target = Target.objects.create(
                office=office,
                year=year_n,
                authority=authority,
                amount_vnd=amount,
                updated_by=actor,
                updated_at=now,
            )
        else:
            target.amount_vnd = amount
            target.updated_by = actor
            target.updated_at = now
            target.save(update_fields=["amount_vnd", "updated_by", "updated_at"])
        _target_change_record(target, office, before, reason, actor=actor, now=now)
    return target, created


def _target_input(
    office_code: str, year: Any, authority: str, amount_vnd: Any, reason: str
) -> tuple[Office, int, Decimal, str]:
    """The office, year, amount and reason, checked (ValidationFailed lists every problem)."""
    errors: list[FieldProblem] = []
    code = str(office_code or "").strip()
    office = None if "\x00" in code else Office.objects.filter(code=code).first()
    if office is None:
        errors.append(
            FieldProblem("office_code", _("No customs office has this code."), "unknown-office")
        )
    try:
        year_n = int(str(year).strip())
    except (TypeError, ValueError):
        year_n = 0
    if not MIN_YEAR <= year_n <= MAX_YEAR:
        errors.append(
            FieldProblem(
                "year",
                _("Must be a year from %(a)d to %(b)d.") % {"a": MIN_YEAR, "b": MAX_YEAR},
                "bad-year",
            )
        )
    if authority not in Authority.values:
        errors.append(
            FieldProblem(
                "authority",
                _("Must be one of: %(values)s.") % {"values": ", ".join(Authority.values)},
                "unknown-authority",
            )
        )
    amount = _amount(amount_vnd, errors)
    reason = (reason or "").strip()
    if len(reason) > 1000:
        errors.append(FieldProblem("reason", _("At most 1,000 characters."), "too-long"))
    if "\x00" in reason:
        errors.append(
            FieldProblem("reason", _("Remove the NUL character (U+0000)."), "nul-character")
        )
    if errors:
        raise ValidationFailed(errors)
    assert office is not None and amount is not None
    return office, year_n, amount, reason


def _target_change_record(
    target: Target,
    office: Office,
    before: Decimal | None,
    reason: str,
    *,
    actor: User,
    now: datetime,
) -> None:
    """The setting kept (`TargetChange`) and written to the event log."""
    TargetChange.objects.create(
        target=target,
        amount_before_vnd=before,
        amount_after_vnd=target.amount_vnd,
        reason=reason,
        changed_by=actor,
        changed_at=now,
    )
    kinds.STATS_TARGET_SET.record(
        subject_type="revenue_target",
        subject_id=target.pk,
        party=Party.CUSTOMS,
        actor=actor,
        office_code=office.code,
        data={
            "year": target.year,
            "authority": target.authority,
            "amount_before_vnd": before,
            "amount_vnd": target.amount_vnd,
            "reason": reason,
        },
        occurred_at=now,
    )
