"""Who may do what with a filing. Enterprises act on their own filings (a broker also for the
principals that authorised its firm, and for its own firm); officers and leaders of the
handling office (or a parent office, or a central team serving it) work them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.accounts.selectors import enterprises_user_may_file_for, offices_in_scope
from haiquan.core.problems import Forbidden
from haiquan.refdata.models import Office

from .choices import FilingStatus
from .models import Filing

__all__ = ["enterprises_user_may_file_for"]  # the rule is accounts' (who acts for whom)


def is_filer_of(user: Any, filing: Filing) -> bool:
    return bool(
        getattr(user, "is_trader", False)
        and enterprises_user_may_file_for(user).filter(pk=filing.enterprise_id).exists()
    )


def is_officer_for_office(user: Any, office: Office) -> bool:
    """An officer or leader whose offices (or central teams' offices) include `office`."""
    if not getattr(user, "is_active", False) or getattr(user, "role", "") not in (
        Role.OFFICER,
        Role.LEADER,
    ):
        return False
    return any(office.path.startswith(o.path) for o in offices_in_scope(user))


def require_filer(user: User, filing: Filing) -> None:
    if not is_filer_of(user, filing):
        raise Forbidden(_("Only the enterprise that filed (or its customs broker) may do this."))


def require_officer(user: User, filing: Filing) -> None:
    if not is_officer_for_office(user, filing.office):
        raise Forbidden(
            _("Only a customs officer of office %(office)s may do this.")
            % {"office": filing.office.code}
        )


def filing_actions(user: User, filing: Filing) -> dict[str, bool]:
    """What the page offers this user now (the services check again)."""
    filer = is_filer_of(user, filing)
    officer = is_officer_for_office(user, filing.office)
    s = filing.status
    return {
        "upload": filer and s in (FilingStatus.DRAFT, FilingStatus.INFO_REQUESTED),
        "edit": filer and s == FilingStatus.DRAFT,
        "submit": filer and s == FilingStatus.DRAFT,
        "pay": filer and s == FilingStatus.AWAITING_FEE,
        "answer": filer and s == FilingStatus.INFO_REQUESTED,
        "receive": officer and s == FilingStatus.SUBMITTED,
        "request_info": officer and s == FilingStatus.IN_REVIEW,
        "decide": officer and s == FilingStatus.IN_REVIEW,
        # Whoever may see the filing may read its result once decided.
        "download_result": filing.is_decided and bool(filing.result_code),
    }
