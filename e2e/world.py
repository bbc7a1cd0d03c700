"""The people and reference data the browser flows need, made through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from haiquan.accounts.models import User
from haiquan.accounts.services import user_create
from haiquan.refdata.models import Enterprise
from haiquan.refdata.services import exchange_rate_set
from haiquan.refdata.tests.factories import EnterpriseFactory, valid_mst
from haiquan.risk.services import profile_create

PASSWORD = "Hai-quan-2026!"


@dataclass
class World:
    enterprise: Enterprise
    declarant: User
    officer: User
    officer_device: TOTPDevice
    analyst: User


def world_build() -> World:
    today = timezone.localdate()
    for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
        exchange_rate_set(currency="USD", day=day, rate_vnd=Decimal("25000"), source="e2e")
    enterprise = EnterpriseFactory(
        mst=valid_mst(1), name="Công ty TNHH Hoàng Long", province_code="22"
    )
    declarant = user_create(
        username="dn.hoanglong",
        password=PASSWORD,
        role="declarant",
        enterprise_msts=[enterprise.mst],
    )
    officer = user_create(
        username="cc.mongcai", password=PASSWORD, role="officer", office_codes=["20BD"]
    )
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)
    analyst = user_create(username="rr.phantich", password=PASSWORD, role="analyst")
    return World(enterprise, declarant, officer, device, analyst)


def red_profile_for_fresh_fruit(world: World) -> None:
    profile_create(
        code="FRUIT-RED",
        name="Trái cây tươi",
        criteria={"hs_prefixes": ["0810"]},
        lane="red",
        reason="Kiểm tra thực tế trái cây tươi nhập qua cửa khẩu đường bộ",
        actor=world.analyst,
    )
