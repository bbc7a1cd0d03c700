"""Who may act for whom. One place for the scope rules, used by the API and the pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from haiquan.refdata.models import Enterprise, Office

from .choices import CUSTOMS_ROLES, Role
from .models import User


def enterprises_user_may_declare_for(user: User) -> QuerySet[Enterprise]:
    """A declarant: its enterprises. A broker: the principals whose authorisation of its firm is
    valid today and not revoked."""
    if not user.is_authenticated or not user.is_active:
        return Enterprise.objects.none()
    if user.role == Role.DECLARANT:
        return user.enterprises.filter(active=True)
    if user.role == Role.BROKER and user.enterprise_id:
        today = timezone.localdate()
        return (
            Enterprise.objects.filter(
                active=True,
                brokers__broker_id=user.enterprise_id,
                brokers__valid_from__lte=today,
                brokers__revoked_at__isnull=True,
            )
            .filter(Q(brokers__valid_to__isnull=True) | Q(brokers__valid_to__gte=today))
            .distinct()
        )
    return Enterprise.objects.none()


def enterprises_user_may_file_for(user: User) -> QuerySet[Enterprise]:
    """A declarant: its enterprises. A broker: its principals and its own firm (which files,
    e.g., its own registration as a broker)."""
    qs = enterprises_user_may_declare_for(user)
    if user.is_authenticated and user.is_active and user.role == Role.BROKER and user.enterprise_id:
        return Enterprise.objects.filter(
            Q(pk__in=qs.values("pk")) | Q(pk=user.enterprise_id, active=True)
        )
    return qs


def offices_in_scope(user: User) -> list[Office]:
    """The offices whose subtrees an officer or leader works: its own and its teams' offices."""
    own = list(user.offices.all())
    served = list(Office.objects.filter(teams__members=user))
    return own + served


def office_scope_q(user: User, field: str = "office") -> Q:
    q = Q(pk__in=[])
    for office in offices_in_scope(user):
        q |= Q(**{f"{field}__path__startswith": office.path})
    return q


def user_needs_second_factor(user: User) -> bool:
    """Customs staff (officers, leaders, analysts, administrators) and anyone who may open the
    administration log in with a second factor (TOTP); traders with the password alone."""
    return bool(user.is_authenticated and (user.role in CUSTOMS_ROLES or user.is_staff))


def offices_in_scope_subtrees(user: User) -> QuerySet[Office]:
    """Every office an officer or leader works: its own and its teams' offices with all their
    sub-offices (the choices of the queue's office filter). Analysts and administrators: all."""
    if user.role in (Role.ANALYST, Role.ADMIN):
        return Office.objects.all()
    q = Q(pk__in=[])
    for office in offices_in_scope(user):
        q |= Q(path__startswith=office.path)
    return Office.objects.filter(q)
