"""Flow 1 in the distributed mode: service jobs go through Redis to a real Celery worker.

The worker runs in this process (Celery's test worker, a thread) on the same engine, so the
job rows, the partners' simulators and the dossier are shared; the broker is Redis database
9 of ``LIENTHONG_TEST_REDIS_URL``'s server.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.registry import Registry
from adapters.sim.world import World
from engine import celery_app
from engine.clock import ManualClock
from engine.runtime import Engine
from engine.settings import load
from tests.engine import flowkit
from tests.engine.flowkit import COMMUNE, START, Desk, setup_flows
from tests.engine.test_flows_birth import commune_part, submit

people, registry = flowkit.people, flowkit.registry


def broker_url() -> str:
    base = os.environ.get("LIENTHONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    return base.rsplit("/", 1)[0] + "/9"


@pytest.fixture
def celery_engine(db_url: str, registry: Registry) -> Iterator[Engine]:
    import redis
    from celery.contrib.testing.worker import start_worker

    redis.Redis.from_url(broker_url()).flushdb()

    def call(operation: str, params: dict, *, idempotency_key: str) -> Any:
        return registry.call(operation, params, idempotency_key=idempotency_key)

    settings = load({"database_url": db_url, "executor": "celery", "celery_eager": False,
                     "broker_url": broker_url()})  # fmt: skip
    e = Engine(settings, clock=ManualClock(START), service_caller=call)
    setup_flows(e)
    celery_app.configure(settings)
    celery_app.bind_engine(e)
    try:
        with start_worker(celery_app.app, pool="solo", perform_ping_check=False,
                          shutdown_timeout=10):  # fmt: skip
            yield e
    finally:
        celery_app.bind_engine(None)
        celery_app.configure(load({}))  # back to the embedded default for other tests
        e.db.dispose()


def wait_for(predicate: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("the worker did not finish in time")


def test_flow_1_with_a_real_worker(celery_engine: Engine, people: World) -> None:
    e, desk = celery_engine, Desk(celery_engine)
    assert celery_app.app.conf.task_always_eager is False  # through the broker, for real
    d = submit(e, people, nth=8)
    commune_part(desk, d)  # the signature publishes the birth registration job
    wait_for(lambda: {j.operation: j.state for j in desk.jobs(d)}.get(
        "social_insurance.issue_child_health_card") == "done")  # fmt: skip
    desk.do(d, "police_residence", {"residence_result": "registered"})
    wait_for(lambda: desk.steps(d) == ["return_result"])
    assert {j.state for j in desk.jobs(d)} == {"done"} and len(desk.jobs(d)) == 3
    desk.do(d, "return_result")
    assert e.dossier(d.code).status == "result_returned"
    f = e.analyse_dossier(d.code)
    assert f.human_steps_by_agency == {COMMUNE: 4, flowkit.POLICE: 1} and f.system_steps == 3
