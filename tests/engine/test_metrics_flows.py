"""The heatmap page's intermediary-step figures: which dossiers they average, and the averages.

Over the real engine's fortnight of dossiers (tests/engine/metrics_history.py), on SQLite
and PostgreSQL, ``flow_figures`` is compared with the definition written out plainly: the
dossiers of the procedure whose result was ready in the period (or, without a result, that
finished then), the most recent first, each analysed alone by ``Engine.analyse_dossier``.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.metrics_flows import MEASURES, dossier_measures, flow_figures
from engine.metrics_period import Period
from engine.models import Dossier
from engine.runtime import Engine

from .conftest import AGENCY, KET_HON, KHAI_SINH, TEST_PROC, VN, setup_engine
from .metrics_history import COMMUNE_A, NOW, build_history


@pytest.fixture
def history(make_engine) -> Engine:  # noqa: ANN001
    e = setup_engine(make_engine(settings={"executor": "deferred"}))
    build_history(e)
    return e


def plainly(e: Engine, code: str, period: Period, agencies: frozenset[str] | None, limit: int):
    ready = func.coalesce(Dossier.settled_at, Dossier.finished_at)
    where = [Dossier.procedure_code == code, ready >= period.start, ready < period.end]
    if agencies is not None:
        where.append(Dossier.agency_code.in_(sorted(agencies)))
    with e.db.read() as s:
        count = s.execute(select(func.count()).where(*where)).scalar_one()
        codes = s.execute(
            select(Dossier.code).where(*where).order_by(ready.desc(), Dossier.id).limit(limit)
        ).scalars()
        measures = [dossier_measures(e.analyse_dossier(c)) for c in codes]
    sums = {name: sum(m[name] for m in measures) for name, _ in MEASURES}
    n = len(measures)
    return count, n, {k: v / n if n else 0.0 for k, v in sums.items()}


def test_the_figures_follow_the_plain_definition(history: Engine) -> None:
    e = history
    periods = [Period.named(kind, NOW.date(), VN) for kind in ("day", "week", "month")]
    periods.append(Period.between(date(2026, 11, 18), date(2026, 11, 26), VN))
    seen = 0
    for code in (TEST_PROC, KET_HON, KHAI_SINH):
        for period in periods:
            for agencies in (None, frozenset({AGENCY}), frozenset({COMMUNE_A})):
                for limit in (50, 2):
                    got = flow_figures(e, code, period, limit=limit, agency_codes=agencies)
                    want = plainly(e, code, period, agencies, limit)
                    assert (got.finished, got.analysed, got.averages) == want
                    seen += got.finished
    assert seen > 0
