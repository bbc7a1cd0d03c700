"""Who may act in the single window: an agency's members for their agency's documents, a
partner country's endpoint for its e-C/O, administrators for the requirements table."""

from __future__ import annotations

from django.utils.translation import gettext as _

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.core.problems import Forbidden

from .models import Agency, AgencyMember, PartnerEndpoint


def agency_of(user: User) -> Agency | None:
    """The agency an active agency user works for, or None."""
    if not user.is_authenticated or not user.is_active or user.role != Role.AGENCY:
        return None
    membership: AgencyMember | None = getattr(user, "agency_membership", None)
    if membership is None or not membership.agency.active:
        return None
    return membership.agency


def require_agency(user: User) -> Agency:
    agency = agency_of(user)
    if agency is None:
        raise Forbidden(_("Only a partner agency's user or system may send permits and results."))
    return agency


def endpoint_of(user: User) -> PartnerEndpoint | None:
    if not user.is_authenticated or not user.is_active or user.role != Role.AGENCY:
        return None
    endpoint: PartnerEndpoint | None = getattr(user, "asw_endpoint", None)
    if endpoint is None or not endpoint.active:
        return None
    return endpoint


def require_endpoint(user: User) -> PartnerEndpoint:
    endpoint = endpoint_of(user)
    if endpoint is None:
        raise Forbidden(
            _("Only a partner country's ASEAN Single Window endpoint may send e-C/O records.")
        )
    return endpoint


def may_edit_requirements(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


def require_requirements_editor(user: User) -> None:
    if not may_edit_requirements(user):
        raise Forbidden(_("Only an administrator may change the requirements table."))
