"""Tasks: exclusive claims, assignment, who may work a task, form checks and the task list."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.errors import Conflict, InvalidInput, NotAllowed, NotFound, TaskNotReady
from engine.models import AuditEvent
from tests.engine.conftest import (
    AGENCY,
    KET_HON,
    KHAI_SINH,
    OTHER_AGENCY,
    TEST_PROC,
    VN,
    Officers,
    count,
)


@pytest.fixture
def at_appraise(officers: Officers):
    d = officers.submit(TEST_PROC)
    officers.walk(d, ["receive"])
    return d, officers.task(d, "appraise")


def snapshot(engine, dossier) -> tuple:
    """What a refused action must leave untouched."""
    d = engine.dossier(dossier.code)
    tasks = sorted((t.id, t.state, t.assignee) for t in engine.dossier_view(d.code).open_tasks)
    return d.lock_version, d.status, tasks, count(engine, AuditEvent)


def test_claim_is_exclusive(engine, at_appraise) -> None:
    d, task = at_appraise
    assert engine.claim(task.id, user="cv").assignee == "cv"
    with pytest.raises(Conflict, match="đã được nhận bởi cv"):
        engine.claim(task.id, user="cv2")
    assert engine.claim(task.id, user="cv").assignee == "cv"  # claiming again is harmless
    with pytest.raises(NotAllowed, match="đã được nhận bởi cv"):
        engine.complete(task.id, user="cv2", data={"opinion": "x"})
    assert engine.task(task.id).assignee == "cv"
    assert [t.id for t in engine.list_tasks(assignee="cv")] == [task.id]


def test_release_lets_a_colleague_take_it(engine, at_appraise) -> None:
    d, task = at_appraise
    engine.claim(task.id, user="cv")
    with pytest.raises(NotAllowed):
        engine.release(task.id, user="cv2")
    assert engine.release(task.id, user="cv").assignee is None
    assert engine.claim(task.id, user="cv2").assignee == "cv2"
    engine.complete(task.id, user="cv2", data={"opinion": "ok"})
    assert engine.task(task.id).completed_by == "cv2"
    actions = [(e.action, e.actor) for e in engine.history(d.id) if e.task_id == task.id]
    assert actions[:3] == [("claim", "cv"), ("release", "cv"), ("claim", "cv2")]


def test_head_of_unit_assigns_and_reassigns(engine, at_appraise) -> None:
    d, task = at_appraise
    assert engine.assign(task.id, to="cv", user="tp").assignee == "cv"
    assert engine.assign(task.id, to="cv2", user="tp").assignee == "cv2"  # taken from cv
    with pytest.raises(NotAllowed):
        engine.assign(task.id, to="cv", user="cv")  # not a supervisor, not the holder
    assert engine.task(task.id).assignee == "cv2"
    assign = [e for e in engine.history(d.id) if e.action == "assign"]
    assert [(e.actor, e.detail["previous"], e.detail["to"]) for e in assign] == [
        ("tp", None, "cv"),
        ("tp", "cv", "cv2"),
    ]


@pytest.mark.parametrize(
    ("to", "why"),
    [("mc", "cần vai trò specialist"), ("outsider", "thuộc cơ quan"), ("nobody", "không tồn tại")],
)
def test_assign_to_someone_who_cannot_work_it(engine, at_appraise, to, why) -> None:
    d, task = at_appraise
    with pytest.raises(NotAllowed, match=why):
        engine.assign(task.id, to=to, user="tp")
    assert engine.task(task.id).assignee is None


@pytest.mark.parametrize(
    ("user", "why"),
    [("mc", "cần vai trò specialist"), ("outsider", "thuộc cơ quan"), ("ghost", "không tồn tại")],
)
def test_only_the_right_role_and_agency_may_work_a_task(engine, at_appraise, user, why) -> None:
    d, task = at_appraise
    before = snapshot(engine, d)
    with pytest.raises(NotAllowed, match=why):
        engine.complete(task.id, user=user, data={"opinion": "x"})
    with pytest.raises(NotAllowed):
        engine.claim(task.id, user=user)
    assert snapshot(engine, d) == before


def test_completing_twice_or_a_missing_task(engine, officers, at_appraise) -> None:
    d, task = at_appraise
    engine.complete(task.id, user="cv", data={"opinion": "ok"})
    before = snapshot(engine, d)
    with pytest.raises(TaskNotReady, match="đã được xử lý bởi cv"):
        engine.complete(task.id, user="cv", data={"opinion": "ok"})
    with pytest.raises(Conflict):
        engine.claim(task.id, user="cv")
    with pytest.raises(NotFound):
        engine.complete("00000000-0000-0000-0000-000000000000", user="cv", data={})
    assert snapshot(engine, d) == before


def test_a_cancelled_task_is_not_ready(engine, officers, at_appraise) -> None:
    d, task = at_appraise
    engine.withdraw(d.code, actor="mc", reason="rút")
    with pytest.raises(TaskNotReady, match="đã bị hủy"):
        engine.complete(task.id, user="cv", data={"opinion": "ok"})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "opinion"),
        ({"opinion": ""}, "opinion"),
        ({"opinion": 42}, "opinion"),
        ({"opinion": "x" * 5001}, "opinion"),
    ],
)
def test_form_errors_name_the_field_and_change_nothing(engine, at_appraise, data, field) -> None:
    d, task = at_appraise
    before = snapshot(engine, d)
    with pytest.raises(InvalidInput) as err:
        engine.complete(task.id, user="cv", data=data)
    assert any(field in key for key in err.value.errors), err.value.errors
    assert all(err.value.errors.values())
    assert snapshot(engine, d) == before


@pytest.mark.parametrize("data", ["opinion", ["opinion"], 3])
def test_task_data_must_be_an_object(engine, at_appraise, data) -> None:
    d, task = at_appraise
    before = snapshot(engine, d)
    with pytest.raises(InvalidInput, match="đối tượng JSON"):
        engine.complete(task.id, user="cv", data=data)
    assert snapshot(engine, d) == before


def test_an_action_the_step_does_not_offer(engine, officers) -> None:
    d = officers.submit(KET_HON)
    task = officers.task(d, "receive")  # receive offers refuse, not supplement
    before = snapshot(engine, d)
    with pytest.raises(InvalidInput) as err:
        engine.complete(task.id, user="mc", data={}, action="supplement")
    assert "action" in err.value.errors
    assert snapshot(engine, d) == before


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda e, t: e.refuse(t, user="cv", reasons=[" ", ""]), "reasons"),
        (lambda e, t: e.request_supplementation(t, user="cv", missing=[]), "missing_documents"),
    ],
)
def test_refusal_and_supplementation_need_their_reasons(engine, at_appraise, call, field) -> None:
    d, task = at_appraise
    before = snapshot(engine, d)
    with pytest.raises(InvalidInput) as err:
        call(engine, task.id)
    assert field in err.value.errors
    assert snapshot(engine, d) == before


@pytest.mark.parametrize(("action", "field"), [("refuse", "reasons"), ("supplement", "missing")])
def test_complete_with_an_action_still_checks_the_form(engine, at_appraise, action, field) -> None:
    """The appraise form requires reasons for a refusal and missing documents for a request."""
    d, task = at_appraise
    before = snapshot(engine, d)
    with pytest.raises(InvalidInput) as err:
        engine.complete(task.id, user="cv", data={"opinion": "x"}, action=action)
    assert any(field in key for key in err.value.errors), err.value.errors
    assert snapshot(engine, d) == before


def test_supplement_only_at_the_supplement_step(engine, at_appraise) -> None:
    d, task = at_appraise
    with pytest.raises(InvalidInput, match="không phải bước bổ sung hồ sơ"):
        engine.supplement(task.id, user="cv", data={"supplemented_documents": ["x"]})


# -- the task list -------------------------------------------------------------------------
@pytest.fixture
def desk(engine, officers):
    """Five dossiers: three at receive (two procedures), two at appraise."""
    ds = [officers.submit(KET_HON), officers.submit(KET_HON), officers.submit(KHAI_SINH)]
    at_appraise = [officers.submit(TEST_PROC), officers.submit(TEST_PROC)]
    for d in at_appraise:
        officers.walk(d, ["receive"])
    return ds + at_appraise


def _ids(rows) -> set[str]:
    return {r.id for r in rows}


def test_filter_by_role_agency_and_procedure(engine, desk) -> None:
    everything = engine.list_tasks()
    assert len(everything) == 5
    front = engine.list_tasks(role="one_stop_officer")
    assert sorted(t.bpmn_id for t in front) == ["receive"] * 3
    specialist = engine.list_tasks(role="specialist", agency_code=AGENCY)
    assert sorted(t.bpmn_id for t in specialist) == ["appraise"] * 2
    assert engine.list_tasks(agency_code=OTHER_AGENCY) == []
    assert len(engine.list_tasks(procedure_code=KET_HON)) == 2
    assert {t.procedure_code for t in engine.list_tasks(procedure_code=TEST_PROC)} == {TEST_PROC}
    assert len(engine.list_tasks(dossier_code=desk[0].code)) == 1
    assert engine.list_tasks(role="leader") == []


def test_filter_by_assignee(engine, desk) -> None:
    task = engine.list_tasks(role="specialist")[0]
    engine.claim(task.id, user="cv")
    assert _ids(engine.list_tasks(assignee="cv")) == {task.id}
    unassigned = engine.list_tasks(unassigned=True, role="specialist")
    assert len(unassigned) == 1 and task.id not in _ids(unassigned)


def test_filter_overdue_and_near_due(engine, desk) -> None:
    # The receive steps are due at the close of today (share 0); appraise has days.
    receive_due = datetime(2026, 11, 25, 17, 0, tzinfo=VN)
    assert engine.list_tasks(overdue_at=receive_due) == []
    late = engine.list_tasks(overdue_at=datetime(2026, 11, 25, 17, 1, tzinfo=VN))
    assert sorted(t.bpmn_id for t in late) == ["receive"] * 3
    near = engine.list_tasks(near_due_at=datetime(2026, 11, 25, 16, 0, tzinfo=VN))
    assert {t.bpmn_id for t in near} == {"receive"}
    far = datetime(2026, 12, 31, tzinfo=VN)
    assert len(engine.list_tasks(overdue_at=far)) == 5
    assert len(engine.list_tasks(near_due_at=far)) == 5


def test_paging_is_stable_and_complete(engine, desk) -> None:
    pages = [engine.list_tasks(limit=2, offset=o) for o in (0, 2, 4, 6)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    seen = [t.id for p in pages for t in p]
    assert len(set(seen)) == 5
    assert set(seen) == _ids(engine.list_tasks())
    due = [t.due_at for p in pages for t in p]
    assert due == sorted(due)  # ordered by due date, soonest first
