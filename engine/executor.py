"""How service jobs and message deliveries get run: in this process, or by Celery workers.

The engine only ever hands an executor job ids after the step that created them has
committed, so a worker can never see a job whose dossier state is not yet saved. The
database row is the outbox: a publish that fails or is lost only delays the job until the
sweeper (``engine.sweeper``) publishes it again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .runtime import Engine
    from .settings import Settings

log = logging.getLogger(__name__)


class Executor(Protocol):
    def dispatch(self, engine: Engine, job_ids: list[int]) -> None: ...

    def dispatch_messages(self, engine: Engine, message_ids: list[int]) -> None: ...


class InProcessExecutor:
    """The embedded default: run each job now, in the caller's thread, after its commit."""

    def dispatch(self, engine: Engine, job_ids: list[int]) -> None:
        for job_id in job_ids:
            engine.run_service_job(job_id)

    def dispatch_messages(self, engine: Engine, message_ids: list[int]) -> None:
        engine.deliver_messages(message_ids)


class DeferredExecutor:
    """Collect jobs without running them: ``tick`` or a test runs them later."""

    def __init__(self) -> None:
        self.pending: list[int] = []
        self.pending_messages: list[int] = []

    def dispatch(self, engine: Engine, job_ids: list[int]) -> None:
        self.pending.extend(job_ids)

    def dispatch_messages(self, engine: Engine, message_ids: list[int]) -> None:
        self.pending_messages.extend(message_ids)

    def drain(self, engine: Engine) -> int:
        jobs, self.pending = self.pending, []
        messages, self.pending_messages = self.pending_messages, []
        for job_id in jobs:
            engine.run_service_job(job_id)
        if messages:
            engine.deliver_messages(messages)
        return len(jobs)


class CeleryExecutor:
    """The distributed mode: each job id becomes a Celery task (see ``engine.celery_app``).

    Before publishing, the jobs are stamped ``dispatched_at`` so the sweeper leaves them
    alone for the grace period; a publish that fails (Redis down) is logged and left to the
    sweeper instead of failing the caller, whose step has already committed.
    """

    def dispatch(self, engine: Engine, job_ids: list[int]) -> None:
        from .celery_app import run_service_job

        if not job_ids:
            return
        if self._eager(engine):
            for job_id in job_ids:
                run_service_job.delay(job_id)
            return
        from .sweeper import mark_dispatched

        mark_dispatched(engine, job_ids)
        for job_id in job_ids:
            if not _publish(run_service_job, job_id):
                return  # the broker is down: the rest would fail the same way

    def dispatch_messages(self, engine: Engine, message_ids: list[int]) -> None:
        from .celery_app import deliver_messages

        if not message_ids:
            return
        if self._eager(engine):
            deliver_messages.delay(list(message_ids))
            return
        _publish(deliver_messages, list(message_ids))

    def _eager(self, engine: Engine) -> bool:
        from .celery_app import bind_engine, configure

        configure(engine.settings)
        if engine.settings.celery_eager:
            bind_engine(engine)  # eager tasks run here, on the caller's engine
            return True
        return False


def _publish(task: object, *args: object) -> bool:
    """Publish one task; on a broker error log it and say so (the sweeper publishes later)."""
    try:
        task.apply_async(args)  # type: ignore[attr-defined]
    except Exception as exc:  # kombu/redis errors: the outbox row keeps the work
        log.warning("could not publish %s%r (left for the sweeper): %s", task, args, exc)
        return False
    return True


def make_executor(settings: Settings) -> Executor:
    if settings.executor == "inprocess":
        return InProcessExecutor()
    if settings.executor == "celery":
        return CeleryExecutor()
    if settings.executor == "deferred":
        return DeferredExecutor()
    raise ValueError(f"unknown executor {settings.executor!r} (inprocess, celery, deferred)")
