"""How service jobs get run: in this process right after commit, or by Celery workers.

The engine only ever hands an executor job ids after the step that created them has
committed, so a worker can never see a job whose dossier state is not yet saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .runtime import Engine
    from .settings import Settings


class Executor(Protocol):
    def dispatch(self, engine: Engine, job_ids: list[int]) -> None: ...


class InProcessExecutor:
    """The embedded default: run each job now, in the caller's thread, after its commit."""

    def dispatch(self, engine: Engine, job_ids: list[int]) -> None:
        for job_id in job_ids:
            engine.run_service_job(job_id)


class DeferredExecutor:
    """Collect jobs without running them: ``tick`` or a test runs them later."""

    def __init__(self) -> None:
        self.pending: list[int] = []

    def dispatch(self, engine: Engine, job_ids: list[int]) -> None:
        self.pending.extend(job_ids)

    def drain(self, engine: Engine) -> int:
        jobs, self.pending = self.pending, []
        for job_id in jobs:
            engine.run_service_job(job_id)
        return len(jobs)


class CeleryExecutor:
    """The distributed mode: each job id becomes a Celery task (see ``engine.celery_app``)."""

    def dispatch(self, engine: Engine, job_ids: list[int]) -> None:
        from .celery_app import bind_engine, configure, run_service_job

        configure(engine.settings)
        if engine.settings.celery_eager:
            bind_engine(engine)  # eager tasks run here, on the caller's engine
        for job_id in job_ids:
            run_service_job.delay(job_id)


def make_executor(settings: Settings) -> Executor:
    if settings.executor == "inprocess":
        return InProcessExecutor()
    if settings.executor == "celery":
        return CeleryExecutor()
    if settings.executor == "deferred":
        return DeferredExecutor()
    raise ValueError(f"unknown executor {settings.executor!r} (inprocess, celery, deferred)")
