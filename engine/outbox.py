"""Drain an outbox table (portal pushes, notifications) outside any step, retried until done.

Rows are written in the step's transaction; sending happens later, here, without a lock
on the dossier. Each row is leased with a conditional UPDATE before it is sent, so two
schedulers never send one row at the same moment, and a row is sent only after every
earlier pending row of its dossier, so the receiver sees the changes in order. A send that
fails is tried again after a doubling delay (capped at an hour) until it succeeds; one the
receiver refuses outright (``retryable=False``) is marked ``failed`` for a person to retry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select, update

from .errors import AdapterError, LienThongError

if TYPE_CHECKING:
    from .runtime import Engine

LEASE = timedelta(minutes=2)
MAX_DELAY_S = 3600.0


def drain(
    engine: Engine,
    model: Any,
    send: Callable[[Any], str | None],
    *,
    now: datetime | None = None,
    limit: int = 200,
) -> Counter[str]:
    """Send due rows of ``model``; ``send(row)`` returns an acknowledgement or raises."""
    now = now or engine.clock.now()
    report: Counter[str] = Counter()
    with engine.db.read() as s:
        due = list(
            s.execute(
                select(model)
                .where(
                    model.state == "pending",
                    or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
                )
                .order_by(model.id)
                .limit(limit)
            ).scalars()
        )
        if not due:
            return report
        first = dict(
            s.execute(
                select(model.dossier_id, func.min(model.id))
                .where(model.state == "pending", model.dossier_id.in_({r.dossier_id for r in due}))
                .group_by(model.dossier_id)
            ).all()
        )
        for row in due:
            s.expunge(row)
    blocked: set[int] = set()
    for row in due:
        if row.dossier_id in blocked or (
            first.get(row.dossier_id) != row.id and not _earlier_done(engine, model, row)
        ):
            blocked.add(row.dossier_id)
            report["waiting"] += 1
            continue
        if not _lease(engine, model, row, now):
            report["leased_elsewhere"] += 1
            continue
        try:
            ack, error = send(row), None
        except AdapterError as exc:
            ack, error = None, exc
        except LienThongError as exc:
            ack, error = None, AdapterError(str(exc), retryable=False)
        except Exception as exc:  # a sender bug must leave the row for a retry, not lose it
            ack, error = None, AdapterError(f"{type(exc).__name__}: {exc}", retryable=True)
        report[_record(engine, model, row, now, ack, error)] += 1
        if error is not None:
            blocked.add(row.dossier_id)
    return report


def _earlier_done(engine: Engine, model: Any, row: Any) -> bool:
    """True when every earlier row of the dossier has been sent (the first may have just gone)."""
    with engine.db.read() as s:
        return not s.execute(
            select(model.id).where(
                model.dossier_id == row.dossier_id, model.state == "pending", model.id < row.id
            )
        ).first()


def _lease(engine: Engine, model: Any, row: Any, now: datetime) -> bool:
    with engine.db.write() as s:
        return bool(
            s.execute(
                update(model)
                .where(
                    model.id == row.id,
                    model.state == "pending",
                    or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
                )
                .values(next_attempt_at=now + LEASE)
            ).rowcount
        )


def _record(
    engine: Engine,
    model: Any,
    row: Any,
    now: datetime,
    ack: str | None,
    error: AdapterError | None,
) -> str:
    attempts = row.attempts + 1
    if error is None:
        values: dict[str, Any] = {
            "state": "sent",
            "sent_at": now,
            "attempts": attempts,
            "last_error": None,
            "next_attempt_at": None,
        }
        if hasattr(model, "ack"):
            values["ack"] = (ack or "")[:80] or None
        outcome = "sent"
    elif error.retryable:
        delay = min(engine.settings.outbox_retry_base_s * 2 ** (attempts - 1), MAX_DELAY_S)
        values = {
            "attempts": attempts,
            "last_error": str(error)[:2000],
            "next_attempt_at": now + timedelta(seconds=delay),
        }
        outcome = "retry"
    else:
        values = {
            "state": "failed",
            "attempts": attempts,
            "last_error": str(error)[:2000],
            "next_attempt_at": None,
        }
        outcome = "failed"
    with engine.db.write() as s:
        s.execute(update(model).where(model.id == row.id).values(**values))
    return outcome


def retry_failed(engine: Engine, model: Any, ids: list[int] | None = None) -> int:
    """Put failed rows back in the queue (a person's decision after fixing the cause)."""
    with engine.db.write() as s:
        q = update(model).where(model.state == "failed")
        if ids:
            q = q.where(model.id.in_(ids))
        return s.execute(q.values(state="pending", next_attempt_at=None)).rowcount
