"""Celery wiring: thin tasks that take ids and call one engine function each.

The embedded default runs the same tasks eagerly in the caller's process
(``celery_eager``); a province sets a Redis broker and starts workers. Tasks are
``acks_late`` and idempotent: a redelivered job that already finished changes nothing.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from celery import Celery

if TYPE_CHECKING:
    from .runtime import Engine
    from .settings import Settings

app = Celery("lienthong")
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    accept_content=["json"],
    task_eager_propagates=True,
)

_lock = threading.Lock()
_engine: Engine | None = None


def configure(settings: Settings) -> Celery:
    app.conf.update(
        broker_url=settings.broker_url,
        task_always_eager=settings.celery_eager,
    )
    return app


def bind_engine(engine: Engine) -> None:
    """Make ``engine`` the one tasks in this process use (eager mode, or a worker's start)."""
    global _engine
    with _lock:
        _engine = engine


def current_engine() -> Engine:
    global _engine
    with _lock:
        if _engine is None:
            from .runtime import Engine
            from .settings import load

            settings = load()
            configure(settings)
            _engine = Engine(settings)
        return _engine


@app.task(name="lienthong.run_service_job", acks_late=True, time_limit=300, soft_time_limit=240)
def run_service_job(job_id: int) -> str:
    return current_engine().run_service_job(job_id)


@app.task(name="lienthong.tick", acks_late=True, time_limit=600)
def tick() -> dict[str, int]:
    return current_engine().tick()


@app.task(name="lienthong.deliver_messages", acks_late=True, time_limit=300)
def deliver_messages() -> dict[str, int]:
    return current_engine().deliver_messages()
