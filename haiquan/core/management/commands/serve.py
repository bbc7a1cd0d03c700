import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run haiquan behind gunicorn, the production WSGI server (one worker per core by default)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("HAIQUAN_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("HAIQUAN_WORKERS", os.cpu_count() or 1)),
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("HAIQUAN_THREADS", "1"))
        )
        parser.add_argument("--timeout", type=int, default=30)

    def handle(self, *args: Any, **o: Any) -> None:
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "haiquan.config.wsgi:application",
            "--bind",
            o["bind"],
            "--workers",
            str(o["workers"]),
            "--threads",
            str(o["threads"]),
            "--timeout",
            str(o["timeout"]),
            # Metrics across workers, logs in haiquan's format (haiquan.ops.gunicorn_conf).
            "--config",
            "python:haiquan.ops.gunicorn_conf",
            "--max-requests",
            "20000",
            "--max-requests-jitter",
            "2000",
        ]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haiquan.config.settings.production")
        # Each worker counts requests into files here; /metrics adds them up. Emptied at each
        # start: the figures of a previous server are not this one's.
        metrics_dir = Path(
            os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(settings.VAR_DIR) / "prometheus"
        )
        metrics_dir.mkdir(parents=True, exist_ok=True)
        for stale in metrics_dir.glob("*.db"):
            stale.unlink()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        os.execv(sys.executable, argv)
