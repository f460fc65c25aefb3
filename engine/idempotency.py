"""Idempotency keys: a write retried with the same key gets the first answer, not a second write.

The key is claimed in the same transaction that does the write (``claim`` inside
``engine.db.write()``), so two concurrent retries cannot both create a dossier: the second
one's insert hits the unique (client, key) constraint and it replays the first answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from .errors import Conflict, InvalidInput
from .models import IdempotencyRecord

if TYPE_CHECKING:
    from .runtime import Engine

MAX_KEY = 120


class KeyReused(Conflict):
    """The key was used before for a different request (HTTP 409 / 422 elsewhere)."""

    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_hash(*parts: Any) -> str:
    canon = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()


def check_key(key: str | None) -> str:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise InvalidInput(
            f"an Idempotency-Key header (1–{MAX_KEY} printable characters) is required on writes",
            {"Idempotency-Key": ["required"]},
        )
    return key


PENDING = 0  # status of a claimed key whose write is still running


class InProgress(Conflict):
    """The first request with this key is still being processed; retry a little later."""

    code = "idempotency_in_progress"


def _stored(row: IdempotencyRecord, key: str, fingerprint: str) -> Outcome:
    if row.request_hash != fingerprint:
        raise KeyReused(
            f"Idempotency-Key {key!r} was already used for a different request; "
            "use a new key for a new request"
        )
    if row.status == PENDING:
        raise InProgress(f"the request with Idempotency-Key {key!r} is still being processed")
    return Outcome(row.status, dict(row.response), True)


def _find(s: Any, client: str, key: str) -> IdempotencyRecord | None:
    return s.execute(
        select(IdempotencyRecord).where(
            IdempotencyRecord.client == client, IdempotencyRecord.key == key
        )
    ).scalar_one_or_none()


def run_once(
    engine: Engine,
    client: str,
    key: str,
    fingerprint: str,
    action: Callable[[], tuple[int, dict[str, Any], int | None]],
) -> Outcome:
    """Replay the stored answer, or claim the key, run ``action`` and store its answer.

    The claim is committed before ``action`` runs, so a concurrent retry with the same key
    finds it and is told to wait instead of writing a second time. ``action`` returns
    (status, body, dossier_id); if it raises, the claim is dropped and the error goes to the
    caller — a failed request may be retried with the same key once fixed.
    """
    with engine.db.read() as s:
        row = _find(s, client, key)
        if row is not None:
            return _stored(row, key, fingerprint)
    try:
        with engine.db.write() as s:
            s.add(
                IdempotencyRecord(
                    client=client,
                    key=key,
                    request_hash=fingerprint,
                    status=PENDING,
                    response={},
                    created_at=engine.clock.now(),
                )
            )
    except IntegrityError:
        with engine.db.read() as s:
            row = _find(s, client, key)
            if row is None:  # claimed and dropped in between: the other attempt failed
                raise InProgress(f"Idempotency-Key {key!r} is busy; retry") from None
            return _stored(row, key, fingerprint)
    try:
        status, body, dossier_id = action()
    except BaseException:
        with engine.db.write() as s:
            s.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.client == client,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status == PENDING,
                )
            )
        raise
    with engine.db.write() as s:
        s.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.client == client, IdempotencyRecord.key == key)
            .values(status=status, response=body, dossier_id=dossier_id)
        )
    return Outcome(status, body, False)
