"""Celery wiring: thin tasks that take ids and call one engine function each.

The embedded default runs the same tasks eagerly in the caller's process
(``celery_eager``); a province sets a Redis broker and starts workers
(``lienthong worker``) and one scheduler (``lienthong scheduler``, Celery beat).

Every task is ``acks_late`` and idempotent, so a redelivery — a worker killed mid-task, a
duplicate publish by the sweeper, two workers racing — changes nothing twice: a service job
records its outcome only while still ``pending`` under the dossier's row lock, a timer fires
only while ``fired_at`` is empty, a message is delivered only while ``pending``. A database
that drops its connections (a PostgreSQL restart) makes the task retry with backoff; the
sweeper covers whatever is lost beyond that.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from celery import Celery
from celery.schedules import crontab
from kombu.transport import redis as kombu_redis
from redis import exceptions as redis_errors
from sqlalchemy.exc import InterfaceError, OperationalError

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
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=None,  # a worker waits for Redis to come back, forever
    # A web request must not hang on a dead broker: fail the publish fast, the sweeper
    # publishes the job again once Redis is back.
    task_publish_retry_policy={
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 1,
    },
    worker_cancel_long_running_tasks_on_connection_loss=False,
    timezone="Asia/Ho_Chi_Minh",
    enable_utc=True,
)


class _RedisChannel(kombu_redis.Channel):
    """Kombu's Redis channel, surviving the loss of the broker with tasks in flight.

    When Redis goes away while a worker holds unacknowledged tasks, Celery closes the
    connection and kombu's channel tries to put those tasks back through a fresh client,
    built from connection details the transport has already dropped; the AttributeError
    that follows is "unrecoverable" and the worker exits (kombu 5.x). Raising a connection
    error instead lets Celery ignore it and reconnect; the tasks are redelivered by Redis'
    visibility timeout or republished by the sweeper.
    """

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise redis_errors.ConnectionError("the broker connection is closed")
        return super()._connparams(asynchronous)


class RedisTransport(kombu_redis.Transport):
    Channel = _RedisChannel


#: Errors of a database that went away (restart, failover): the task is retried later.
DB_DOWN = (OperationalError, InterfaceError)
_RETRY = {
    "autoretry_for": DB_DOWN,
    "retry_backoff": 2,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": 20,
}

_lock = threading.Lock()
_engine: Engine | None = None
_settings: Settings | None = None


def configure(settings: Settings) -> Celery:
    """Point the app at the settings' broker; remember them for the engine tasks build."""
    global _settings
    _settings = settings
    if app.conf.broker_url != settings.broker_url:
        # Forget the connection and producer pools bound to the old broker (Celery's own
        # reset after a fork); the next publish opens connections to the new one.
        app._after_fork()
    redis = settings.broker_url.startswith(("redis://", "rediss://"))
    app.conf.update(
        broker_transport="engine.celery_app:RedisTransport" if redis else None,
        broker_url=settings.broker_url,
        task_always_eager=settings.celery_eager,
        broker_transport_options={
            "visibility_timeout": settings.broker_visibility_timeout_s,
            "socket_connect_timeout": 5,
        },
        broker_connection_timeout=5,
    )
    return app


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """What ``lienthong scheduler`` publishes, and how often."""
    return {
        # 0 turns the embedded ticker off; the distributed mode always needs both.
        "tick": {"task": "lienthong.tick", "schedule": settings.tick_interval_s or 60.0},
        "sweep": {"task": "lienthong.sweep", "schedule": settings.sweep_interval_s or 30.0},
        "late-report": {
            "task": "lienthong.late_report",
            "schedule": crontab(hour=settings.late_report_hour, minute=0),
        },
        # the leaders' dashboard: each tick moves the summary past midnight, a month of days
        # at most (engine.ticks); this runs it unbounded (a rebuild in one go). Then the mail.
        "metrics-summary": {"task": "lienthong.metrics_summary", "schedule": crontab(minute=5)},
        "daily-report": {
            "task": "lienthong.daily_report",
            "schedule": crontab(hour=settings.late_report_hour, minute=10),
        },
    }


def bind_engine(engine: Engine | None) -> None:
    """Make ``engine`` the one tasks in this process use (eager mode, or a worker's start)."""
    global _engine
    with _lock:
        _engine = engine


def current_engine() -> Engine:
    """The process's engine, built on first use (in a worker: in the child, after fork)."""
    global _engine
    with _lock:
        if _engine is None:
            from .runtime import Engine
            from .settings import load

            settings = _settings or load()
            configure(settings)
            _engine = Engine(settings, service_caller=load_service_caller(settings))
        return _engine


def load_service_caller(settings: Settings) -> Callable[..., Any] | None:
    """Import ``settings.service_caller`` (``module:function``); None means the registry."""
    if not settings.service_caller:
        return None
    module, _, name = settings.service_caller.partition(":")
    if not module or not name:
        raise ValueError(f"service_caller {settings.service_caller!r} is not module:function")
    return getattr(import_module(module), name)


@app.task(
    name="lienthong.run_service_job", acks_late=True, time_limit=300, soft_time_limit=240, **_RETRY
)
def run_service_job(job_id: int) -> str:
    return current_engine().run_service_job(job_id)


@app.task(name="lienthong.tick", acks_late=True, time_limit=600, **_RETRY)
def tick(now: str | None = None) -> dict[str, int]:
    """Fire what is due; ``now`` (ISO) lets an operator or a test act at another moment."""
    when = datetime.fromisoformat(now) if now else None
    if when is not None and when.tzinfo is None:
        from .codes import VN_TZ

        when = when.replace(tzinfo=VN_TZ)
    return current_engine().tick(when)


@app.task(name="lienthong.deliver_messages", acks_late=True, time_limit=300, **_RETRY)
def deliver_messages(message_ids: list[int] | None = None) -> dict[str, int]:
    return current_engine().deliver_messages(message_ids)


@app.task(name="lienthong.sweep", acks_late=True, time_limit=300, **_RETRY)
def sweep() -> dict[str, int]:
    return current_engine().sweep()


@app.task(name="lienthong.late_report", acks_late=True, time_limit=900, **_RETRY)
def late_report() -> dict[str, Any]:
    report = current_engine().write_late_report()
    return {"file": report["file"], "late": report["total"]}


@app.task(name="lienthong.daily_report", acks_late=True, time_limit=900, **_RETRY)
def daily_report(now: str | None = None) -> dict[str, Any]:
    """The dashboard's daily report mailed to the leaders (engine.reports)."""
    from .reports import send_daily_report

    return send_daily_report(current_engine(), datetime.fromisoformat(now) if now else None)


@app.task(name="lienthong.metrics_summary", acks_late=True, time_limit=1800, **_RETRY)
def metrics_summary() -> dict[str, Any]:
    """Summarise the dossiers finished before today (engine.metrics_summary)."""
    from .metrics_summary import advance

    return advance(current_engine())
