"""A partner's refusal as a service task's result, so a liên thông flow can go on without it.

When an external registry answers "no" on a business rule (the adapters raise an
`AdapterError` whose code is ``adapter_refused``: e.g. social insurance will not issue the
card of a child over six), that is a decision, not an outage. A service task that declares
``lt:actions="refuse"`` takes it as its result, ``{"refused": True, "reason": ...}``, and the
model's gateway routes the dossier (the other agencies' results stand, the citizen gets a
notice). Every result of such a task carries ``refused`` so the gateway can always test it.
Tasks without the declaration keep the old behaviour: a refusal is an incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import TaskRow

if TYPE_CHECKING:
    from .models import ServiceJob
    from .steps import StepContext

REFUSED_CODE = "adapter_refused"


def accepts_refusal(ctx: StepContext, job: ServiceJob) -> bool:
    """Tell whether the job's service task declares that a partner may refuse."""
    row = ctx.session.get(TaskRow, job.task_id)
    element = ctx.model.elements.get(row.bpmn_id) if row is not None else None
    return element is not None and "refuse" in element.actions


def is_refusal(error: Exception) -> bool:
    return getattr(error, "code", None) == REFUSED_CODE


def refusal_result(job: ServiceJob, error: Exception) -> dict[str, Any]:
    """Return the task result that records the partner's refusal and its reason."""
    reason = str(error)
    prefix = f"{job.operation}: "
    if reason.startswith(prefix):
        reason = reason[len(prefix) :]
    return {"refused": True, "reason": reason, "operation": job.operation}


def mark_accepted(ctx: StepContext, job: ServiceJob, data: dict[str, Any]) -> dict[str, Any]:
    """Add ``refused: False`` to a normal answer of a task that may be refused."""
    if "refused" in data or not accepts_refusal(ctx, job):
        return data
    return {**data, "refused": False}
