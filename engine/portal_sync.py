"""Tell the outside world what happened to a dossier: the portal outbox and notifications.

``on_step`` runs at the end of every step, inside its transaction (``steps.finish_step``).
It compares the dossier with what was last told (``notified_status``/``notified_due_at``)
and, for each change — receipt, supplementation request with its list, new appointment
date, result, refusal, withdrawal — writes a ``portal_outbox`` row (``pending`` when
``portal_sync`` is on, else ``local``: the dossier's status log, shown as its milestones)
and the applicant's notifications. Nothing is sent here: ``push`` (run by ``tick``,
``lienthong portal push`` or a worker) sends the rows after the step has committed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.util.task import TaskState

from . import notifications, outbox
from .models import Dossier, PortalOutbox

if TYPE_CHECKING:
    from .runtime import Engine
    from .steps import StepContext

VN = ZoneInfo("Asia/Ho_Chi_Minh")
#: The step whose completion gives the citizen a new appointment date (form 04).
APOLOGY_STEP = "apology_letter"
PORTAL_OPERATION = "portal.push_status"
#: What ``push`` counts (``engine.outbox.drain``'s outcomes), as ``lienthong portal push`` says
#: it; the keys stay codes because ``tick``'s report and the tests read them.
PUSH_OUTCOMES = {
    "sent": "đã gửi",
    "retry": "sẽ gửi lại",
    "failed": "bị cổng từ chối",
    "waiting": "chờ bản cập nhật trước",
    "leased_elsewhere": "đang được gửi ở nơi khác",
}


def on_step(ctx: StepContext) -> None:
    """Record every change the portal and the applicant must hear about (same transaction)."""
    d = ctx.dossier
    events: list[tuple[str, dict[str, Any]]] = []
    appointment = _appointment(ctx)
    if d.status != d.notified_status:
        events.append((d.status, _status_detail(ctx)))
    if (
        d.notified_status is not None
        and appointment is not None
        and appointment != d.notified_due_at
        and d.status not in ("result_returned", "refused", "withdrawn")
    ):
        events.append(("new_due_date", {"old_due_at": _iso(d.notified_due_at)}))
    if not events:
        return
    d.notified_status, d.notified_due_at = d.status, appointment
    for event, detail in events:
        payload = _payload(ctx, event, appointment, detail)
        ctx.insert(
            PortalOutbox.__table__,
            {
                "dossier_id": d.id,
                "event": event,
                "payload": payload,
                # with the sync off the row is only the dossier's status log, never pushed
                "state": "pending" if ctx.engine.settings.portal_sync else "local",
                "attempts": 0,
                "created_at": ctx.now,
            },
        )
        notifications.queue(ctx, event, payload)


def _appointment(ctx: StepContext) -> datetime | None:
    """The date the citizen was promised: the legal due date, or the apology letter's new one."""
    due = ctx.dossier.due_at
    for task in ctx.live_tasks().seen:  # the step's walk: get_tasks would walk it again
        if task.task_spec.name != APOLOGY_STEP or not task.state & TaskState.COMPLETED:
            continue
        raw = task.data.get("new_due_date")
        try:
            day = datetime.fromisoformat(str(raw)).date()
        except ValueError:
            continue
        promised = datetime.combine(day, time(17, 0), tzinfo=VN)
        if due is None or promised > due:
            due = promised
    return due


def _latest(ctx: StepContext, key: str) -> Any:
    best, when = None, -1.0
    for task in ctx.live_tasks().finished_or_ready():
        if key in task.data and task.last_state_change >= when:
            best, when = task.data[key], task.last_state_change
    return best


def _status_detail(ctx: StepContext) -> dict[str, Any]:
    status = ctx.dossier.status
    if status == "supplement_requested":
        missing = _latest(ctx, "missing_documents") or []
        return {"missing_documents": list(missing), "note": _latest(ctx, "note") or ""}
    if status == "refused":
        return {"reasons": list(_latest(ctx, "reasons") or [])}
    return {}


def _payload(
    ctx: StepContext, event: str, appointment: datetime | None, detail: dict[str, Any]
) -> dict[str, Any]:
    d = ctx.dossier
    return {
        "event": event,
        "dossier_code": d.code,
        "procedure_code": d.procedure_code,
        "agency_code": d.agency_code,
        "channel": d.channel,
        "status": d.status,
        "received_at": _iso(d.received_at),
        "due_at": _iso(d.due_at),
        "appointment_at": _iso(appointment),
        "finished_at": _iso(d.finished_at),
        "changed_at": _iso(ctx.now),
        **detail,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# -- sending (outside any step) ---------------------------------------------------------------
def push(engine: Engine, now: datetime | None = None, *, limit: int = 200) -> Counter[str]:
    """Send pending portal rows in order, each with its own idempotency key."""

    def send(row: PortalOutbox) -> str | None:
        result = engine.call_service(
            PORTAL_OPERATION, dict(row.payload), idempotency_key=f"portal-outbox-{row.id}"
        )
        data = result.data if hasattr(result, "data") else result
        return str((data or {}).get("ack_id") or "") or None

    return outbox.drain(engine, PortalOutbox, send, now=now, limit=limit)


def push_all(engine: Engine, now: datetime | None = None) -> dict[str, int]:
    """What ``tick`` runs: portal pushes (when enabled) and notifications, counted by outcome."""
    report: Counter[str] = Counter()
    if engine.settings.portal_sync:
        report.update({f"portal_{k}": v for k, v in push(engine, now).items()})
    report.update({f"notify_{k}": v for k, v in notifications.send(engine, now).items()})
    return dict(report)


def events(engine: Engine, dossier_id: int) -> list[PortalOutbox]:
    """The dossier's status changes, oldest first: its milestones as the citizen sees them."""
    from sqlalchemy import select

    with engine.db.read() as s:
        return list(
            s.execute(
                select(PortalOutbox)
                .where(PortalOutbox.dossier_id == dossier_id)
                .order_by(PortalOutbox.id)
            ).scalars()
        )


def pending(engine: Engine, dossier_ref: str | int | None = None) -> list[PortalOutbox]:
    """Outbox rows not yet acknowledged (for the CLI and the dossier page)."""
    from sqlalchemy import select

    with engine.db.read() as s:
        q = (
            select(PortalOutbox)
            .where(PortalOutbox.state.in_(("pending", "failed")))
            .order_by(PortalOutbox.id)
        )
        if dossier_ref is not None:
            q = q.join(Dossier, Dossier.id == PortalOutbox.dossier_id).where(
                Dossier.code == str(dossier_ref)
            )
        return list(s.execute(q).scalars())
