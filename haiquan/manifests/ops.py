"""What operators run of manifests (see haiquan.ops): the notices of goods not declared in time."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haiquan.ops.registry import job_register

from .abandoned import abandoned_notices_send


def abandoned_watch() -> str:
    return _("%(n)d notice(s) of goods not declared in time.") % {"n": abandoned_notices_send()}


job_register(
    name="manifests-abandoned",
    schedule="30 6 * * *",
    run=abandoned_watch,
    freshness=timedelta(days=2),
    description=gettext_lazy(
        "Notify the consignees of manifested goods not declared within the legal time."
    ),
)
