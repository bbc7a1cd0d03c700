"""Who may act for whom. One place for the scope rules, used by the API and the pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from haiquan.refdata.models import Enterprise, Office

from .choices import Role
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
