"""Declaring and ending an outage (công bố sự cố hệ thống). Each is one transaction with its
event; ending one extends, in the same transaction, every legal time limit that fell inside it
(through the extenders the apps register in `haiquan.outage.hooks`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.selectors import offices_in_scope_subtrees
from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ValidationFailed
from haiquan.eventlog import kinds
from haiquan.eventlog.choices import Party
from haiquan.refdata.models import Office

from .deadlines import Span
from .hooks import OutageEnded, deadline_extenders
from .models import Outage
from .selectors import IN_FORCE_CACHE_KEY

if TYPE_CHECKING:
    from haiquan.accounts.models import User

# An outage may be declared after the fact (the leader learns of it, or could not reach the
# system), but not one that starts in the future or more than this long ago.
LONGEST_LOOKBACK = timedelta(days=7)


def _forget_in_force() -> None:
    """Drop the cached answer now (this transaction's later reads) and after the commit (what
    other requests cached meanwhile)."""
    cache.delete(IN_FORCE_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(IN_FORCE_CACHE_KEY))


def may_declare_outage(user: User, office_code: str) -> bool:
    """Administrators declare national outages and any office's; a leader, those of the
    offices it leads (its own and their sub-offices)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.LEADER or not office_code:
        return False
    return offices_in_scope_subtrees(user).filter(code=office_code).exists()


def outage_declare(
    *,
    actor: User,
    office_code: str,
    starts_at: datetime,
    reason: str,
    ends_at: datetime | None = None,
) -> Outage:
    """Declare an outage for one office (`office_code`) or the whole country (empty)."""
    now = timezone.now()
    office_code = office_code.strip().upper()
    reason = reason.strip()
    problems = []
    if office_code and not Office.objects.filter(code=office_code).exists():
        problems.append(FieldProblem("office_code", _("No office has this code."), "unknown"))
    if not reason:
        problems.append(FieldProblem("reason", _("Say what failed."), "required"))
    if starts_at > now:
        problems.append(
            FieldProblem("starts_at", _("An outage cannot start in the future."), "future")
        )
    elif starts_at < now - LONGEST_LOOKBACK:
        problems.append(
            FieldProblem(
                "starts_at", _("An outage is declared within 7 days of its start."), "too-old"
            )
        )
    if ends_at is not None and (ends_at <= starts_at or ends_at > now):
        problems.append(
            FieldProblem(
                "ends_at", _("The end must be after the start and not in the future."), "invalid"
            )
        )
    if problems:
        raise ValidationFailed(problems)
    if not may_declare_outage(actor, office_code):
        raise Forbidden(
            _("Only an administrator declares a national outage; a leader, one for an office.")
        )
    with transaction.atomic():
        overlapping = Outage.objects.filter(office_code=office_code, ends_at__isnull=True)
        if overlapping.select_for_update().exists():
            raise Conflict(_("An outage is already declared under way for this office."))
        outage = Outage.objects.create(
            office_code=office_code,
            starts_at=starts_at,
            reason=reason,
            declared_by=actor,
            declared_at=now,
        )
        kinds.OUTAGE_DECLARED.record(
            subject_type="outage",
            subject_id=outage.pk,
            party=Party.CUSTOMS,
            actor=actor,
            office_code=office_code,
            occurred_at=now,
            data={"starts_at": starts_at, "reason": reason, "national": not office_code},
        )
        _forget_in_force()
        if ends_at is not None:
            outage_end(actor=actor, outage=outage, ends_at=ends_at)
    return outage


def outage_end(*, actor: User, outage: Outage, ends_at: datetime | None = None) -> dict[str, int]:
    """End an outage (now, or at the moment it really ended) and extend the time limits that
    fell inside it. Returns how many limits each app extended."""
    now = timezone.now()
    ends_at = ends_at or now
    if not may_declare_outage(actor, outage.office_code):
        raise Forbidden(_("You may not end this outage."))
    with transaction.atomic():
        locked = Outage.objects.select_for_update().get(pk=outage.pk)
        if locked.ends_at is not None:
            raise Conflict(_("This outage has already ended."))
        if ends_at <= locked.starts_at or ends_at > now:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "ends_at",
                        _("The end must be after the start and not in the future."),
                        "invalid",
                    )
                ]
            )
        locked.ends_at = ends_at
        locked.ended_by = actor
        locked.save(update_fields=["ends_at", "ended_by"])
        ended = OutageEnded(locked.pk, Span(locked.starts_at, ends_at), locked.office_code)
        extended = {name: extend(ended) for name, extend in deadline_extenders().items()}
        kinds.OUTAGE_ENDED.record(
            subject_type="outage",
            subject_id=locked.pk,
            party=Party.CUSTOMS,
            actor=actor,
            office_code=locked.office_code,
            occurred_at=now,
            data={
                "ends_at": ends_at,
                "length_seconds": int((ends_at - locked.starts_at).total_seconds()),
                "extended": extended,
            },
        )
        _forget_in_force()
    outage.ends_at, outage.ended_by = ends_at, actor
    return extended
