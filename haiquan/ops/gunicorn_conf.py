"""gunicorn's settings for `haiquan serve` (`--config python:haiquan.ops.gunicorn_conf`).

- Metrics: every worker writes its counters to files in PROMETHEUS_MULTIPROC_DIR (which
  `haiquan serve` empties and sets before gunicorn starts); a worker that exits is marked dead
  so that its live gauges stop counting.
- Logs: gunicorn's own lines (workers starting, timing out) in the same format as haiquan's,
  JSON in production. The access log is haiquan's (`haiquan.request`: route, status, duration,
  request id), so gunicorn writes none.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess

from haiquan.ops.logs import logging_config

_production = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production")
_format = os.environ.get("HAIQUAN_LOG_FORMAT", "json" if _production else "text")

logconfig_dict = logging_config(
    fmt=_format, level=os.environ.get("HAIQUAN_LOG_LEVEL", "INFO"), access_log=False
)
logconfig_dict["loggers"].update(
    {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
    }
)


def child_exit(server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)
