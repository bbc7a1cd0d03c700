"""One copy of a job at a time, across every scheduler node.

PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a key derived from the job's
name, taken on a connection kept for that job and held while the job runs. The job's own queries use
the ordinary connection, so nothing the job does (commits, a closed connection) can drop the
lock; if the node dies, PostgreSQL ends the session and the lock with it.

SQLite is a single-node database: an exclusive `flock` on `var/scheduler/<job>.lock` keeps two
scheduler processes on that machine from running one job at once (the operating system drops
the lock with the process). The claim of each occurrence (`services.job_run_begin`) is one
UPDATE on either database, so an occurrence is run once even by schedulers that reach it one
after the other.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper


class Held(Protocol):
    def release(self) -> None: ...


class Locks(Protocol):
    def acquire(self, name: str) -> Held | None:
        """The job's lock, or None when another scheduler holds it."""
        ...

    def close(self) -> None: ...


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key per job (PostgreSQL's advisory locks take a bigint)."""
    digest = hashlib.blake2b(f"haiquan.ops.job:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _AdvisoryHeld:
    def __init__(self, locks: AdvisoryLocks, name: str, key: int) -> None:
        self.locks = locks
        self.name = name
        self.key = key

    def release(self) -> None:
        try:
            with self.locks.connection(self.name).cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])
        except DatabaseError:
            self.locks.drop(self.name)  # ending the session releases the lock as well


class AdvisoryLocks:
    """One connection per job, kept between runs (a scheduler opens as many as it has jobs).
    Connect schedulers to PostgreSQL directly or through a session-pooling proxy: a
    transaction-pooling one (PgBouncer's default) would hand the session on."""

    def __init__(self, alias: str = DEFAULT_DB_ALIAS) -> None:
        self.alias = alias
        self._connections: dict[str, BaseDatabaseWrapper] = {}
        self._mutex = threading.Lock()

    def connection(self, name: str) -> BaseDatabaseWrapper:
        with self._mutex:
            conn = self._connections.get(name)
            if conn is None:
                # Not the thread's connection: a session of its own, used by whichever
                # thread runs the job.
                conn = connections.create_connection(self.alias)
                conn.inc_thread_sharing()
                self._connections[name] = conn
            return conn

    def drop(self, name: str) -> None:
        with self._mutex:
            conn = self._connections.pop(name, None)
        if conn is not None:
            with contextlib.suppress(DatabaseError):
                conn.close()

    def acquire(self, name: str) -> Held | None:
        key = advisory_key(name)
        for attempt in (1, 2):  # a connection gone stale between runs is replaced once
            try:
                with self.connection(name).cursor() as cursor:
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                    got = bool(cursor.fetchone()[0])
                break
            except DatabaseError:
                self.drop(name)
                if attempt == 2:
                    raise
        return _AdvisoryHeld(self, name, key) if got else None

    def close(self) -> None:
        for name in list(self._connections):
            self.drop(name)


class _FileHeld:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def release(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)


class FileLocks:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def acquire(self, name: str) -> Held | None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        return _FileHeld(fd)

    def close(self) -> None:
        return None


def locks_for_database(alias: str = DEFAULT_DB_ALIAS) -> Locks:
    if connections[alias].vendor == "postgresql":
        return AdvisoryLocks(alias)
    return FileLocks(Path(settings.VAR_DIR) / "scheduler")
