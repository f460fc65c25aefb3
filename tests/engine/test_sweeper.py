"""The outbox sweeper: work committed but never picked up is handed out again, once."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine import late_report
from engine.errors import AdapterError
from engine.models import Message, ServiceJob
from engine.sweeper import mark_dispatched
from tests.engine.conftest import KET_HON, Officers, setup_engine
from tests.engine.test_messages import PAIR
from tests.engine.test_service_tasks import ECHO_PROC, FakeAdapter, _job, deploy_echo

GRACE = 120.0


@dataclass
class RedisQueue:
    url: str
    client: Any

    def queued(self) -> list[int]:
        """Job ids of the ``run_service_job`` tasks waiting in the default queue."""
        out = []
        for raw in reversed(self.client.lrange("celery", 0, -1)):
            message = json.loads(raw)
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            out.append(args[0])
        return out


@pytest.fixture
def redis_db1() -> Iterator[RedisQueue]:
    """Redis DB 1 of the test server (this suite's own), emptied before and after."""
    import redis

    base = os.environ.get("LIENTHONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    url = base.rsplit("/", 1)[0] + "/1"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield RedisQueue(url, client)
    client.flushdb()
    client.close()


class LosingBroker:
    """An executor whose broker takes every publish and delivers none (a crash, a lost queue)."""

    def __init__(self) -> None:
        self.published: list[int] = []
        self.messages: list[int] = []

    def dispatch(self, engine: Any, job_ids: list[int]) -> None:
        mark_dispatched(engine, job_ids)
        self.published.extend(job_ids)

    def dispatch_messages(self, engine: Any, message_ids: list[int]) -> None:
        self.messages.extend(message_ids)


def test_a_lost_publish_is_republished_after_the_grace_then_left_alone(make_engine, clock):
    broker, fake = LosingBroker(), FakeAdapter()
    e = setup_engine(make_engine(service_caller=fake, executor=broker))
    deploy_echo(e)
    officers = Officers(e)
    d = officers.submit(ECHO_PROC)
    officers.walk(d, ["prepare"])
    job = _job(e, d.id)
    assert broker.published == [job.id] and job.dispatched_at == clock.now()
    clock.advance(seconds=GRACE - 1)
    assert e.sweep() == {}  # merely queued: not published twice
    clock.advance(seconds=2)
    assert e.sweep() == {"service_republished": 1}
    assert e.sweep() == {}  # just handed out again: the grace starts over
    assert broker.published == [job.id, job.id]
    assert e.run_service_job(job.id) == "done"
    clock.advance(days=30)
    assert e.sweep() == {} and "service_republished" not in e.tick()
    assert len(fake.calls) == 1


def test_a_retry_that_comes_due_is_handed_out_once_by_tick_or_sweep(make_engine, clock):
    broker = LosingBroker()
    fake = FakeAdapter(AdapterError("hệ thống bận", retryable=True))
    e = setup_engine(make_engine(service_caller=fake, executor=broker))
    deploy_echo(e)
    officers = Officers(e)
    d = officers.submit(ECHO_PROC)
    officers.walk(d, ["prepare"])
    job = _job(e, d.id)
    assert e.run_service_job(job.id) == "pending"  # failed once, retry in 30 s
    clock.advance(seconds=29)
    assert e.sweep() == {}
    clock.advance(seconds=2)
    assert e.tick() == {"service_retries": 1}
    assert e.sweep() == {}
    assert broker.published == [job.id, job.id]


def test_a_job_committed_while_the_broker_is_down_is_not_lost(make_engine, clock, monkeypatch):
    """Real Celery executor, dead broker: the step commits, the publish fails quietly."""
    from engine import executor

    warnings: list[str] = []
    monkeypatch.setattr(executor.log, "warning", lambda msg, *a: warnings.append(msg % a))
    fake = FakeAdapter()
    settings = {"celery_eager": False, "broker_url": "redis://127.0.0.1:1/0"}
    e = setup_engine(make_engine(service_caller=fake, settings=settings))
    deploy_echo(e)
    officers = Officers(e)
    d = officers.submit(ECHO_PROC)
    officers.walk(d, ["prepare"])  # does not raise: the dossier's step has committed
    job = _job(e, d.id)
    assert (job.state, job.attempts, job.dispatched_at) == ("pending", 0, clock.now())
    assert len(warnings) == 1 and "left for the sweeper" in warnings[0]
    clock.advance(seconds=GRACE + 1)
    assert e.due_jobs(clock.now()) == [job.id]
    assert e.run_service_job(job.id) == "done"  # what a worker does once it gets it
    assert e.due_jobs(clock.now()) == [] and officers.open_steps(d) == ["check"]


@pytest.mark.redis
def test_the_sweeper_publishes_to_the_real_broker(make_engine, clock, redis_db1) -> None:
    fake = FakeAdapter()
    settings = {"celery_eager": False, "broker_url": redis_db1.url}
    e = setup_engine(make_engine(service_caller=fake, settings=settings))
    deploy_echo(e)
    officers = Officers(e)
    d = officers.submit(ECHO_PROC)
    officers.walk(d, ["prepare"])
    job = _job(e, d.id)
    assert redis_db1.queued() == [job.id]
    redis_db1.client.delete("celery")  # Redis restarted empty: the queue is gone
    clock.advance(seconds=GRACE + 1)
    assert e.sweep() == {"service_republished": 1}
    assert redis_db1.queued() == [job.id]


def test_a_message_not_delivered_after_its_commit_is_delivered_by_the_sweeper(
    make_engine, clock, monkeypatch
) -> None:
    e = make_engine(settings={"executor": "inprocess"})
    e.create_schema()
    e.ensure_agency("A1", "Sở A")
    e.ensure_user("cv", "Chuyên viên", "A1", ["specialist"])
    for code, pid in (("9.000001", "sender"), ("9.000002", "receiver")):
        e.deploy(
            code,
            PAIR.read_bytes(),
            name=pid,
            deadline=(5, "working_days"),
            agency_code="A1",
            process_id=pid,
        )
    receiver = e.submit("9.000002", applicant={"full_name": "Trần B"})
    sender = e.submit("9.000001", applicant={"full_name": "Trần B"})
    task = e.list_tasks(dossier_code=sender.code)[0]
    with monkeypatch.context() as m:  # the process dies right after the sender's commit
        m.setattr(e, "deliver_messages", lambda ids=None: {})
        e.complete(task.id, user="cv", data={"ket_qua": "đạt"})
    with e.db.read() as s:
        [msg] = s.execute(select(Message)).scalars().all()
    assert msg.state == "pending"
    assert e.sweep() == {}
    clock.advance(seconds=GRACE + 1)
    assert e.sweep() == {"messages_redelivered": 1}
    assert e.sweep() == {}
    [work] = e.list_tasks(dossier_code=receiver.code)
    assert work.bpmn_id == "r_work"
    assert [ev.action for ev in e.history(receiver.id)].count("message_received") == 1


def test_the_late_report_lists_late_dossiers_per_agency(
    make_engine, clock, tmp_path, monkeypatch
) -> None:
    e = setup_engine(make_engine(settings={"report_dir": str(tmp_path / "reports")}))
    officers = Officers(e)
    late = [officers.submit(KET_HON) for _ in range(2)]
    done = officers.submit(KET_HON)
    officers.walk(done, ["receive", "appraise", "approve", "return_result"])
    clock.advance(days=5)
    e.tick()
    seen: list[dict] = []

    class Plugin:
        name, value = "test", "tests:plugin"

        @staticmethod
        def load() -> Any:
            return lambda engine, report: seen.append(report)

    class Broken(Plugin):
        @staticmethod
        def load() -> Any:
            raise RuntimeError("exporter missing")

    monkeypatch.setattr(late_report, "entry_points", lambda group: [Broken, Plugin])
    report = e.write_late_report()
    [agency] = report["agencies"]
    assert agency["count"] == 2 and report["total"] == 2
    assert sorted(x["code"] for x in agency["dossiers"]) == sorted(d.code for d in late)
    assert all(x["overdue_hours"] > 0 for x in agency["dossiers"])
    saved = json.loads(Path(report["file"]).read_text(encoding="utf-8"))
    assert saved["total"] == 2 and seen == [report]
    assert e.write_late_report()["file"] == report["file"]  # same day: rewritten, not added
    assert os.listdir(tmp_path / "reports") == [Path(report["file"]).name]
    assert e.late_dossiers(agency_code="000.00.12.H56") == []


def test_due_jobs_ignores_finished_jobs(make_engine, clock) -> None:
    fake = FakeAdapter()
    e = setup_engine(make_engine(service_caller=fake, settings={"executor": "inprocess"}))
    deploy_echo(e)
    officers = Officers(e)
    d = officers.submit(ECHO_PROC)
    officers.walk(d, ["prepare"])
    clock.advance(days=1)
    assert e.due_jobs(clock.now()) == []
    with e.db.read() as s:
        assert s.execute(select(ServiceJob.state)).scalars().all() == ["done"]


def test_a_job_recorded_meanwhile_by_another_worker_leaves_no_step(make_engine) -> None:
    """Two deliveries of one job both call the registry; only the first records a step."""
    calls: list[str] = []
    box: dict[str, Any] = {}

    def racing_caller(operation: str, params: dict, *, idempotency_key: str) -> dict:
        calls.append(idempotency_key)
        if len(calls) == 1:  # while this call is out, a second worker runs the same job
            assert box["e"].run_service_job(box["job"]) == "done"
        return {"echo": params}

    e = setup_engine(make_engine(service_caller=racing_caller, executor=LosingBroker()))
    box["e"] = e
    deploy_echo(e)
    officers = Officers(e)
    d = officers.submit(ECHO_PROC)
    officers.walk(d, ["prepare"])
    box["job"] = _job(e, d.id).id
    before = e.dossier(d.code)
    assert e.run_service_job(box["job"]) == "done"
    after = e.dossier(d.code)
    assert calls == [calls[0]] * 2  # the same idempotency key both times
    assert (after.step_count, after.lock_version) == (
        before.step_count + 1,
        before.lock_version + 1,
    )
    assert [ev.action for ev in e.history(d.id)].count("service_done") == 1
