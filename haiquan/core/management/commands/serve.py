import os
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run haiquan behind gunicorn, the production WSGI server (one worker per core by default)."
    )

    def add_arguments(self, parser):
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

    def handle(self, *args, **o):
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
            "--access-logfile",
            "-",
            "--max-requests",
            "20000",
            "--max-requests-jitter",
            "2000",
        ]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haiquan.config.settings.production")
        os.execv(sys.executable, argv)
