"""A process reuses the workflow it saved last — only while the row still holds those bytes."""

from __future__ import annotations

import json
import zlib
from datetime import datetime

import pytest

from engine import steps
from engine.errors import TaskNotReady
from engine.models import Dossier
from engine.state import SERIALIZER, save_state
from engine.workflow_cache import Kept, WorkflowCache
from tests.engine.conftest import (
    HAPPY,
    KET_HON,
    Officers,
    restore,
    setup_engine,
    stored_state,
)
from tests.engine.test_messages import PAIR
from tests.engine.test_working_timers import (  # noqa: F401  (``deployed`` is a fixture)
    MINUTE,
    THREE_DAYS_DUE,
    VN,
    bpmn_timers,
    deployed,
    start_waiting,
)


def test_each_step_after_the_first_reuses_the_workflow_the_last_one_saved(engine) -> None:
    officers = Officers(engine)
    d = officers.submit(KET_HON)
    path = ["receive", ("appraise", "supplement"), "supplement", "appraise", "approve"]
    officers.walk(d, [*path, "return_result"])
    assert (engine.workflows.hits, engine.workflows.misses) == (len(path) + 1, 0)
    assert engine.dossier(d.code).status == "result_returned"
    assert officers.statuses(d)[-1] == "result_returned"


def test_the_kept_workflow_is_the_stored_one(engine) -> None:
    """What stays in memory serialises to exactly what the row holds."""
    officers = Officers(engine)
    d = officers.submit(KET_HON)
    officers.do(d, "receive")
    entry = engine.workflows._entries[d.id]
    stored = stored_state(engine, d.id)
    assert entry.blob == stored.blob
    assert SERIALIZER.to_dict(entry.workflow) == json.loads(zlib.decompress(stored.blob))


def test_a_step_another_process_took_meanwhile_is_read_from_the_row(make_engine) -> None:
    first, second = setup_engine(make_engine()), make_engine()
    a, b = Officers(first), Officers(second)
    d = a.submit(KET_HON)
    a.do(d, "receive")  # ``first`` now keeps the workflow waiting at appraise
    b.do(d, "appraise")  # another process moves the dossier on
    a.do(d, "approve")  # a stale object would still wait at appraise
    assert first.workflows.misses == 1
    a.do(d, "return_result")
    assert first.dossier(d.code).status == "result_returned"
    assert a.statuses(d) == b.statuses(d) and a.statuses(d)[-1] == "result_returned"


def test_a_step_that_fails_leaves_no_half_changed_workflow(engine, monkeypatch) -> None:
    officers = Officers(engine)
    d = officers.submit(KET_HON)
    officers.do(d, "receive")
    task = officers.task(d, "appraise")

    def broken(workflow, **_kw):
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as m:
        m.setattr(steps, "save_state", broken)
        with pytest.raises(RuntimeError):
            engine.complete(task.id, user="cv", data={"opinion": "Đủ điều kiện"})
    assert d.id not in engine.workflows._entries
    assert officers.open_steps(d) == ["appraise"]  # nothing of the failed step stayed
    officers.walk(d, ["appraise", "approve", "return_result"])
    assert engine.dossier(d.code).status == "result_returned"


def test_a_state_json_would_change_is_not_kept(engine, monkeypatch) -> None:
    officers = Officers(engine)
    d = officers.submit(KET_HON)
    workflow = restore(engine, d.id)
    workflow.data["pair"] = ("a", 1)  # a tuple reads back as a list
    assert save_state(workflow).faithful is False
    workflow.data["pair"] = ["a", 1]
    assert save_state(workflow).faithful is True
    assert save_state(workflow, check_faithful=False).faithful is False  # not read back

    real = steps.save_state

    def with_a_tuple(wf, **kw):
        wf.data["pair"] = ("a", 1)
        return real(wf, **kw)

    monkeypatch.setattr(steps, "save_state", with_a_tuple)
    officers.do(d, "receive")
    assert d.id not in engine.workflows._entries
    monkeypatch.setattr(steps, "save_state", real)
    officers.do(d, "appraise")  # read from the row: the tuple came back as a list
    assert restore(engine, d.id).data["pair"] == ["a", 1]


def test_a_process_without_the_cache_reads_every_step_from_the_row(make_engine) -> None:
    e = setup_engine(make_engine(settings={"workflow_cache_size": 0}))
    officers = Officers(e)
    d = officers.submit(KET_HON)
    officers.walk(d, HAPPY)
    assert (e.workflows.hits, len(e.workflows)) == (0, 0)
    assert e.dossier(d.code).status == "result_returned"


def _kept(blob: bytes, workflow: object = None) -> Kept:
    return Kept(7, 1, blob, workflow, {}, [])


def test_the_cache_keeps_the_most_recently_used_dossiers() -> None:
    cache = WorkflowCache(2)
    for dossier_id in (1, 2, 3):
        cache.put(dossier_id, _kept(b"s%d" % dossier_id))
    assert sorted(cache._entries) == [2, 3]
    assert cache.take(2, 7, 1, b"other bytes") is None  # taken and dropped: not the same state
    assert cache.take(2, 7, 1, b"s2") is None
    assert cache.take(3, 8, 1, b"s3") is None  # another model version
    cache.put(4, _kept(b"s4", "wf"))
    kept = cache.take(4, 7, 1, b"s4")
    assert kept is not None and kept.workflow == "wf" and len(cache) == 0
    off = WorkflowCache(0)
    off.put(1, _kept(b"s1"))
    assert len(off) == 0 and off.take(1, 7, 1, b"s1") is None


def test_the_kept_waits_are_the_saved_workflows(engine) -> None:
    """The next step's "before" (BPMN timers, message waits) comes with the kept workflow."""
    from engine.messages import waiting_messages
    from engine.task_sync import waiting_timers

    officers = Officers(engine)
    for path in ([], ["receive"], ["receive", ("appraise", "supplement")]):
        d = officers.submit(KET_HON)
        officers.walk(d, path)
        kept = engine.workflows._entries[d.id]
        loaded = restore(engine, d.id)
        assert kept.timers == waiting_timers(loaded)
        assert kept.waits == waiting_messages(loaded)


def test_a_dossier_row_changed_by_hand_is_not_shadowed(engine) -> None:
    """A restored or edited state row wins over what the process kept."""
    officers = Officers(engine)
    d = officers.submit(KET_HON)
    before = stored_state(engine, d.id)
    officers.do(d, "receive")
    with engine.db.write() as s:  # put the earlier state back, as a restore would
        from engine.models import WorkflowState

        s.get(WorkflowState, d.id).state = before.blob
        s.get(Dossier, d.id).status = "received"
    assert restore(engine, d.id).get_tasks  # the row reads
    with pytest.raises(TaskNotReady):
        officers.do(d, "appraise")  # the restored workflow waits at receive again


def test_kept_bpmn_timers_follow_the_workflow_through_ticks(
    engine,
    deployed,  # noqa: F811  (the fixture of test_working_timers)
    clock,
) -> None:
    """A timer the state waits on, then one a tick opened, then none: each kept as saved."""
    from engine.task_sync import waiting_timers

    d = start_waiting(deployed, clock)
    seen = []
    for moment in (None, THREE_DAYS_DUE + MINUTE, datetime(2026, 9, 8, 11, 1, tzinfo=VN)):
        if moment is not None:
            engine.tick(moment)
        kept = engine.workflows._entries[d.id]
        assert kept.timers == waiting_timers(restore(engine, d.id))
        assert sorted(kept.timers.values()) == bpmn_timers(engine, d.id)
        seen.append(len(kept.timers))
    assert seen[0] == 1 and seen[1] >= 1
    assert deployed.open_steps(d) == ["appraise", "chase"]


def test_kept_message_waits_are_the_saved_workflows(make_engine, clock) -> None:
    from engine.messages import waiting_messages

    e = make_engine()
    e.create_schema()
    e.ensure_agency("A1", "Sở A")
    e.ensure_user("cv", "Chuyên viên", "A1", ["specialist"])
    for code, pid in (("9.000001", "sender"), ("9.000002", "receiver")):
        e.deploy(code, PAIR.read_bytes(), name=pid, deadline=(5, "working_days"),
                 agency_code="A1", process_id=pid)  # fmt: skip
    receiver = e.submit("9.000002", applicant={"full_name": "Trần B"})
    kept = e.workflows._entries[receiver.id]
    assert kept.waits and kept.waits == waiting_messages(restore(e, receiver.id))
    sender = e.submit("9.000001", applicant={"full_name": "Trần B"})
    [task] = e.list_tasks(dossier_code=sender.code)
    e.complete(task.id, user="cv", data={"ket_qua": "đạt"})  # delivered: a step of receiver
    kept = e.workflows._entries[receiver.id]
    assert kept.waits == waiting_messages(restore(e, receiver.id)) == []
    assert [t.bpmn_id for t in e.list_tasks(dossier_code=receiver.code)] == ["r_work"]
