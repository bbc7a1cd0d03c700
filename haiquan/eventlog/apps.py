from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite's chain trigger calls `hq_chain_link` (eventlog.chain): give it to every
    SQLite connection."""
    if connection.vendor == "sqlite":
        from .chain import sqlite_link

        connection.connection.create_function("hq_chain_link", -1, sqlite_link, deterministic=True)


class EventlogConfig(AppConfig):
    name = "haiquan.eventlog"
    verbose_name = _("Event log")

    def ready(self) -> None:
        connection_created.connect(_sqlite_functions, dispatch_uid="eventlog-sqlite-functions")
