"""Writing the access trail. Called by the API and the pages wherever a declaration is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .choices import Part, Via
from .models import AccessRecord

if TYPE_CHECKING:
    from haiquan.accounts.models import User
    from haiquan.clearance.models import Declaration


def declaration_access_record(
    *,
    user: User,
    declaration: Declaration,
    via: Via | str,
    part: Part | str = Part.DETAIL,
    address: str | None = None,
) -> AccessRecord | None:
    """Record that a customs user (officer, leader, analyst, administrator) read a trader's
    declaration. Traders reading their own (or their principals') declarations are not
    recorded: it is their data. One INSERT, no query before it (the declaration comes with its
    enterprise id and office already loaded by `declaration_get_for`)."""
    if not getattr(user, "is_customs", False):
        return None
    return AccessRecord.objects.create(
        user=user,
        role=user.role,
        via=via,
        part=part,
        declaration_id=declaration.pk,
        declaration_number=declaration.number or "",
        enterprise_id=declaration.enterprise_id,
        office_code=declaration.office.code,
        address=address or None,
    )
