"""The scheduler's tick keeps the dashboard summary at the last midnight, so reads don't.

Over the real engine's fortnight of dossiers (tests/engine/metrics_history.py), on SQLite
and PostgreSQL: a tick after midnight moves the watermark, and the dashboard read that
follows writes nothing to the summary (watched on the database connection's statements).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from engine import metrics_summary as summary
from engine.metrics import compute
from engine.metrics_period import Period
from engine.models import Dossier
from engine.runtime import Engine
from engine.ticks import SUMMARY_DAYS_PER_TICK

from .conftest import VN, setup_engine
from .metrics_history import NOW, History, build_history


@pytest.fixture
def history(make_engine) -> tuple[Engine, History]:  # noqa: ANN001
    e = setup_engine(make_engine(settings={"executor": "deferred"}))
    return e, build_history(e)


def mark(e: Engine) -> datetime | None:
    with e.db.read() as s:
        return summary.watermark(s)


@contextmanager
def summary_writes(e: Engine) -> Iterator[list[str]]:
    """The statements that write the summary or lock its watermark, while inside."""
    seen: list[str] = []

    def watch(_conn, _cursor, statement: str, *_args) -> None:  # noqa: ANN001
        sql = " ".join(statement.split()).lower()
        if "metrics_" in sql and ("insert" in sql or "update" in sql or "delete" in sql):
            seen.append(sql[:120])

    event.listen(e.db.engine, "before_cursor_execute", watch)
    try:
        yield seen
    finally:
        event.remove(e.db.engine, "before_cursor_execute", watch)


def test_a_tick_moves_the_watermark_and_the_dashboard_read_does_not_advance(history) -> None:  # noqa: ANN001
    e, _ = history
    assert summary.is_stale(e)
    e.tick()
    assert mark(e) == datetime(2026, 11, 27, tzinfo=VN)  # NOW's midnight: every day before
    assert not summary.is_stale(e)
    week = Period.named("week", NOW.date(), VN)
    with summary_writes(e) as writes:
        summarised = compute(e, week, by="agency")
    assert writes == []
    live = compute(e, week, by="agency", summarised=False)
    assert {k: v.as_dict() for k, v in summarised.items()} == {
        k: v.as_dict() for k, v in live.items()
    }
    # the next tick the same day finds nothing to do: no summary statement at all
    with summary_writes(e) as writes:
        e.tick()
    assert writes == [] and mark(e) == datetime(2026, 11, 27, tzinfo=VN)
    # after midnight the tick adds the day just ended
    e.clock.set(datetime(2026, 11, 28, 0, 1, tzinfo=VN))
    e.tick()
    assert mark(e) == datetime(2026, 11, 28, tzinfo=VN)


def test_the_reads_still_advance_a_summary_the_scheduler_left_behind(history) -> None:  # noqa: ANN001
    e, _ = history
    e.tick(NOW - timedelta(days=1))  # the scheduler's last run: yesterday
    assert mark(e) == datetime(2026, 11, 26, tzinfo=VN) and summary.is_stale(e)
    week = Period.named("week", NOW.date(), VN)
    with summary_writes(e) as writes:
        summarised = compute(e, week, by="procedure")
    assert writes and mark(e) == datetime(2026, 11, 27, tzinfo=VN)
    live = compute(e, week, by="procedure", summarised=False)
    assert {k: v.as_dict() for k, v in summarised.items()} == {
        k: v.as_dict() for k, v in live.items()
    }


def test_a_tick_in_the_future_does_not_summarise_past_the_clock(history) -> None:  # noqa: ANN001
    e, _ = history
    e.tick(NOW + timedelta(days=30))  # an operator's ``lienthong tick --now``
    assert mark(e) == datetime(2026, 11, 27, tzinfo=VN)


def test_one_tick_adds_a_bounded_number_of_days(history) -> None:  # noqa: ANN001
    e, _ = history
    with e.db.read() as s:
        first = s.execute(select(func.min(Dossier.received_at))).scalar_one()
    first_day = first.astimezone(VN).date() if first.tzinfo else first.date()
    later = NOW + timedelta(days=2 * SUMMARY_DAYS_PER_TICK + 5)
    e.clock.set(later)
    e.tick()  # a rebuild: the first receipt's day and the days after it, no more
    step = timedelta(days=SUMMARY_DAYS_PER_TICK)
    assert mark(e) == datetime.combine(first_day + step, datetime.min.time(), tzinfo=VN)
    e.tick()
    assert mark(e) == datetime.combine(first_day + 2 * step, datetime.min.time(), tzinfo=VN)
    e.tick()
    assert mark(e) == datetime.combine(later.date(), datetime.min.time(), tzinfo=VN)
    assert not summary.is_stale(e)
    for period in (Period.named("month", NOW.date(), VN), Period.named("year", NOW.date(), VN)):
        got = compute(e, period, by="agency")
        want = compute(e, period, by="agency", summarised=False)
        assert {k: v.as_dict() for k, v in got.items()} == {k: v.as_dict() for k, v in want.items()}
