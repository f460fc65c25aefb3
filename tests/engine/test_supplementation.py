"""Supplementation: the legal clock pauses, resumes, and a long loop stays cheap."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import select

from engine.models import Timer
from tests.engine.conftest import (
    TEST_PROC,
    VN,
    Officers,
    audit_rows,
    restore,
    stored_state,
)

DUE = datetime(2026, 12, 9, 17, 0, tzinfo=VN)  # 10 working days from 25/11/2026 08:30


def _late_timers(engine, dossier_id: int) -> list[datetime]:
    with engine.db.read() as s:
        q = select(Timer.due_at).where(
            Timer.dossier_id == dossier_id,
            Timer.kind == "dossier_late",
            Timer.fired_at.is_(None),
        )
        return list(s.execute(q).scalars())


@pytest.mark.parametrize(
    ("paused", "resumed", "waited_h", "new_due"),
    [
        # Wed 09:00 → Thu 09:00: one working day (8 working hours)
        ((2026, 11, 25, 9, 0), (2026, 11, 26, 9, 0), 8, (2026, 12, 10, 17, 0)),
        # Fri 16:00 → Mon 08:00: 1 h on Friday, 1 h on Monday
        ((2026, 11, 27, 16, 0), (2026, 11, 30, 8, 0), 2, (2026, 12, 10, 9, 0)),
        # evening to the next morning before opening: no working time passes
        ((2026, 11, 25, 17, 30), (2026, 11, 26, 6, 30), 0, (2026, 12, 9, 17, 0)),
    ],
)
def test_the_clock_pauses_and_the_due_date_moves(
    engine, officers: Officers, clock, paused, resumed, waited_h, new_due
) -> None:
    d = officers.submit(TEST_PROC)
    assert d.due_at == DUE
    officers.walk(d, ["receive"])
    clock.set(datetime(*paused, tzinfo=VN))
    officers.do(d, "appraise", "supplement")
    d = engine.dossier(d.code)
    assert d.status == "supplement_requested"
    assert d.paused_at == datetime(*paused, tzinfo=VN)
    assert officers.open_steps(d) == ["supplement"]
    assert officers.task(d, "supplement").role == "one_stop_officer"
    assert len(audit_rows(engine, "clock_paused", d.id)) == 1

    clock.set(datetime(*resumed, tzinfo=VN))
    officers.do(d, "supplement")
    d = engine.dossier(d.code)
    assert d.status == "in_process"
    assert d.paused_at is None
    assert d.paused_seconds == waited_h * 3600
    assert d.due_at == datetime(*new_due, tzinfo=VN)
    assert _late_timers(engine, d.id) == [d.due_at]
    resumed_ev = audit_rows(engine, "clock_resumed", d.id)
    assert len(resumed_ev) == 1
    assert resumed_ev[0].detail["paused_working_seconds"] == waited_h * 3600
    assert officers.open_steps(d) == ["appraise"]
    assert officers.task(d, "appraise").due_at <= d.due_at
    assert officers.statuses(d)[-2:] == ["supplement_requested", "in_process"]

    d = officers.walk(d, ["appraise", "approve", "return_result"])
    assert d.status == "result_returned"
    assert d.settled_at <= d.due_at


def test_two_rounds_add_up(engine, officers: Officers, clock) -> None:
    d = officers.submit(TEST_PROC)
    officers.walk(d, ["receive"])
    for day in (25, 26):
        clock.set(datetime(2026, 11, day, 9, 0, tzinfo=VN))
        officers.do(d, "appraise", "supplement")
        clock.set(datetime(2026, 11, day, 13, 30, tzinfo=VN))  # 2.5 working hours later
        officers.do(d, "supplement")
    d = engine.dossier(d.code)
    assert d.paused_seconds == 5 * 3600
    assert d.due_at == datetime(2026, 12, 10, 14, 0, tzinfo=VN)  # 07:00 + 5 h, across lunch


def _round(engine, code: str) -> None:
    appraise = engine.list_tasks(dossier_code=code)[0]
    engine.request_supplementation(appraise.id, user="cv", missing=["Bản sao CCCD"])
    supplement = engine.list_tasks(dossier_code=code)[0]
    engine.supplement(supplement.id, user="mc", data={"supplemented_documents": ["Bản sao CCCD"]})


def _load_ms(engine, dossier_id: int, n: int = 20) -> float:
    started = time.perf_counter()
    for _ in range(n):
        restore(engine, dossier_id)
    return (time.perf_counter() - started) * 1000 / n


@pytest.mark.slow
def test_1500_rounds_then_the_result(engine, officers: Officers) -> None:
    """Trap 2 of SPIFFWORKFLOW.md: a deep loop must neither stall nor grow the state."""
    d = officers.submit(TEST_PROC)
    officers.walk(d, ["receive"])
    sizes: dict[int, int] = {}
    tasks: dict[int, int] = {}
    load_ms: dict[int, float] = {}
    for n in range(1, 1501):
        _round(engine, d.code)
        if n in (5, 500, 1500):
            sizes[n] = len(stored_state(engine, d.id).blob)
            tasks[n] = len(restore(engine, d.id).tasks)
            load_ms[n] = _load_ms(engine, d.id)
    assert officers.open_steps(d) == ["appraise"]
    d = officers.walk(d, ["appraise", "approve", "return_result"])
    assert d.status == "result_returned"
    assert len(audit_rows(engine, "clock_resumed", d.id)) == 1500
    assert d.step_count >= 3000
    print(f"\nstate bytes {sizes}, live tasks {tasks}, load ms {load_ms}")
    assert sizes[500] <= 1.25 * sizes[5] and sizes[1500] <= 1.25 * sizes[5], sizes
    assert tasks[5] == tasks[500] == tasks[1500], tasks
    assert load_ms[1500] < 3 * load_ms[5] + 5, load_ms
