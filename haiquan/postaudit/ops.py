"""What operators run of post-clearance audit (see haiquan.ops): the nightly anomaly scan of
traders' history."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haiquan.ops.registry import job_register


def scan() -> str:
    # Imported when the job runs: the web processes that read this module never load pandas.
    from .services import anomaly_scan_run

    run = anomaly_scan_run()
    return _("Scan #%(id)d: %(n)d anomalies in %(lines)d goods lines (%(s).1f s).") % {
        "id": run.pk,
        "n": run.anomalies_found,
        "lines": run.lines_scanned,
        "s": run.seconds,
    }


job_register(
    name="postaudit-scan",
    schedule="30 1 * * *",
    run=scan,
    freshness=timedelta(days=2),
    description=gettext_lazy(
        "Look for anomalies in traders' history (the audit candidates read the latest)."
    ),
)
