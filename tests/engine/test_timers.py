"""Timers and the legal clock fire from ``tick`` by the engine's clock, each exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.models import AuditEvent
from tests.engine.conftest import KET_HON, TEST_PROC, VN, Officers, audit_rows, count

MINUTE = timedelta(minutes=1)
KET_HON_DUE = datetime(2026, 11, 26, 17, 0, tzinfo=VN)  # 1 working day from 25/11 08:30


def test_near_due_then_escalated(engine, officers: Officers) -> None:
    d = officers.submit(TEST_PROC)
    receive = officers.task(d, "receive")
    assert receive.warn_at < receive.due_at
    assert engine.tick(receive.warn_at - MINUTE) == {}
    report = engine.tick(receive.warn_at + MINUTE)
    assert report == {"step_warning": 1}
    near = audit_rows(engine, "near_due", d.id)
    assert [e.task_id for e in near] == [receive.id]
    assert audit_rows(engine, "escalated", d.id) == []

    report = engine.tick(receive.due_at + MINUTE)
    assert report == {"step_late": 1}
    escalated = audit_rows(engine, "escalated", d.id)
    assert len(escalated) == 1
    assert escalated[0].detail["to_role"] == "head_of_unit"
    assert escalated[0].detail["step"] == "receive"
    assert engine.task(receive.id).escalated_at == receive.due_at + MINUTE
    assert receive.id in {t.id for t in engine.list_tasks(overdue_at=receive.due_at + MINUTE)}
    assert not engine.dossier(d.code).late  # a late step is not a late dossier


def test_a_completed_step_raises_no_alarm(engine, officers: Officers) -> None:
    d = officers.submit(TEST_PROC)
    receive = officers.task(d, "receive")
    officers.walk(d, ["receive"])
    engine.tick(receive.due_at + MINUTE)
    assert audit_rows(engine, "near_due", d.id) == []
    assert audit_rows(engine, "escalated", d.id) == []


def test_late_dossier_opens_the_apology_letter(engine, officers: Officers) -> None:
    d = officers.submit(KET_HON)
    officers.walk(d, ["receive"])
    assert d.due_at == KET_HON_DUE
    engine.tick(KET_HON_DUE - MINUTE)
    assert not engine.dossier(d.code).late
    assert "apology_letter" not in officers.open_steps(d)

    report = engine.tick(KET_HON_DUE + MINUTE)
    assert report.get("dossier_late") == 1 and report.get("bpmn") == 1
    d = engine.dossier(d.code)
    assert d.late
    assert len(audit_rows(engine, "late", d.id)) == 1
    # non-interrupting: the apology letter opens beside the work still to do
    assert officers.open_steps(d) == ["apology_letter", "appraise"]
    letter = officers.task(d, "apology_letter")
    assert letter.role == "one_stop_officer"
    assert letter.due_at > KET_HON_DUE + MINUTE  # born after the deadline, it gets time of its own

    officers.engine.clock.set(KET_HON_DUE + timedelta(hours=2))
    d = officers.walk(d, ["apology_letter", "appraise", "approve", "return_result"])
    assert d.status == "result_returned" and d.late
    assert d.settled_at > d.due_at


def test_timers_follow_the_injected_clock_not_the_wall_clock(engine, officers, clock) -> None:
    """A dossier received long ago (by the manual clock) is not late at once by the wall clock."""
    clock.set(datetime(2025, 3, 3, 9, 0, tzinfo=VN))  # Monday
    d = officers.submit(KET_HON)
    officers.walk(d, ["receive"])
    due = datetime(2025, 3, 4, 17, 0, tzinfo=VN)
    assert d.due_at == due and due < datetime.now(VN)
    assert officers.open_steps(d) == ["appraise"]
    assert engine.tick(due - MINUTE).get("bpmn", 0) == 0
    assert officers.open_steps(d) == ["appraise"]
    engine.tick(due + MINUTE)
    assert officers.open_steps(d) == ["apology_letter", "appraise"]


def test_ticking_twice_fires_nothing_twice(engine, officers: Officers) -> None:
    dossiers = [officers.submit(KET_HON) for _ in range(3)]
    for d in dossiers:
        officers.walk(d, ["receive"])
    later = KET_HON_DUE + timedelta(hours=1)
    first = engine.tick(later)
    assert first["dossier_late"] == 3 and first["bpmn"] == 3
    assert engine.tick(later) == {}  # the apology letters opened with time of their own
    # A month on, only the apology letters' own alarms are left to fire: once each.
    month = engine.tick(later + timedelta(days=30))
    assert month == {"step_warning": 3, "step_late": 3}, month
    events = count(engine, AuditEvent)
    assert engine.tick(later + timedelta(days=30)) == {}
    assert engine.tick(later + timedelta(days=60)) == {}
    assert count(engine, AuditEvent) == events
    for action in ("near_due", "escalated"):
        fired = [e.task_id for e in audit_rows(engine, action)]
        assert len(fired) == len(set(fired)), f"{action} fired twice for a task"
    for d in dossiers:
        assert officers.open_steps(d) == ["apology_letter", "appraise"]
        assert len(audit_rows(engine, "late", d.id)) == 1


def test_a_paused_dossier_does_not_go_late(engine, officers: Officers, clock) -> None:
    d = officers.submit(KET_HON)
    officers.walk(d, ["receive"])
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=VN))
    officers.do(d, "appraise", "supplement")
    engine.tick(KET_HON_DUE + timedelta(hours=2))
    d = engine.dossier(d.code)
    assert not d.late and d.status == "supplement_requested"
    assert officers.open_steps(d) == ["supplement"]
    assert audit_rows(engine, "late", d.id) == []

    # Resumed on Friday 09:00: 6 working hours on Thursday + 2 on Friday were spent waiting.
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=VN))
    officers.do(d, "supplement")
    d = engine.dossier(d.code)
    new_due = datetime(2026, 11, 27, 17, 0, tzinfo=VN)
    assert d.due_at == new_due
    engine.tick(new_due - MINUTE)
    assert not engine.dossier(d.code).late
    engine.tick(new_due + MINUTE)
    assert engine.dossier(d.code).late
    assert officers.open_steps(d) == ["apology_letter", "appraise"]


def test_a_settled_dossier_does_not_go_late(engine, officers: Officers) -> None:
    d = officers.submit(KET_HON)
    officers.walk(d, ["receive", "appraise", "approve"])
    assert engine.dossier(d.code).status == "settled"
    engine.tick(KET_HON_DUE + timedelta(days=3))
    assert not engine.dossier(d.code).late
    assert officers.open_steps(d) == ["return_result"]
