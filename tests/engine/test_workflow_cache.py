"""A process reuses the workflow it saved last — only while the row still holds those bytes."""

from __future__ import annotations

import json
import zlib

import pytest

from engine import steps
from engine.errors import TaskNotReady
from engine.models import Dossier
from engine.state import SERIALIZER, save_state
from engine.workflow_cache import WorkflowCache
from tests.engine.conftest import (
    HAPPY,
    KET_HON,
    Officers,
    restore,
    setup_engine,
    stored_state,
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

    def broken(workflow):
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

    real = steps.save_state

    def with_a_tuple(wf):
        wf.data["pair"] = ("a", 1)
        return real(wf)

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


def test_the_cache_keeps_the_most_recently_used_dossiers() -> None:
    cache = WorkflowCache(2)
    for dossier_id in (1, 2, 3):
        cache.put(dossier_id, 7, 1, b"s%d" % dossier_id, object())
    assert sorted(cache._entries) == [2, 3]
    assert cache.take(2, 7, 1, b"other bytes") is None  # taken and dropped: not the same state
    assert cache.take(2, 7, 1, b"s2") is None
    assert cache.take(3, 8, 1, b"s3") is None  # another model version
    cache.put(4, 7, 1, b"s4", "wf")
    assert cache.take(4, 7, 1, b"s4") == "wf" and len(cache) == 0


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
