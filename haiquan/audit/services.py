"""Writing the access trail. Called by the API and the pages wherever a trader's record is
shown to someone other than the trader: a declaration, an enterprise's risk profile, a
post-clearance audit case, an online-service filing and its documents, a licence or a
certificate of origin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from haiquan.accounts.choices import Role

from .choices import Part, Via
from .models import AccessRecord

if TYPE_CHECKING:
    from haiquan.accounts.models import User
    from haiquan.clearance.models import Declaration


def _recorded(user: User) -> bool:
    """Customs users and partner agencies' officials read traders' data as part of their
    work, and every such read is recorded. Traders reading their own (or their principals')
    records are not: it is their data."""
    return bool(getattr(user, "is_customs", False) or getattr(user, "role", "") == Role.AGENCY)


def access_record(
    *,
    user: User,
    part: Part | str,
    subject_id: int,
    enterprise_id: int | None,
    reference: str = "",
    office_code: str = "",
    via: Via | str,
    address: str | None = None,
) -> AccessRecord | None:
    """Record that `user` read `part` #`subject_id` of the enterprise's data. One INSERT, no
    query before it; nothing for the enterprise's own traders."""
    if not _recorded(user):
        return None
    return AccessRecord.objects.create(
        user=user,
        role=user.role,
        via=via,
        part=part,
        subject_id=subject_id,
        subject_reference=reference[:40],
        enterprise_id=enterprise_id,
        office_code=office_code,
        address=address or None,
    )


def declaration_access_record(
    *,
    user: User,
    declaration: Declaration,
    via: Via | str,
    part: Part | str = Part.DETAIL,
    address: str | None = None,
) -> AccessRecord | None:
    """Record a read of a trader's declaration (the declaration comes with its enterprise id
    and office already loaded by `declaration_get_for`)."""
    return access_record(
        user=user,
        part=part,
        subject_id=declaration.pk,
        enterprise_id=declaration.enterprise_id,
        reference=declaration.number or "",
        office_code=declaration.office.code,
        via=via,
        address=address,
    )
