"""What several tests of post-clearance audit need: an audit plan as the API takes it, and an
anomaly as a scan finds it, made by hand (the world's few declarations make none)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from haiquan.postaudit.anomalies import Found
from haiquan.postaudit.models import ScanRun
from haiquan.postaudit.services import _scan_store


def volume_rise(enterprise: Any, declaration: Any, score: float) -> Found:
    """This month's imports at nine times the enterprise's usual value, on `declaration`."""
    today = timezone.localdate()
    return Found(
        enterprise_id=enterprise.pk,
        kind="volume_change",
        reason_code="volume_rise",
        score=score,
        period_start=today.replace(day=1),
        period_end=today,
        facts={
            "month": today.strftime("%Y-%m"),
            "value_vnd": 9e9,
            "median_vnd": 1e9,
            "declarations": 1,
            "history": 12,
            "ratio": 9.0,
            "pct": 900,
            "market": 1.0,
        },
        declaration_ids=[declaration.pk],
        value_vnd=9e9,
    )


def plan_body(world: Any, **over: Any) -> dict[str, Any]:
    """An audit of Hoàng Long's last 30 days at Móng Cái (20BD) by the world's officer."""
    today = timezone.localdate()
    body: dict[str, Any] = {
        "enterprise_mst": world.own.enterprise.mst,
        "office_code": "20BD",
        "plan": "Kiểm tra trị giá khai báo của điện thoại và máy tính nhập khẩu.",
        "period_from": (today - timedelta(days=30)).isoformat(),
        "period_to": today.isoformat(),
        "planned_start": today.isoformat(),
        "planned_end": (today + timedelta(days=20)).isoformat(),
        "team": ["w.officer"],
    }
    body.update(over)
    return body


def scan_store(*found: Found) -> ScanRun:
    """A finished scan run holding `found`, stored as the scan stores its results."""
    return _scan_store(
        found=list(found),
        lines_n=10,
        declarations_n=10,
        data_from=None,
        data_to=None,
        parameters={},
        actor=None,
        began=0.0,
    )
