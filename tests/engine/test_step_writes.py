"""A step's rows are written with Core as it finishes: the same rows the ORM would have written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from engine.models import Dossier, Notification, PortalOutbox, Procedure, TaskRow, Timer
from engine.step_writes import NOTIFICATIONS, OUTBOX, TAKEN, StepWrites, insert_new
from tests.engine.conftest import AGENCY, HAPPY, START, TEST_PROC, VN, Officers


def test_rows_taken_from_the_orm_are_mapped_by_column_name() -> None:
    # take_orm_changes turns attribute keys into column names as they are
    for cls, table in TAKEN.items():
        assert {a.key for a in inspect(cls).column_attrs} == {c.name for c in table.columns}


def test_queued_rows_get_their_defaults_and_keep_unicode_json_and_times(engine) -> None:
    d = Officers(engine).submit(TEST_PROC)
    when = datetime(2026, 11, 25, 10, 15, 30, 123456, tzinfo=VN)
    payload = {"title": "Hồ sơ đã có kết quả", "list": [1, "hai", {"ba": None}], "ok": True}
    writes = StepWrites(d.id, when)
    base = {"dossier_id": d.id, "event": "settled", "created_at": when}
    writes.insert(OUTBOX, {**base, "payload": payload})
    for channel in ("email", "sms"):
        person = {"channel": channel, "recipient": "lan@example.vn", "body": "Kết quả"}
        writes.insert(NOTIFICATIONS, {**base, **person})
    with engine.db.write() as s:
        writes.write(s.connection(), postgresql=not engine.db.is_sqlite)
    with engine.db.read() as s:
        outbox = select(PortalOutbox).where(PortalOutbox.dossier_id == d.id)
        row = s.execute(outbox.where(PortalOutbox.event == "settled")).scalar_one()
        notes = select(Notification).where(Notification.dossier_id == d.id)
        sent = s.execute(notes.where(Notification.event == "settled").order_by(Notification.id))
        sent = sent.scalars().all()
    assert row.payload == payload
    assert (row.state, row.attempts, row.created_at) == ("pending", 0, when)
    assert row.created_at.tzinfo is not None and row.sent_at is None
    assert [(n.channel, n.subject, n.state, n.attempts) for n in sent] == [
        ("email", "", "pending", 0),
        ("sms", "", "pending", 0),
    ]


def test_a_naive_time_is_refused_as_the_orm_refuses_it(engine) -> None:
    d = Officers(engine).submit(TEST_PROC)
    writes = StepWrites(d.id, START)
    writes.add_timer("dossier_late", datetime(2026, 12, 1, 17, 0))  # no zone
    with pytest.raises(Exception, match="naive datetime"), engine.db.write() as s:
        writes.write(s.connection(), postgresql=not engine.db.is_sqlite)


def test_fired_timers_and_deleted_timers_in_one_step(engine) -> None:
    d = Officers(engine).submit(TEST_PROC)
    with engine.db.read() as s:
        rows = s.execute(select(Timer).where(Timer.dossier_id == d.id)).scalars().all()
    step = next(r for r in rows if r.task_id is not None)
    later = START + timedelta(hours=1)
    writes = StepWrites(d.id, later)
    writes.add_timer("step_late", later + timedelta(days=1), "queued-before")
    writes.dropped_timer_tasks.add(step.task_id)
    writes.fire_timers("dossier_late")
    writes.add_timer("dossier_late", later + timedelta(days=2))  # queued after: stays unfired
    with engine.db.write() as s:
        writes.write(s.connection(), postgresql=not engine.db.is_sqlite)
    with engine.db.read() as s:
        after = s.execute(select(Timer).where(Timer.dossier_id == d.id)).scalars().all()
    by_task = {(t.kind, t.task_id, t.due_at): t.fired_at for t in after}
    assert step.task_id not in {t.task_id for t in after}  # deleted, not fired
    assert by_task[("dossier_late", None, d.due_at)] == later  # fired
    assert by_task[("step_late", "queued-before", later + timedelta(days=1))] is None
    assert by_task[("dossier_late", None, later + timedelta(days=2))] is None


def test_a_completion_leaves_the_orm_nothing_to_write(engine, officers: Officers) -> None:
    d = officers.submit(TEST_PROC)
    statements: list[str] = []
    flushed: list[object] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    def flushing(session, _ctx, _instances) -> None:  # noqa: ANN001
        pending = (*session.new, *session.dirty)
        flushed.extend(o for o in pending if isinstance(o, Dossier | TaskRow))

    event.listen(engine.db.engine, "before_cursor_execute", seen)
    event.listen(Session, "before_flush", flushing)
    try:
        officers.do(d, "receive")
    finally:
        event.remove(engine.db.engine, "before_cursor_execute", seen)
        event.remove(Session, "before_flush", flushing)
    assert flushed == []
    writes = [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "BEGIN"))]
    if not engine.db.is_sqlite:  # one round trip for every row the step writes
        assert len(writes) == 1 and writes[0].lstrip().startswith("WITH")
    done = engine.task(task_id(engine, d, "receive"))
    assert (done.state, done.completed_by, done.action) == ("completed", "mc", "complete")
    assert done.assignee == "mc"
    assert engine.dossier(d.code).lock_version == 2
    assert officers.open_steps(d) == ["appraise"]


def task_id(engine, d: Dossier, step: str) -> str:  # noqa: ANN001
    with engine.db.read() as s:
        return s.execute(
            select(TaskRow.id).where(TaskRow.dossier_id == d.id, TaskRow.bpmn_id == step)
        ).scalar_one()


def test_a_finished_dossier_is_left_to_the_orm(engine, officers: Officers) -> None:
    d = officers.walk(officers.submit(TEST_PROC), HAPPY)
    assert d.finished_at is not None
    with engine.db.write() as s:
        dossier = s.get(Dossier, d.id)
        task = s.execute(select(TaskRow).where(TaskRow.dossier_id == d.id)).scalars().first()
        dossier.late, task.escalated_at = True, datetime.now(UTC)
        writes = StepWrites(d.id, START)
        writes.take_orm_changes(s, dossier)
        assert writes.updates == {}
        assert dossier in s.dirty and task in s.dirty  # the flush (and its hooks) writes them
    assert engine.dossier(d.code).late


def test_a_new_row_inserted_with_core_is_in_the_session_as_the_database_has_it(engine) -> None:
    with engine.db.write() as s:
        version = s.get(Procedure, TEST_PROC).current_version_id
        d = Dossier(code="X-1", procedure_code=TEST_PROC, version_id=version, agency_code=AGENCY)
        d.status, d.channel, d.received_at, d.created_by = "received", "counter", START, "mc"
        insert_new(s, d)
        assert d.id is not None and d in s and not s.new and not s.dirty
        assert (d.applicant, d.paused_seconds, d.late, d.lock_version) == ({}, 0.0, False, 0)
        d.status = "in_process"  # tracked like a loaded row
        assert d in s.dirty
    with engine.db.read() as s:
        row = s.get(Dossier, d.id)
        assert (row.code, row.status, row.applicant, row.late) == ("X-1", "in_process", {}, False)
