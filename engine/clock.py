"""The engine's notion of now: injectable so tests can jump across deadlines.

SpiffWorkflow compares timers with ``datetime.now()`` inside its timer module; we point
that module at the engine clock of the step being run (a context variable), so a BPMN
timer fires by the same clock as the legal deadlines.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told: for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


_current: contextvars.ContextVar[Clock | None] = contextvars.ContextVar(
    "lienthong_clock", default=None
)


def current_clock() -> Clock | None:
    """The clock of the step being run in this context, if any."""
    return _current.get()


class _EngineDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN001, ANN206 - mirrors datetime.now
        clock = _current.get()
        if clock is None:
            return datetime.now(tz)
        return clock.now().astimezone(tz) if tz else clock.now()


_spiff_timer.datetime = _EngineDatetime


@contextmanager
def using(clock: Clock) -> Iterator[None]:
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)
