"""Everything the leaders' dashboard shows for one filter, and the same as downloadable tables.

The web page renders a :class:`Dashboard`; every chart and list on it is also offered as CSV
or JSON through :func:`tables`, built from the very same object, so a download always says
what the page says.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .index766 import GROUPS, RankRow, Score, Weights, rank_groups, score, weights_for
from .metrics import RATIOS, Figures, agency_names, compute, total, trend
from .metrics_backlog import BacklogRow, backlog, backlog_by_agency
from .metrics_period import Period, Scope
from .reports_text import holders_text

if TYPE_CHECKING:
    from .runtime import Engine

PARALLEL = 5
TREND_COUNT = {"day": 14, "week": 12, "month": 12, "quarter": 8, "year": 5, "range": 12}
TREND_KIND = {"day": "day", "week": "week", "month": "month", "quarter": "quarter"}


@dataclass
class Dashboard:
    period: Period
    scope: Scope
    now: datetime
    figures: Figures
    previous: Figures
    score: Score
    weights: Weights
    by_agency: dict[str, Figures]
    by_procedure: dict[str, Figures]
    agencies: list[RankRow]
    communes: list[RankRow]
    backlog: list[BacklogRow]
    backlog_by_agency: dict[str, dict[str, int]]
    trend: list[tuple[Period, Figures]]
    names: dict[str, tuple[str, str]] = field(default_factory=dict)


def build(engine: Engine, period: Period, scope: Scope, now: datetime) -> Dashboard:
    """Compute the page: per-agency figures once per period, the rest derived from them.

    The five independent parts run at once on their own connections (reads only): the
    database works on them in parallel instead of one after the other.
    """
    weights = weights_for(engine)
    names = agency_names(engine)
    kind = TREND_KIND.get(period.kind, "month")
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        now_f = pool.submit(compute, engine, period, scope, by="agency")
        before_f = pool.submit(compute, engine, period.previous(), scope, by="agency")
        proc_f = pool.submit(compute, engine, period, scope, "procedure", PROCEDURE_PARTS)
        trend_f = pool.submit(trend, engine, period, scope, kind=kind, count=TREND_COUNT[kind])
        rows_f = pool.submit(backlog, engine, now, scope)
        by_agency, before, rows = now_f.result(), before_f.result(), rows_f.result()
        by_procedure, trend_rows = proc_f.result(), trend_f.result()
    figures = total(by_agency)
    return Dashboard(
        period=period,
        scope=scope,
        now=now,
        figures=figures,
        previous=total(before),
        score=score(figures, weights),
        weights=weights,
        by_agency=by_agency,
        by_procedure=by_procedure,
        agencies=rank_groups(by_agency, before, names, weights, communes=False),
        communes=rank_groups(by_agency, before, names, weights, communes=True),
        backlog=rows,
        backlog_by_agency=backlog_by_agency(rows),
        trend=trend_rows,
        names=names,
    )


Table = tuple[list[str], list[list[Any]]]
FIGURE_NAMES = [*Figures.__dataclass_fields__, *RATIOS]
#: The per-procedure table shows progress only (the index groups are per agency).
PROCEDURE_PARTS = frozenset({"received", "settled", "in_process", "finished", "supplementation"})
PROCEDURE_FIGURES = [
    "received",
    "received_online",
    "in_process",
    "settled",
    "settled_early",
    "settled_on_time",
    "settled_late",
    "on_time_rate",
    "refused",
    "withdrawn",
    "supplement_requests",
]


def tables(d: Dashboard) -> dict[str, Table]:
    """Each chart and list of the page as (columns, rows)."""
    return {
        "figures": (["figure", "value", "previous"], _figure_rows(d)),
        "index": (["group", "label", "weight", "points"], _index_rows(d)),
        "agencies": _figures_table(d.by_agency, "agency_code", d.names),
        "procedures": _figures_table(d.by_procedure, "procedure_code", {}, PROCEDURE_FIGURES),
        "ranking": _ranking_table(d.agencies),
        "communes": _ranking_table(d.communes),
        "backlog": _backlog_table(d),
        "trend": (
            ["period", "start", "received", "settled", "on_time", "on_time_rate"],
            [
                [p.label, p.start.date().isoformat(), f.received, f.settled]
                + [f.settled_early + f.settled_on_time, f.on_time_rate]
                for p, f in d.trend
            ],
        ),
        "channels": (
            ["period", "start", "counter", "online", "post"],
            [
                [p.label, p.start.date().isoformat()]
                + [f.received_counter, f.received_online, f.received_post]
                for p, f in d.trend
            ],
        ),
        "backlog_by_agency": (
            ["agency_code", "agency", "in_process", "late", "near_due"],
            [
                [code, d.names.get(code, (code, ""))[0], f.in_process]
                + [d.backlog_by_agency.get(code, {}).get(k, 0) for k in ("late", "near_due")]
                for code, f in sorted(d.by_agency.items())
            ],
        ),
    }


def _figure_rows(d: Dashboard) -> list[list[Any]]:
    return [[n, getattr(d.figures, n), getattr(d.previous, n)] for n in FIGURE_NAMES]


def _index_rows(d: Dashboard) -> list[list[Any]]:
    rows = [[g, d.weights.labels[g], d.weights.groups[g], d.score.points[g]] for g in GROUPS]
    rows.append(["total", "Tổng", d.score.maximum, d.score.total])
    rows.append(["percent", "Tỷ lệ điểm (%)", 100, d.score.percent])
    return rows


def _figures_table(
    groups: dict[str, Figures], key: str, names: dict, figures: list[str] | None = None
) -> Table:
    figures = figures or FIGURE_NAMES
    columns = [key, "name", *figures]
    rows = [
        [code, names.get(code, (code, ""))[0] if names else ""] + [getattr(f, n) for n in figures]
        for code, f in sorted(groups.items())
    ]
    return columns, rows


def _ranking_table(rows: list[RankRow]) -> Table:
    columns = ["rank", "agency_code", "agency", "percent", "points", "previous_rank", "change"]
    return columns, [
        [r.rank, r.code, r.name, r.score.percent, r.score.total, r.previous_rank, r.change]
        for r in rows
    ]


def _backlog_table(d: Dashboard) -> Table:
    columns = ["code", "late", "procedure_code", "agency_code", "status", "received_at"]
    columns += ["due_at", "overdue_working_days", "held_by"]
    return columns, [
        [r.code, r.late, r.procedure_code, r.agency_code, r.status, r.received_at.isoformat()]
        + [r.due_at.isoformat(), round(r.overdue_days, 3), holders_text(r)]
        for r in d.backlog
    ]
