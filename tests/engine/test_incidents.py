"""Incidents: officers list failed calls, retry them, or cancel them into an incident task."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import AdapterError, InvalidInput, NotAllowed, TaskNotReady
from engine.models import ServiceCall
from engine.task_board import BoardFilter
from tests.engine.conftest import AGENCY, KET_HON, audit_rows, count
from tests.engine.test_service_tasks import ECHO_PROC, FakeAdapter, _job, _start


def test_a_retrying_call_is_listed_with_its_error_attempts_and_next_retry(
    make_engine, clock
) -> None:
    fake = FakeAdapter(AdapterError("hệ thống bận", retryable=True))
    e, officers, d = _start(make_engine, fake)
    [incident] = e.list_incidents()
    job = _job(e, d.id)
    assert (incident.job_id, incident.state, incident.dossier_code) == (job.id, "retrying", d.code)
    assert (incident.attempts, incident.operation) == (1, "test.echo")
    assert "hệ thống bận" in incident.error
    assert incident.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert incident.step and incident.agency_code == d.agency_code
    assert e.list_incidents(states=("failed",)) == []
    assert e.list_incidents(dossier=d.code) == [incident]
    assert e.list_incidents(agency_code="000.00.12.H56") == []
    with pytest.raises(InvalidInput, match="trạng thái sự cố không hợp lệ"):
        e.list_incidents(states=("lost",))


def test_retry_now_runs_a_retrying_call_before_its_backoff(make_engine) -> None:
    fake = FakeAdapter(AdapterError("hệ thống bận", retryable=True))
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    assert e.retry_incident(job.id, user="tp") == "done"  # in-process: runs right away
    assert len(fake.calls) == 2 and fake.calls[0][2] == fake.calls[1][2]
    assert e.list_incidents() == []
    assert officers.open_steps(d) == ["check"]
    assert [ev.actor for ev in audit_rows(e, "incident_retry", d.id)] == ["tp"]


def test_only_heads_of_unit_of_the_agency_or_admins_decide(make_engine) -> None:
    fake = FakeAdapter(AdapterError("sai tham số", retryable=False))
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    for user in ("cv", "outsider", "nobody"):
        with pytest.raises(NotAllowed):
            e.retry_incident(job.id, user=user)
        with pytest.raises(NotAllowed):
            e.cancel_incident(job.id, user=user, reason="x")
    assert _job(e, d.id).state == "failed" and len(fake.calls) == 1


def test_a_failed_call_retried_by_a_person_gets_one_more_attempt(make_engine) -> None:
    fake = FakeAdapter(*[AdapterError("sai tham số", retryable=False)] * 2)
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    [incident] = e.list_incidents()
    assert incident.state == "failed" and incident.next_attempt_at is None
    assert e.retry_incident(job.id, user="tp") == "failed"
    assert len(fake.calls) == 2
    assert e.incident(job.id).attempts == 2
    assert e.retry_incident(job.id, user="tp") == "done"
    assert officers.open_steps(d) == ["check"]
    with pytest.raises(InvalidInput, match="không có gì để thử lại"):
        e.retry_incident(job.id, user="tp")


def test_cancel_turns_the_step_into_an_incident_task_the_dossier_is_not_dropped(
    make_engine,
) -> None:
    fake = FakeAdapter(AdapterError("sai tham số", retryable=False))
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    with pytest.raises(InvalidInput, match="hãy ghi lý do"):
        e.cancel_incident(job.id, user="tp", reason="  ")
    row = e.cancel_incident(job.id, user="tp", reason="Hệ thống hộ tịch ngừng hoạt động")
    assert (row.kind, row.role, row.state) == ("incident", "head_of_unit", "open")
    assert _job(e, d.id).state == "cancelled"
    assert [i.job_id for i in e.list_incidents(states=("cancelled",))] == [job.id]
    assert e.list_incidents() == []
    # the officer sees it in the task list and cannot complete it as a plain user task
    assert [t.id for t in e.list_tasks(dossier_code=d.code, role="head_of_unit")] == [row.id]
    with pytest.raises(NotAllowed):
        e.complete(row.id, user="tp", data={})
    # nothing calls the system any more, whatever the scheduler does
    e.tick(e.clock.now() + timedelta(days=3))
    assert len(fake.calls) == 1
    with pytest.raises(InvalidInput, match="lẽ ra trả về"):
        e.resolve_incident(row.id, user="tp", data={})
    with pytest.raises(NotAllowed):
        e.resolve_incident(row.id, user="cv", data={"echo": {"ok": True}})
    e.resolve_incident(row.id, user="tp", data={"echo": {"code": d.code, "manual": True}})
    assert officers.open_steps(d) == ["check"]
    assert e.task(row.id).state == "completed" and e.task(row.id).completed_by == "tp"
    with pytest.raises(TaskNotReady):
        e.resolve_incident(row.id, user="tp", data={"echo": {}})
    actions = [ev.action for ev in e.history(d.id)]
    assert actions.count("incident_cancelled") == 1 and actions.count("incident_resolved") == 1
    assert count(e, ServiceCall, ServiceCall.job_id == job.id) == 1
    d = officers.walk(d, ["check"])
    assert d.status == "result_returned"


def test_cancel_refuses_a_job_that_is_done_or_never_failed(make_engine) -> None:
    fake = FakeAdapter()
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    with pytest.raises(InvalidInput, match="đã xong: không có gì để dừng"):
        e.cancel_incident(job.id, user="tp", reason="x")
    with pytest.raises(InvalidInput, match="không có gì để thử lại"):
        e.retry_incident(job.id, user="tp")


# -- the task board: dossiers stuck on a failing call ----------------------------------------
def _stuck(e, user: str, **flt) -> list[tuple[str, str | None]]:
    page = e.task_board(user, BoardFilter(scope="incidents", **flt))
    return [(r.dossier_code, r.incident.state if r.incident else None) for r in page.rows]


def test_the_board_lists_stuck_dossiers_as_the_badge_counts_them(make_engine) -> None:
    fake = FakeAdapter(AdapterError("sai tham số", retryable=False),
                       AdapterError("hệ thống bận", retryable=True))  # fmt: skip
    e, officers, failed = _start(make_engine, fake)
    retrying = officers.walk(officers.submit(ECHO_PROC), ["prepare"])
    fine = officers.walk(officers.submit(ECHO_PROC), ["prepare"])  # its call succeeded
    page = e.task_board("tp", BoardFilter(scope="incidents"))
    assert {(r.dossier_code, r.incident.state) for r in page.rows} == {
        (failed.code, "failed"), (retrying.code, "retrying")
    }  # fmt: skip
    assert page.total == e.count_incidents(agency_code=AGENCY) == len(e.list_incidents()) == 2
    row = next(r for r in page.rows if r.dossier_code == failed.code)
    assert (row.task.kind, row.task.name, row.incident.job_id) == (
        "service", "Gọi dịch vụ echo", _job(e, failed.id).id
    )  # fmt: skip
    assert "sai tham số" in row.incident.error and row.procedure_name == "Thủ tục có dịch vụ"
    assert fine.code not in {r.dossier_code for r in page.rows}
    # the filters narrow them as they narrow any row; a stuck call has no step deadline
    assert _stuck(e, "tp", dossier_code=failed.code) == [(failed.code, "failed")]
    assert _stuck(e, "tp", procedure_code=KET_HON) == []
    assert len(_stuck(e, "tp", procedure_code=ECHO_PROC, status="in_process")) == 2
    assert _stuck(e, "tp", urgency="overdue") == []
    assert [c for c, _ in _stuck(e, "tp", sort="code")] == sorted([failed.code, retrying.code])
    # the same dossiers as the incidents page: the agency's people, every agency's admin
    assert len(_stuck(e, "cv")) == 2 and _stuck(e, "outsider") == []
    e.ensure_user("root", "Quản trị", None, ["admin"])
    assert len(_stuck(e, "root")) == 2
    # the people's scopes do not show service tasks
    for scope in ("group", "unit", "mine", "escalated"):
        rows = e.task_board("tp", BoardFilter(scope=scope)).rows
        assert all(r.task.kind != "service" and r.incident is None for r in rows)


def test_a_dossier_leaves_the_stuck_rows_when_its_call_succeeds_or_is_cancelled(
    make_engine,
) -> None:
    fake = FakeAdapter(*[AdapterError("sai tham số", retryable=False)] * 2)
    e, officers, d = _start(make_engine, fake)
    other = officers.walk(officers.submit(ECHO_PROC), ["prepare"])
    assert len(_stuck(e, "tp")) == 2
    e.retry_incident(_job(e, d.id).id, user="tp")  # the partner answers this time
    assert _stuck(e, "tp") == [(other.code, "failed")]
    task = e.cancel_incident(_job(e, other.id).id, user="tp", reason="Hệ thống bảo trì")
    assert _stuck(e, "tp") == [] and e.count_incidents(agency_code=AGENCY) == 0
    # the stopped call is now a person's task: in the head of unit's group, in the unit view
    # of supervisors, and in an admin's list (a kind of task the board used to leave out)
    e.ensure_user("qt", "Quản trị", AGENCY, ["admin"])
    for user, scope in (("tp", "group"), ("tp", "unit"), ("ld", "unit"), ("qt", "group")):
        rows = e.task_board(user, BoardFilter(scope=scope, dossier_code=other.code)).rows
        assert [(r.task.id, r.task.kind) for r in rows] == [(task.id, "incident")], (user, scope)
    assert e.task_board("cv", BoardFilter(scope="group", dossier_code=other.code)).rows == []
