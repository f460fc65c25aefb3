"""Service tasks: run through the executor, outside the caller's step, retried, idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.errors import AdapterError, InvalidInput
from engine.models import AuditEvent, ServiceCall, ServiceJob
from engine.runtime import Engine
from tests.engine.conftest import DATA, Officers, audit_rows, count, restore, setup_engine

ECHO = (DATA / "bpmn" / "service_echo.bpmn").read_bytes()
ECHO_PROC = "S.000001"


def deploy_echo(e: Engine) -> None:
    e.deploy(ECHO_PROC, ECHO, name="Thủ tục có dịch vụ", deadline=(3, "working_days"))


class FakeAdapter:
    """Answers ``test.echo`` from a script of outcomes; records every call it gets."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, dict, str]] = []

    def __call__(self, operation: str, params: dict, *, idempotency_key: str) -> Any:
        self.calls.append((operation, dict(params), idempotency_key))
        outcome = self.outcomes.pop(0) if self.outcomes else {"echo": params}
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _start(make_engine, fake: FakeAdapter, **settings: Any) -> tuple[Engine, Officers, Any]:
    e = setup_engine(make_engine(service_caller=fake, settings=settings))
    deploy_echo(e)
    officers = Officers(e)
    d = officers.submit(ECHO_PROC)
    officers.walk(d, ["prepare"])
    return e, officers, d


def _job(e: Engine, dossier_id: int) -> ServiceJob:
    with e.db.read() as s:
        from sqlalchemy import select

        return s.execute(select(ServiceJob).where(ServiceJob.dossier_id == dossier_id)).scalar_one()


def test_success_puts_the_result_in_the_data(make_engine) -> None:
    fake = FakeAdapter()
    e, officers, d = _start(make_engine, fake)
    assert officers.open_steps(d) == ["check"]
    job = _job(e, d.id)
    assert job.state == "done" and job.attempts == 1
    assert fake.calls == [
        ("test.echo", {"code": d.code, "word": "xin chào"}, f"{d.code}:{job.task_id}")
    ]
    check = officers.task(d, "check")
    wf = restore(e, d.id)
    data = wf.get_task_from_id(__import__("uuid").UUID(check.id)).data
    assert data["echo_result"] == {"echo": {"code": d.code, "word": "xin chào"}}
    row = e.task(job.task_id)
    assert (row.kind, row.role, row.state, row.completed_by) == (
        "service",
        "system",
        "completed",
        "system",
    )
    assert count(e, ServiceCall, ServiceCall.job_id == job.id, ServiceCall.outcome == "ok") == 1
    assert [a.action for a in audit_rows(e, "service_done", d.id)] == ["service_done"]
    d = officers.walk(d, ["check"])
    assert d.status == "result_returned"


def test_retryable_error_is_retried_by_tick_exactly_once(make_engine, clock) -> None:
    fake = FakeAdapter(AdapterError("hệ thống bận", retryable=True))
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    assert job.state == "pending" and job.attempts == 1
    assert job.next_attempt_at == clock.now() + timedelta(seconds=e.settings.service_retry_base_s)
    assert "hệ thống bận" in job.last_error
    retry = audit_rows(e, "service_retry", d.id)
    assert len(retry) == 1 and retry[0].detail["attempts"] == 1
    assert officers.open_steps(d) == ["echo"]  # open, run by the system

    assert e.tick(clock.now() + timedelta(seconds=5)).get("service_retries", 0) == 0
    assert len(fake.calls) == 1
    report = e.tick(job.next_attempt_at + timedelta(seconds=1))
    assert report["service_retries"] == 1
    assert len(fake.calls) == 2
    assert fake.calls[0][2] == fake.calls[1][2]  # the same idempotency key on every attempt
    assert _job(e, d.id).state == "done"
    assert officers.open_steps(d) == ["check"]
    e.tick(job.next_attempt_at + timedelta(hours=1))
    assert len(fake.calls) == 2
    assert len(audit_rows(e, "service_done", d.id)) == 1
    assert count(e, ServiceCall, ServiceCall.job_id == job.id) == 2


def test_non_retryable_error_is_an_incident_until_a_person_retries(make_engine) -> None:
    fake = FakeAdapter(AdapterError("sai tham số", retryable=False))
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    assert job.state == "failed" and job.next_attempt_at is None
    incident = audit_rows(e, "incident", d.id)
    assert len(incident) == 1 and "sai tham số" in incident[0].detail["error"]
    assert e.tick(job.updated_at + timedelta(days=3)).get("service_retries", 0) == 0
    assert len(fake.calls) == 1
    assert e.retry_job(job.id, user="tp") == "pending"  # in-process: runs right away
    assert _job(e, d.id).state == "done"
    assert officers.open_steps(d) == ["check"]
    with pytest.raises(InvalidInput, match="đã xong, không phải đang lỗi"):
        e.retry_job(job.id, user="tp")


def test_exhausted_retries_become_an_incident(make_engine, clock) -> None:
    fake = FakeAdapter(*[AdapterError("timeout", retryable=True)] * 3)
    e, officers, d = _start(make_engine, fake, service_max_attempts=2)
    job = _job(e, d.id)
    assert job.state == "pending"
    e.tick(job.next_attempt_at)
    job = _job(e, d.id)
    assert job.state == "failed" and job.attempts == 2
    assert len(audit_rows(e, "incident", d.id)) == 1
    assert officers.open_steps(d) == ["echo"]


def test_an_adapter_bug_is_retried_not_lost(make_engine) -> None:
    fake = FakeAdapter(KeyError("oops"))
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    assert job.state == "pending" and "KeyError" in job.last_error


@pytest.mark.parametrize("garbage", ["a string", ["a", "list"], None, 42])
def test_garbage_answer_is_a_clear_incident(make_engine, garbage) -> None:
    fake = FakeAdapter(garbage)
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    assert job.state == "failed"
    assert "không phải một đối tượng" in job.last_error
    assert "không phải một đối tượng" in audit_rows(e, "incident", d.id)[0].detail["error"]
    assert officers.open_steps(d) == ["echo"]
    assert e.dossier(d.code).status != "result_returned"


def test_running_a_done_job_again_changes_nothing(make_engine) -> None:
    fake = FakeAdapter()
    e, officers, d = _start(make_engine, fake)
    job = _job(e, d.id)
    before = (e.dossier(d.code).lock_version, count(e, AuditEvent), count(e, ServiceCall))
    assert e.run_service_job(job.id) == "done"
    after = (e.dossier(d.code).lock_version, count(e, AuditEvent), count(e, ServiceCall))
    assert after == before
    assert len(fake.calls) == 1


def test_deferred_executor_keeps_the_call_out_of_the_callers_step(make_engine) -> None:
    fake = FakeAdapter()
    e, officers, d = _start(make_engine, fake, executor="deferred")
    assert fake.calls == []
    job = _job(e, d.id)
    assert job.state == "pending" and job.attempts == 0
    assert e.executor.pending == [job.id]
    assert officers.open_steps(d) == ["echo"]
    assert e.executor.drain(e) == 1
    assert len(fake.calls) == 1
    assert _job(e, d.id).state == "done"
    assert officers.open_steps(d) == ["check"]
