"""Messages between dossiers: how agencies hand work and data to each other (liên thông).

SpiffWorkflow leaves thrown events with the host. Each step persists them and records
which messages the dossier now waits for; delivery happens after commit, under the
target dossier's lock, so a message is never lost between two transactions and never
delivered twice (its row changes state in the same transaction as the target's state).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.spiff.specs.event_definitions import (
    MessageEventDefinition as SpiffMessageEventDefinition,
)
from sqlalchemy import delete, select

from .jsonutil import jsonable
from .models import Message, MessageWait
from .service_jobs import AlreadyDone

if TYPE_CHECKING:
    from .runtime import Engine
    from .steps import StepContext


def sync_messages(ctx: StepContext) -> list[int]:
    """Persist thrown messages and current waits; return ids of messages to deliver."""
    session, wf = ctx.session, ctx.workflow
    thrown: list[Message] = []
    for event in wf.get_events():
        definition = event.event_definition
        if not isinstance(definition, MessageEventDefinition):
            continue
        msg = Message(
            name=definition.name,
            correlation=jsonable(event.correlations or {}),
            payload=jsonable(
                event.payload if isinstance(event.payload, dict) else {"value": event.payload}
            ),
            source_dossier_id=ctx.dossier.id,
            state="pending",
            created_at=ctx.now,
        )
        session.add(msg)
        thrown.append(msg)
        ctx.audit("message_sent", message=definition.name)
    now_waiting = waiting_messages(wf)
    before = ctx.message_waits_before
    if now_waiting != before:  # rewrite the wait rows only when the waits changed
        if before is None or before:
            session.execute(delete(MessageWait).where(MessageWait.dossier_id == ctx.dossier.id))
        for name, correlation in now_waiting:
            session.add(MessageWait(dossier_id=ctx.dossier.id, name=name, correlation=correlation))
    ctx.message_waits_before = now_waiting  # what the saved state waits on, from now on
    waits = [name for name, _correlation in now_waiting]
    if thrown:
        session.flush()
    ids = [m.id for m in thrown]
    if waits:  # messages that arrived before this dossier was ready for them
        ids += list(
            session.execute(
                select(Message.id).where(Message.state == "pending", Message.name.in_(waits))
            ).scalars()
        )
    return ids


def waiting_messages(workflow: Any) -> list[tuple[str, Any]]:
    """The messages a workflow waits for, as (name, correlation) pairs in a stable order."""
    return [
        (pending.name, jsonable(pending.correlations or {}))
        for pending in workflow.waiting_events()
        if "Message" in pending.event_type
    ]


class Messages:
    _delivering = threading.local()

    def deliver_messages(self: Engine, message_ids: list[int] | None = None) -> dict[str, int]:
        """Deliver pending messages to the one dossier waiting for each; report counts.

        A delivery is itself a step that may throw or await more messages; those are
        queued onto the delivery already running in this thread instead of recursing.
        """
        state = Messages._delivering
        if getattr(state, "queue", None) is not None:
            state.queue.extend(message_ids or [])
            return {"queued": len(message_ids or [])}
        state.queue = list(message_ids or []) if message_ids is not None else None
        report = {"delivered": 0, "waiting": 0, "ambiguous": 0}
        try:
            if message_ids is None:
                state.queue = []
                self._deliver_batch(None, report)
            seen: set[int] = set()
            while state.queue:
                batch = [m for m in dict.fromkeys(state.queue) if m not in seen]
                state.queue = []
                seen.update(batch)
                self._deliver_batch(batch, report)
        finally:
            state.queue = None
        return report

    def _deliver_batch(self: Engine, message_ids: list[int] | None, report: dict) -> None:
        with self.db.read() as s:
            q = select(Message).where(Message.state == "pending")
            if message_ids is not None:
                q = q.where(Message.id.in_(message_ids))
            pending = list(s.execute(q.order_by(Message.id)).scalars())
            plans = [(m, self._recipients(s, m)) for m in pending]
        for msg, targets in plans:
            if not targets:
                report["waiting"] += 1
                continue
            if len(targets) > 1:
                report["ambiguous"] += 1
                self._mark_ambiguous(msg.id, targets)
                continue
            try:
                if self._step(targets[0], "system", lambda ctx, m=msg.id: _deliver(ctx, m)):
                    report["delivered"] += 1
            except AlreadyDone:
                report["already_delivered"] = report.get("already_delivered", 0) + 1

    def _recipients(self: Engine, s: Any, msg: Message) -> list[int]:
        waits = s.execute(select(MessageWait).where(MessageWait.name == msg.name)).scalars()
        out = []
        for wait in waits:
            if wait.dossier_id == msg.source_dossier_id:
                continue
            if msg.target_dossier_id is not None and wait.dossier_id != msg.target_dossier_id:
                continue
            if _matches(wait.correlation, msg.correlation):
                out.append(wait.dossier_id)
        return sorted(set(out))

    def _mark_ambiguous(self: Engine, message_id: int, targets: list[int]) -> None:
        with self.db.write() as s:
            msg = s.get(Message, message_id)
            if msg.state == "pending":
                msg.error = f"several dossiers wait for it: {targets}; add a correlation key"


def _deliver(ctx: StepContext, message_id: int) -> bool:
    msg = ctx.session.get(Message, message_id)
    if msg is None or msg.state != "pending":
        raise AlreadyDone("delivered")  # by someone else meanwhile: leave no trace
    # Models are parsed with the Spiff dialect, whose definitions only match their own class.
    event = BpmnEvent(SpiffMessageEventDefinition(msg.name), msg.payload, msg.correlation)
    try:
        ctx.workflow.send_event(event)
    except Exception as exc:  # not waiting any more: leave it pending for a later wait
        msg.error = str(exc)
        return False
    msg.state, msg.delivered_at, msg.target_dossier_id, msg.error = (
        "delivered",
        ctx.now,
        ctx.dossier.id,
        None,
    )
    ctx.audit("message_received", message=msg.name, source=msg.source_dossier_id)
    return True


def _matches(wanted: dict, offered: dict) -> bool:
    return all(offered.get(k) == v for k, v in (wanted or {}).items() if v is not None)
