"""The outbox's safety net: publish again what was committed but never picked up.

A step commits its service jobs and thrown messages as rows, and only then hands them to
the executor. Whatever goes wrong after the commit — the process dies before publishing,
Redis is down or restarts empty, a worker is killed mid-task — leaves the row ``pending``.
The sweeper finds those rows and hands them out again:

* a service job is due when ``next_attempt_at`` has passed and it has not been handed out
  or picked up since (``dispatched_at`` older than ``next_attempt_at``: a retry that came
  due) or not for ``sweep_grace_s`` (a lost publish, a dead worker, a lost queue);
* a message is due when it has been pending for ``sweep_grace_s`` while a dossier waits for
  its name (delivery right after the commit did not happen).

The grace period keeps the sweeper from publishing work that is merely queued; a duplicate
publish is harmless anyway, because every task is idempotent (``engine.celery_app``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, or_, select, update

from .models import Message, MessageWait, ServiceJob

if TYPE_CHECKING:
    from .runtime import Engine


class Sweeper:
    def sweep(self: Engine, now: datetime | None = None, *, limit: int = 1000) -> dict[str, int]:
        """Hand out again the due jobs and messages nobody picked up; report counts."""
        now = now or self.clock.now()
        report: Counter[str] = Counter()
        jobs = self.due_jobs(now, limit=limit)
        if jobs:
            with self.db.read() as s:
                retries = set(
                    s.execute(
                        select(ServiceJob.id).where(
                            ServiceJob.id.in_(jobs), ServiceJob.attempts > 0
                        )
                    ).scalars()
                )
            self.executor.dispatch(self, jobs)
            report["service_retries"] += len(retries)
            report["service_republished"] += len(jobs) - len(retries)
        messages = self.stale_messages(now, limit=limit)
        if messages:
            self.executor.dispatch_messages(self, messages)
            report["messages_redelivered"] += len(messages)
        return {k: v for k, v in report.items() if v}

    def due_jobs(self: Engine, now: datetime, *, limit: int = 1000) -> list[int]:
        """Ids of pending jobs that are due and not handed out since (or not for the grace)."""
        cutoff = now - timedelta(seconds=self.settings.sweep_grace_s)
        j = ServiceJob
        untouched = or_(
            and_(
                j.dispatched_at.is_(None),
                or_(j.created_at < j.next_attempt_at, j.created_at <= cutoff),
            ),
            j.dispatched_at < j.next_attempt_at,
            j.dispatched_at <= cutoff,
        )
        with self.db.read() as s:
            return list(
                s.execute(
                    select(j.id)
                    .where(j.state == "pending", j.next_attempt_at <= now, untouched)
                    .order_by(j.next_attempt_at, j.id)
                    .limit(limit)
                ).scalars()
            )

    def stale_messages(self: Engine, now: datetime, *, limit: int = 1000) -> list[int]:
        """Ids of messages pending for the grace period while some dossier waits for them."""
        cutoff = now - timedelta(seconds=self.settings.sweep_grace_s)
        awaited = exists().where(MessageWait.name == Message.name)
        with self.db.read() as s:
            return list(
                s.execute(
                    select(Message.id)
                    .where(Message.state == "pending", Message.created_at <= cutoff, awaited)
                    .order_by(Message.id)
                    .limit(limit)
                ).scalars()
            )


def mark_dispatched(engine: Engine, job_ids: list[int], now: datetime | None = None) -> None:
    """Stamp jobs as handed out, before the publish: a crash after it leaves them to the grace."""
    with engine.db.write() as s:
        s.execute(
            update(ServiceJob)
            .where(ServiceJob.id.in_(job_ids), ServiceJob.state == "pending")
            .values(dispatched_at=now or engine.clock.now())
        )
