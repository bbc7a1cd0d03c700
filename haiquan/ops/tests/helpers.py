"""A clock the tests drive, and small jobs to schedule."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from haiquan.ops.registry import Job

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# A Sunday at midnight, Hà Nội time: the weekly training falls in the day that follows.
SUNDAY = datetime(2026, 12, 6, 0, 0, tzinfo=VN)


class FakeClock:
    """Time moves only when the scheduler sleeps, and then exactly as far as it asks."""

    def __init__(self, start: datetime) -> None:
        self.moment = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self.moment

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        self.advance(timedelta(seconds=seconds))
        wake.clear()

    def advance(self, by: timedelta) -> None:
        with self._lock:
            self.moment += by


class Recorder:
    """A job function that notes the moment (by the fake clock) of each call."""

    def __init__(self, clock: FakeClock, fail_times: int = 0) -> None:
        self.clock = clock
        self.calls: list[datetime] = []
        self.fail_times = fail_times

    def __call__(self) -> str:
        self.calls.append(self.clock.now())
        if len(self.calls) <= self.fail_times:
            raise RuntimeError(f"the backend refused (call {len(self.calls)})")
        return "done"


def job(name: str, schedule: str, run: object, **kwargs: object) -> Job:
    return Job(
        name=name,
        schedule=schedule,
        run=run,  # type: ignore[arg-type]
        freshness=kwargs.pop("freshness", timedelta(hours=1)),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
