"""Fault tests with real processes: ``lienthong worker`` and ``lienthong scheduler`` on a real
Redis and PostgreSQL (private servers, see conftest), a fake external system that honours
idempotency keys. After each fault every dossier must be consistent and at its result, every
step in the audit log exactly once, and the external system written once per job.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.celery_app import deliver_messages, late_report, run_service_job, tick
from engine.clock import SystemClock
from engine.codes import VN_TZ
from engine.models import AuditEvent, Dossier, Message, ServiceJob, Timer
from tests.distributed.conftest import Cluster, wait_for
from tests.engine.conftest import BY_ROLE, FORM_DATA, KET_HON, setup_engine
from tests.engine.test_messages import PAIR
from tests.service_models import Call, service_model

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

APPLICANT = {"full_name": "Nguyễn Văn An"}
#: Look the applicant up, then write the result to a registry: two jobs, one after the other.
CHAIN = service_model(
    "chain", [Call("lookup", "Tra cứu", "fake.lookup"), Call("record", "Ghi", "fake.write")]
)
#: Two registries written at once: two jobs of one dossier ready together, then a join.
FORK = service_model(
    "fork",
    [Call("write_a", "Ghi A", "fake.write_a"), Call("write_b", "Ghi B", "fake.write_b")],
    parallel=True,
)


def deploy(c: Cluster, code: str, bpmn: bytes) -> None:
    c.engine.ensure_agency("A1", "Sở thử nghiệm")
    c.engine.deploy(code, bpmn, name=code, deadline=(5, "working_days"), agency_code="A1")


def submit(c: Cluster, code: str, n: int) -> list[int]:
    return [c.engine.submit(code, applicant=APPLICANT).id for _ in range(n)]


def in_flight(c: Cluster) -> int:
    """Calls the external system has received and not yet finished (a worker is inside)."""
    calls, writes = c.fake()
    return len({k for k, _ in calls} - writes)


def test_kill_9_a_worker_mid_task(cluster: Cluster) -> None:
    c = cluster
    c.delay = 1.0
    deploy(c, "F.000001", CHAIN)
    c.scheduler()
    first = c.worker("w1", concurrency=2)
    ids = submit(c, "F.000001", 8)
    wait_for(lambda: in_flight(c) >= 2, 30, "two calls in flight on w1")
    inside = in_flight(c)
    first.kill9()  # the main process and its children: no warm shutdown, no ack
    c.worker("w2", concurrency=2)
    c.wait_finished(ids)
    report = c.check(ids, jobs_per_dossier=2, steps_per_dossier=2, label="kill -9 mid-task")
    print(f"[kill -9 mid-task] calls in flight when killed: {inside}")
    assert inside >= 2 and report["repeated_calls_same_key"] >= 1


def test_redis_down_30_s_under_load_then_back(cluster: Cluster) -> None:
    c = cluster
    c.delay = 0.05
    deploy(c, "F.000002", CHAIN)
    c.scheduler()
    c.worker("w1", concurrency=2)
    ids: list[int] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def load() -> None:  # the web side keeps receiving dossiers, broker or not
        try:
            while not stop.is_set():
                ids.extend(submit(c, "F.000002", 1))
                time.sleep(0.2)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    driver = threading.Thread(target=load)
    driver.start()
    try:
        time.sleep(3)
        c.redis.stop()
        down_from = len(ids)
        time.sleep(30)
        during = len(ids) - down_from
        c.redis.start()  # empty: whatever was queued is gone
        time.sleep(3)
    finally:
        stop.set()
        driver.join()
    assert not failures, failures
    c.wait_finished(ids, timeout=120)
    report = c.check(ids, jobs_per_dossier=2, steps_per_dossier=2, label="redis down 30 s")
    print(f"[redis down 30 s] dossiers received while Redis was down: {during}")
    assert during >= 5 and report["dossiers"] == len(ids)


def test_postgresql_restart_while_workers_run(cluster: Cluster) -> None:
    c = cluster
    c.delay = 0.2
    deploy(c, "F.000003", CHAIN)
    c.scheduler()
    c.worker("w1", concurrency=2)
    ids = submit(c, "F.000003", 16)
    wait_for(lambda: c.finished(ids) >= 2, 60, "the first dossiers to finish")
    before = c.finished(ids)
    how = c.pg.restart(c.schema)
    c.engine.db.dispose()  # the driver's pooled connections died with the server
    c.wait_finished(ids, timeout=120)
    report = c.check(ids, jobs_per_dossier=2, steps_per_dossier=2, label="postgresql restart")
    print(f"[postgresql restart] {how}; finished before the restart: {before}/{len(ids)}")
    assert before < len(ids) and report["at_result"] == len(ids)


def test_duplicate_delivery_of_jobs_and_messages(cluster: Cluster) -> None:
    c = cluster
    c.delay = 0.05
    deploy(c, "F.000004", CHAIN)
    e = c.engine
    e.ensure_user("cv", "Chuyên viên", "A1", ["specialist"])
    for code, pid in (("9.000001", "sender"), ("9.000002", "receiver")):
        e.deploy(code, PAIR.read_bytes(), name=pid, deadline=(5, "working_days"),
                 agency_code="A1", process_id=pid)  # fmt: skip
    c.scheduler()
    c.worker("w1", concurrency=2)
    c.worker("w2", concurrency=2)
    ids = submit(c, "F.000004", 10)
    with e.db.read() as s:
        first_jobs = list(s.execute(select(ServiceJob.id)).scalars())
    for job_id in first_jobs:  # every job published four times in all
        for _ in range(3):
            run_service_job.delay(job_id)
    c.wait_finished(ids)

    receivers, published = [], 0
    for round_ in range(4):  # one hand-off at a time (the pair has no correlation key)
        receiver = e.submit("9.000002", applicant=APPLICANT)
        sender = e.submit("9.000001", applicant=APPLICANT)
        e.deliver_messages = lambda ids=None: {}  # the sender's process "dies" after commit
        task = e.list_tasks(dossier_code=sender.code)[0]
        e.complete(task.id, user="cv", data={"ket_qua": "đạt"})
        del e.deliver_messages
        with e.db.read() as s:
            [msg_id] = s.execute(
                select(Message.id).where(Message.source_dossier_id == sender.id)
            ).scalars()
        if round_:  # the last rounds: published again and again, besides the sweeper
            for _ in range(4):
                deliver_messages.delay([msg_id])
                published += 1
            deliver_messages.delay(None)
            published += 1
        # the first round: nobody publishes it; the scheduler's sweep must deliver it
        wait_for(lambda r=receiver: e.list_tasks(dossier_code=r.code), 30, "the hand-off")
        receivers.append(receiver)
    # every job again, now that all are done: nothing may change
    with e.db.read() as s:
        all_jobs = list(s.execute(select(ServiceJob.id)).scalars())
        versions = dict(s.execute(select(Dossier.id, Dossier.lock_version)).all())
        audit_before = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    for job_id in all_jobs:
        run_service_job.delay(job_id)
    wait_for(lambda: c.redis.queue_length() == 0, 30, "the duplicates to be consumed")
    time.sleep(1.5)
    c.procs[0].stop()  # the scheduler: its ticks must not count as changes below
    with e.db.read() as s:
        after = dict(s.execute(select(Dossier.id, Dossier.lock_version)).all())
        changed = {i: (versions.get(i), v) for i, v in after.items() if versions.get(i) != v}
        assert not changed, (changed, [
            (ev.dossier_id, ev.action, ev.detail) for i in changed for ev in e.history(i)[-3:]
        ])  # fmt: skip
        assert s.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == audit_before
    report = c.check(ids, jobs_per_dossier=2, steps_per_dossier=2, label="duplicate delivery")
    for r in receivers:
        assert [ev.action for ev in e.history(r.id)].count("message_received") == 1
    print(
        f"[duplicate delivery] job publishes: {len(first_jobs) * 4 + len(all_jobs)} for "
        f"{report['jobs_done']} jobs; message deliveries published: {published} for "
        f"{len(receivers)} messages (one left to the sweeper alone), each received once"
    )


def test_clock_jumps_across_the_deadline(cluster: Cluster) -> None:
    c = cluster
    e = setup_engine(c.engine)
    c.worker("w1", concurrency=2)
    c.worker("w2", concurrency=2)
    ids = [e.submit(KET_HON, applicant=APPLICANT, actor="mc").id for _ in range(6)]
    now = SystemClock().now()
    ahead, behind = now + timedelta(days=10), now - timedelta(days=1)
    for when in (ahead, ahead, ahead, behind, behind, ahead, ahead):  # forward, back, forward
        for _ in range(2):
            tick.delay(when.isoformat())
    wait_for(lambda: c.redis.queue_length() == 0, 60, "the ticks to be consumed")
    with e.db.read() as s:
        wait_for(
            lambda: s.execute(
                select(func.count()).select_from(Timer).where(
                    Timer.dossier_id.in_(ids), Timer.due_at <= ahead, Timer.fired_at.is_(None)
                )
            ).scalar_one() == 0,
            30, "every timer before the jump to fire",
        )  # fmt: skip
    late_report.delay()
    report_file = c.folder / "reports" / f"late-{now.astimezone(VN_TZ).date().isoformat()}.json"
    daily = wait_for(lambda: json.loads(report_file.read_text(encoding="utf-8")), 30, "report")
    assert daily["total"] == len(ids)  # late by the jump, still open: on today's report
    late = [len([a for a in e.history(i) if a.action == "late"]) for i in ids]
    escalated = [len([a for a in e.history(i) if a.action == "escalated"]) for i in ids]
    assert late == [1] * len(ids) and escalated == [1] * len(ids)
    steps = 0
    for dossier_id in ids:  # the officers finish every dossier, apology letter included
        for _ in range(12):
            rows = e.list_tasks(dossier_code=e.dossier(dossier_id).code)
            if not rows:
                break
            row = rows[0]
            e.complete(row.id, user=BY_ROLE[row.role], data=FORM_DATA.get(row.bpmn_id, {}))
            steps += 1
    report = c.check(ids, jobs_per_dossier=0, label="clock jump")
    print(
        f"[clock jump] ticks published: 14 (+10 d, -1 d, +10 d); late marked once per dossier: "
        f"{sum(late)}; escalations: {sum(escalated)}; officer steps after: {steps}"
    )
    assert report["at_result"] == len(ids)


def test_two_workers_race_for_the_same_dossier(cluster: Cluster) -> None:
    c = cluster
    c.delay = 0.3
    deploy(c, "F.000005", FORK)
    c.worker("w1", concurrency=2)
    c.worker("w2", concurrency=2)
    ids = submit(c, "F.000005", 10)
    with c.engine.db.read() as s:
        jobs = list(s.execute(select(ServiceJob.id)).scalars())
    for job_id in jobs:  # and each job twice more, to any worker
        run_service_job.delay(job_id)
        run_service_job.delay(job_id)
    c.wait_finished(ids)
    report = c.check(ids, jobs_per_dossier=2, steps_per_dossier=2, label="two workers race")
    with c.pg.connect(c.schema) as conn:
        overlapping = conn.execute(
            """SELECT count(DISTINCT split_part(a.key, ':', 1)) FROM fake_calls a
               JOIN fake_calls b ON split_part(a.key, ':', 1) = split_part(b.key, ':', 1)
               AND a.key < b.key AND a.pid <> b.pid
               AND abs(extract(epoch FROM a.at - b.at)) < %s""",
            (c.delay,),
        ).fetchone()[0]
    print(f"[two workers race] dossiers whose two calls ran at once in two processes: "
          f"{overlapping}/{len(ids)}")  # fmt: skip
    assert report["jobs_done"] == 2 * len(ids)
