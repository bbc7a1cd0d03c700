"""System checks (`haiquan check`, run by migrate and runserver): the operations settings."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .conf import ops_setting


@checks.register()
def ops_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .schedule import schedules

    problems: list[checks.CheckMessage] = []
    try:
        schedules()
    except ImproperlyConfigured as exc:
        problems.append(checks.Error(str(exc), id="haiquan_ops.E001"))
    for network in ops_setting("METRICS_NETWORKS"):
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            problems.append(
                checks.Error(
                    f"HAIQUAN_METRICS_NETWORKS: {network!r} is not a network (e.g. 10.0.0.0/8)",
                    id="haiquan_ops.E002",
                )
            )
    return problems
