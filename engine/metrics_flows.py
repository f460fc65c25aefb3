"""Intermediary-step figures of a procedure: the liên thông analysis over its finished dossiers.

``engine.analysis`` measures one dossier (steps by people and systems, hand-offs, visits,
working days); here those measures are averaged over a procedure's dossiers finished in
the period. Each dossier is analysed from its rows, so the most recent ``limit`` are taken
and the page says how many were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, union_all

from .metrics_period import Period
from .metrics_sql import in_period
from .models import Dossier

if TYPE_CHECKING:
    from .runtime import Engine

MEASURES = (
    ("human_steps", "Bước do người xử lý"),
    ("system_steps", "Bước do hệ thống xử lý"),
    ("handoffs", "Lần chuyển giữa cơ quan"),
    ("agencies", "Số cơ quan tham gia"),
    ("visits", "Lần công dân phải đến"),
    ("supplement_rounds", "Lần yêu cầu bổ sung"),
    ("elapsed_working_days", "Ngày làm việc từ tiếp nhận đến có kết quả"),
    ("agency_working_days", "Ngày làm việc của cơ quan (trừ thời gian chờ công dân)"),
)


@dataclass
class FlowFigures:
    finished: int  # dossiers of the procedure finished in the period
    analysed: int  # the most recent ones measured
    averages: dict[str, float]


def flow_figures(
    engine: Engine,
    procedure_code: str,
    period: Period,
    limit: int = 50,
    agency_codes: frozenset[str] | None = None,
) -> FlowFigures | None:
    """Averages of the intermediary-step measures; None when the analysis is not available."""
    analyse = getattr(engine, "analyse_dossiers", None)
    if analyse is None:
        return None
    scope = [Dossier.procedure_code == procedure_code]
    if agency_codes is not None:
        scope.append(Dossier.agency_code.in_(sorted(agency_codes)))
    # Ready in the period: the result was (settled_at), or, without one, the dossier
    # finished then. Two disjoint parts, each a range of an index that carries the other
    # columns tested, instead of a test of every dossier of the procedure (50,000 heap
    # reads at a million dossiers).
    parts = [
        (Dossier.settled_at, [in_period(Dossier.settled_at, period)]),
        (
            Dossier.finished_at,
            [Dossier.settled_at.is_(None), in_period(Dossier.finished_at, period)],
        ),
    ]
    ready = union_all(
        *(select(Dossier.id, at.label("at")).where(*scope, *conds) for at, conds in parts)
    ).subquery()
    with engine.db.read() as s:
        finished = s.execute(select(func.count()).select_from(ready)).scalar_one()
        ids = list(
            s.execute(
                select(ready.c.id).order_by(ready.c.at.desc(), ready.c.id).limit(limit)
            ).scalars()
        )
    analysed = analyse(ids)  # one read of all their rows, not six per dossier
    sums = dict.fromkeys((name for name, _ in MEASURES), 0.0)
    for figures in analysed:
        for name, value in dossier_measures(figures).items():
            sums[name] += value
    n = len(analysed)
    return FlowFigures(finished, n, {k: (v / n if n else 0.0) for k, v in sums.items()})


def dossier_measures(f: Any) -> dict[str, float]:
    """One dossier's :data:`MEASURES` from its ``DossierFigures``: the dossier page shows
    these, the dashboard their averages, so both say the same."""
    return {
        "human_steps": f.human_steps,
        "system_steps": f.system_steps,
        "handoffs": len(f.handoffs),
        "agencies": len(f.human_steps_by_agency),
        "visits": f.visits,
        "supplement_rounds": f.supplement_rounds,
        "elapsed_working_days": f.elapsed_working_days,
        "agency_working_days": f.agency_working_days,
    }
