"""Incidents: officers list failed calls, retry them, or cancel them into an incident task."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import AdapterError, InvalidInput, NotAllowed, TaskNotReady
from engine.models import ServiceCall
from tests.engine.conftest import audit_rows, count
from tests.engine.test_service_tasks import FakeAdapter, _job, _start


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
    with pytest.raises(InvalidInput, match="unknown incident state"):
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
    with pytest.raises(InvalidInput, match="nothing to retry"):
        e.retry_incident(job.id, user="tp")


def test_cancel_turns_the_step_into_an_incident_task_the_dossier_is_not_dropped(
    make_engine,
) -> None:
    fake = FakeAdapter(AdapterError("sai tham số", retryable=False))
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    with pytest.raises(InvalidInput, match="say why"):
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
    with pytest.raises(InvalidInput, match="would have answered"):
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
    with pytest.raises(InvalidInput, match="nothing to cancel"):
        e.cancel_incident(job.id, user="tp", reason="x")
    with pytest.raises(InvalidInput, match="nothing to retry"):
        e.retry_incident(job.id, user="tp")
