"""Where dossiers wait: per-step counts and median waiting time of one procedure.

Taken from the task rows, which keep every human and system step with the moment it
appeared and the moment it was done. The wait of a done step is ``completed_at -
created_at`` in calendar hours (the database computes the median; working time would need
every row in Python). Open steps are counted with their median age at ``now``.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from .metrics_period import Period
from .metrics_sql import in_period
from .models import Dossier, Procedure, ProcessVersion, TaskRow

if TYPE_CHECKING:
    from .runtime import Engine


@dataclass
class StepFigures:
    step: str
    name: str
    done: int = 0
    median_wait_hours: float | None = None
    open: int = 0
    median_open_hours: float | None = None


def step_figures(
    engine: Engine,
    procedure_code: str,
    period: Period,
    now: datetime,
    agency_codes: frozenset[str] | None = None,
) -> list[StepFigures]:
    """Per step of ``procedure_code``: done in ``period`` with their median wait; open now.

    ``agency_codes`` keeps the dossiers of those receiving agencies only.
    """
    out: dict[str, StepFigures] = {}
    mine: tuple = ()
    if agency_codes is not None:
        mine = (
            TaskRow.dossier_id.in_(
                select(Dossier.id).where(
                    Dossier.procedure_code == procedure_code,
                    Dossier.agency_code.in_(sorted(agency_codes)),
                )
            ),
        )
    with engine.db.read() as s:
        pg = s.get_bind().dialect.name == "postgresql"
        done = (TaskRow.procedure_code == procedure_code, TaskRow.state == "completed", *mine)
        done_when = in_period(TaskRow.completed_at, period)
        for step, name, count in s.execute(
            select(TaskRow.bpmn_id, func.min(TaskRow.name), func.count())
            .where(*done, done_when)
            .group_by(TaskRow.bpmn_id)
        ):
            out[step] = StepFigures(step, name, done=count)
        for step, median in _medians(s, pg, done + (done_when,), TaskRow.completed_at):
            out[step].median_wait_hours = median
        still = (
            TaskRow.procedure_code == procedure_code,
            TaskRow.state == "open",
            TaskRow.created_at <= now,
            *mine,
        )
        for step, name, count in s.execute(
            select(TaskRow.bpmn_id, func.min(TaskRow.name), func.count())
            .where(*still)
            .group_by(TaskRow.bpmn_id)
        ):
            out.setdefault(step, StepFigures(step, name)).open = count
        for step, median in _medians(s, pg, still, now):
            out[step].median_open_hours = median
    return sorted(out.values(), key=lambda f: f.step)


def _medians(s: Any, pg: bool, where: tuple, end: Any) -> list[tuple[str, float]]:
    if pg:
        seconds = func.extract("epoch", end - TaskRow.created_at)
        stmt = (
            select(TaskRow.bpmn_id, func.percentile_cont(0.5).within_group(seconds))
            .where(*where)
            .group_by(TaskRow.bpmn_id)
        )
        return [(step, float(v) / 3600) for step, v in s.execute(stmt)]
    fixed = end if isinstance(end, datetime) else None
    waits: dict[str, list[float]] = {}
    for step, start, stop in s.execute(
        select(TaskRow.bpmn_id, TaskRow.created_at, TaskRow.completed_at).where(*where)
    ):
        waits.setdefault(step, []).append(((fixed or stop) - start).total_seconds())
    return [(step, statistics.median(v) / 3600) for step, v in waits.items()]


def diagram(engine: Engine, procedure_code: str) -> tuple[str, bytes] | None:
    """The procedure's current BPMN diagram (name, XML) for the heatmap overlay."""
    with engine.db.read() as s:
        proc = s.get(Procedure, procedure_code)
        if proc is None or proc.current_version_id is None:
            return None
        version = s.get(ProcessVersion, proc.current_version_id)
        return proc.name, version.bpmn_xml
