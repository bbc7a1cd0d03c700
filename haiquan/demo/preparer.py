"""Preparing declarations in a second process while the first registers them.

Half of a synthetic declaration's work does not depend on its number: its goods, their duties
(`compute_duties`), the planted violation, the lane's profiles and score, its documents
(`Composer.prepare`). The other half does: the number (one gap-free sequence per flow, taken in
time order), the lane's random draw that the number seeds, and the replay of its life, whose
rows take the next keys (`Composer.register`). Each declaration draws its two halves from two
random streams of its own (`stream`), so the first half can be made anywhere, in any order:
`ForkedDays` makes it for every day of the run in a forked process and hands each day's list
over a pipe, while this process registers the day before. The results are the same as when
both halves are made here, one after the other (`demo/tests/test_determinism.py`).

It is used only when asked (`demo_generate(prepare=True)`): on two cores it was measured slower
than making both halves in one process (`generator._preparing` says why).

The forked process reads only what the run holds in memory (the tariff, the population, the
pinned rule set), never the database; it is forked before the rows' writer starts (a thread
must not be running at a fork). The pipe holds about a day, so memory stays bounded.
"""

from __future__ import annotations

import multiprocessing
import random
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper


def stream(half: str, seed: int, mode: str, day: date, k: int) -> random.Random:
    """The random stream of one half ("prepare" or "register") of the day's `k`-th declaration."""
    return random.Random(f"{half}:{seed}:{mode}:{day.isoformat()}:{k}")


class PreparerFailed(Exception):
    """The preparing process met an error (its traceback is the message)."""


class ForkedDays:
    """Iterate `make()`'s items (one list of prepared declarations a day), made in a forked
    process. Use as a context manager; `available()` says whether a process can be forked here
    (outside any transaction, on a database the process could open: not SQLite in memory)."""

    @staticmethod
    def available(connection: BaseDatabaseWrapper) -> bool:
        name = str(connection.settings_dict["NAME"])
        in_memory = connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)
        return (
            not in_memory
            and not connection.in_atomic_block
            and "fork" in multiprocessing.get_all_start_methods()
        )

    def __init__(self, make: Callable[[], Iterable[Any]]) -> None:
        self._make = make
        self._pipe: Connection | None = None
        self._process: Any = None

    def __enter__(self) -> ForkedDays:
        connections.close_all()  # the process must not share a connection; this one reopens
        ctx = multiprocessing.get_context("fork")
        self._pipe, child = ctx.Pipe(duplex=False)
        self._process = ctx.Process(
            target=_process_main, args=(self._make, child), name="demo-preparer", daemon=True
        )
        self._process.start()
        child.close()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._pipe is not None
        self._pipe.close()  # a process still sending then stops on the closed pipe
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def __iter__(self) -> Iterator[Any]:
        assert self._pipe is not None
        while True:
            try:
                message = self._pipe.recv()
            except EOFError as exc:
                raise PreparerFailed(
                    f"the preparing process stopped (exit code {self._process.exitcode})"
                ) from exc
            if message[0] == "end":
                return
            if message[0] == "failed":
                raise PreparerFailed(message[1])
            yield message[1]


def _process_main(make: Callable[[], Iterable[Any]], pipe: Connection) -> None:
    try:
        for item in make():
            pipe.send(("day", item))
        pipe.send(("end",))
    except (BrokenPipeError, OSError):
        pass  # the registering process has stopped reading: nothing more to do
    except BaseException:
        with suppress(BrokenPipeError, OSError):
            pipe.send(("failed", traceback.format_exc()))
    finally:
        pipe.close()
