"""The dashboard's figures equal the hand-known outcomes and an independent count of events.

The history (tests/engine/metrics_history.py) is walked through the real engine on SQLite
and PostgreSQL. Each figure is checked twice: against what a person counts from the list of
dossiers, and against a count made here straight from the audit log with plain SQL, which
shares no code with ``engine.metrics``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from engine.errors import Conflict, InvalidInput
from engine.index766 import Weights, ranking, score
from engine.metrics import Figures, agencies_under, compute, total, trend
from engine.metrics_backlog import backlog, backlog_by_agency
from engine.metrics_period import Period, Scope
from engine.metrics_ratings import record_rating
from engine.metrics_steps import step_figures
from engine.runtime import Engine

from .conftest import AGENCY, KET_HON, VN, setup_engine
from .metrics_history import (
    COMMUNE_A,
    COMMUNE_B,
    EXPECTED,
    EXPECTED_AGENCY,
    NOW,
    History,
    build_history,
)


@pytest.fixture
def history(make_engine) -> tuple[Engine, History]:  # noqa: ANN001
    e = setup_engine(make_engine(settings={"executor": "deferred"}))
    return e, build_history(e)


def events(e: Engine, period: Period) -> dict[str, int]:
    """Count the figures from the audit log and the dossier rows with hand-written SQL."""
    with e.db.engine.connect() as c:

        def rows(sql: str, **params: object) -> list:
            return list(c.execute(text(sql), params))

        ev = rows("SELECT dossier_id, action, to_state, at, detail FROM audit_events ORDER BY id")
        due = dict(rows("SELECT id, due_at FROM dossiers"))
    ev = [(d, a, s, _aware(at), _json(detail)) for d, a, s, at, detail in ev]
    inside = [x for x in ev if period.start <= x[3] < period.end]
    before_end = [x for x in ev if x[3] < period.end]
    out: Counter[str] = Counter()
    submitted = {x[0] for x in inside if x[1] == "submit"}
    out["received"] = len(submitted)
    for x in inside:
        if x[1] == "submit":
            out[f"received_{x[4]['channel']}"] += 1
    first_settled: dict[int, datetime] = {}
    for x in ev:
        if x[1] == "status" and x[2] == "settled":
            first_settled.setdefault(x[0], x[3])
    for dossier, at in first_settled.items():
        if not period.start <= at < period.end:
            continue
        out["settled"] += 1
        due_at = _aware(due[dossier])
        if at > due_at:
            out["settled_late"] += 1
        elif at.astimezone(VN).date() < due_at.astimezone(VN).date():
            out["settled_early"] += 1
        else:
            out["settled_on_time"] += 1
    ended = {x[0] for x in before_end if (x[1] == "status" and x[2] in ("settled", "refused"))} | {
        x[0] for x in before_end if x[1] == "withdraw"
    }
    out["in_process"] = len({x[0] for x in before_end if x[1] == "submit"} - ended)
    out["refused"] = sum(1 for x in inside if x[1] == "status" and x[2] == "refused")
    out["withdrawn"] = sum(1 for x in inside if x[1] == "withdraw")
    paused = [x for x in inside if x[1] == "clock_paused"]
    out["supplement_requests"] = len(paused)
    out["supplemented_dossiers"] = len({x[0] for x in paused})
    seen: dict[str, int] = {}
    for x in ev:
        if x[1] != "attach_document":
            continue
        reused = x[4]["sha256"] in seen and seen[x[4]["sha256"]] != x[0]
        seen.setdefault(x[4]["sha256"], x[0])
        if x[0] in submitted:
            out["documents"] += 1
            out["reused_documents"] += reused
    attached = [x for x in ev if x[1] == "attach_document" and x[0] in submitted]
    out["digitised_dossiers"] = len({x[0] for x in attached})
    reusing = {x[0] for x in attached if x[4]["sha256"] in seen and seen[x[4]["sha256"]] != x[0]}
    for x in ev:
        if x[1] == "reuse_recorded" and x[0] in submitted:
            out["registry_documents"] += len(x[4]["documents"])
            out["prefilled_fields"] += len(x[4]["fields"])
            reusing |= {x[0]} if x[4]["documents"] else set()
    out["reused_documents"] += out["registry_documents"]
    out["reusing_dossiers"] = len(reusing)
    ratings = [x for x in inside if x[1] == "rating"]
    out["ratings"] = len(ratings)
    out["rating_sum"] = sum(x[4]["score"] for x in ratings)
    out["satisfied"] = sum(1 for x in ratings if x[4]["score"] >= 4)
    with e.db.engine.connect() as c:
        fees = list(
            c.execute(text("SELECT dossier_id, state, channel FROM fee_payments WHERE amount > 0"))
        )
    out["fee_dossiers"] = sum(1 for f in fees if f[0] in submitted)
    out["paid_online"] = sum(
        1 for f in fees if f[0] in submitted and f[1] == "paid" and f[2] == "online"
    )
    return dict(out)


def _aware(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite keeps naive UTC


def _json(value: object) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def test_every_figure_matches_the_hand_count_and_the_events(history) -> None:  # noqa: ANN001
    e, h = history
    got = compute(e, h.week)["*"]
    assert {k: getattr(got, k) for k in EXPECTED} == EXPECTED
    independent = events(e, h.week)
    for name, value in EXPECTED.items():
        assert independent.get(name, 0) == value, name
    assert got.on_time_rate == pytest.approx(3 / 5)
    assert got.online_share == pytest.approx(3 / 11)
    assert got.online_payment_share == pytest.approx(1 / 2)
    assert got.satisfaction_avg == pytest.approx(4.0)


def test_a_past_period_counts_what_was_open_at_its_end(history) -> None:  # noqa: ANN001
    e, _ = history
    wednesday = Period.between(date(2026, 11, 25), date(2026, 11, 25), VN)
    got = compute(e, wednesday)["*"]
    independent = events(e, wednesday)
    for name in EXPECTED:
        assert getattr(got, name) == independent.get(name, 0), name
    assert got.in_process == 5  # A3 A4 A7 A8 CB: settled (or not) only on Thursday or later
    by_agency = compute(e, wednesday, by="agency")
    assert sum(f.in_process for f in by_agency.values()) == 5


def test_groups_add_up_and_scopes_filter(history) -> None:  # noqa: ANN001
    e, h = history
    by_agency = compute(e, h.week, by="agency")
    assert set(by_agency) == {AGENCY, COMMUNE_A, COMMUNE_B}
    own = by_agency[AGENCY]
    assert {k: getattr(own, k) for k in EXPECTED_AGENCY} == EXPECTED_AGENCY
    assert total(by_agency) == compute(e, h.week)["*"]
    by_proc = compute(e, h.week, by="procedure")
    assert total(by_proc) == compute(e, h.week)["*"]
    assert by_proc[KET_HON].received == 6  # A1 A5 A6 A7 A9 CA
    only = compute(e, h.week, Scope(agency_codes=frozenset({COMMUNE_A, COMMUNE_B})))["*"]
    assert (only.received, only.settled_early, only.settled_late) == (2, 1, 1)
    assert agencies_under(e, [AGENCY]) == {AGENCY, COMMUNE_A, COMMUNE_B}
    one = compute(e, h.week, Scope(procedure_code=KET_HON))["*"]
    assert one == by_proc[KET_HON]


def test_previous_week_and_trend(history) -> None:  # noqa: ANN001
    e, h = history
    before = compute(e, h.week.previous())["*"]
    assert (before.received, before.settled, before.settled_early, before.settled_late) == (
        2,
        2,
        1,
        1,
    )
    days = trend(e, h.week, kind="day", count=12)
    assert [p.label for p, _ in days][-3:] == ["27/11/2026", "28/11/2026", "29/11/2026"]
    received = {p.start.date().day: f.received for p, f in days}
    assert received[18] == 2 and received[25] == 10 and received[26] == 1
    settled = {p.start.date().day: (f.settled, f.on_time_rate) for p, f in days}
    assert settled[19] == (1, 0.0) and settled[26] == (2, 0.0) and settled[25] == (3, 1.0)


def test_index_and_rankings(history) -> None:  # noqa: ANN001
    e, h = history
    w = Weights.load()
    sc = score(compute(e, h.week)["*"], w)
    expected = {
        "publicity": None,
        "progress": 20 * 3 / 5,
        "online_service": 12 * 3 / 11,
        "online_payment": 10 * 1 / 2,
        "digitisation": 22 * (0.5 * 2 / 11 + 0.5 * 2 / 11),
        "satisfaction": 18 * 1 / 2,
    }
    assert sc.points == pytest.approx(expected)
    assert sc.maximum == 82
    communes = ranking(e, h.week, communes=True)
    assert [(r.code, r.rank, r.previous_rank, r.change) for r in communes] == [
        (COMMUNE_A, 1, 2, 1),
        (COMMUNE_B, 2, 1, -1),
    ]
    agencies = ranking(e, h.week, communes=False)
    assert [(r.code, r.rank, r.previous_rank) for r in agencies] == [(AGENCY, 1, None)]


def test_weights_are_configurable_and_checked(tmp_path) -> None:  # noqa: ANN001
    f = Figures(settled=4, settled_early=1, settled_on_time=1, received=4, received_online=4)
    custom = tmp_path / "w.yaml"
    custom.write_text(
        "groups:\n"
        + "".join(
            f"  {g}: {{weight: {w}}}\n"
            for g, w in (
                ("publicity", 0),
                ("progress", 50),
                ("online_service", 50),
                ("online_payment", 0),
                ("digitisation", 0),
                ("satisfaction", 0),
            )
        ),
        encoding="utf-8",
    )
    sc = score(f, Weights.load(custom))
    assert sc.points["progress"] == 25 and sc.points["online_service"] == 50
    assert sc.percent == pytest.approx(75.0)
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups: {progress: {weight: -1}}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="groups"):
        Weights.load(bad)
    with pytest.raises(InvalidInput, match="cannot read"):
        Weights.load(tmp_path / "missing.yaml")


def test_backlog_lists_late_and_near_due_with_holders(history) -> None:  # noqa: ANN001
    e, h = history
    rows = backlog(e, NOW)
    assert [(r.code, r.late) for r in rows] == [(h.codes["A7"], True), (h.codes["A9"], False)]
    late = rows[0]
    assert [(x.step, x.assignee, x.role) for x in late.holders] == [
        ("receive", "mc", "one_stop_officer")
    ]
    # held since Wednesday 08:30: Wed 7.5 - 1 (08:30 start) + Thu 8 + Fri 07:00–10:00 3 = 17.5
    assert late.holders[0].held_hours == pytest.approx(17.5)
    assert late.overdue_days == pytest.approx(3 / 8)
    assert backlog_by_agency(rows) == {AGENCY: {"late": 1, "near_due": 1}}
    assert backlog(e, NOW, Scope(agency_codes=frozenset({COMMUNE_A}))) == []


def test_step_figures_give_counts_and_median_waits(history) -> None:  # noqa: ANN001
    e, h = history
    steps = {f.step: f for f in step_figures(e, KET_HON, h.week, NOW)}
    # receive done for A1 A5 CA at once (0 h); appraise/approve/return_result for A1 and CA
    assert (steps["receive"].done, steps["receive"].median_wait_hours) == (3, 0.0)
    assert steps["approve"].done == 2
    # open receive tasks: A7 since Wed 08:30 (49.5 h), A9 since Thu 09:00 (25 h)
    assert steps["receive"].open == 2
    assert steps["receive"].median_open_hours == pytest.approx((49.5 + 25) / 2)
    commune = {f.step: f for f in step_figures(e, KET_HON, h.week, NOW, frozenset({COMMUNE_A}))}
    assert (commune["receive"].done, commune["receive"].open) == (1, 0)  # CA alone


def test_ratings_are_checked(history) -> None:  # noqa: ANN001
    e, h = history
    with pytest.raises(Conflict):
        record_rating(e, h.codes["A1"], 4)
    for bad in (0, 6, 3.5, True, "5"):
        with pytest.raises(InvalidInput):
            record_rating(e, h.codes["A3"], bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        record_rating(e, h.codes["A3"], 4, channel="fax")
    assert compute(e, h.week)["*"].ratings == 2


def test_periods() -> None:
    month = Period.named("month", datetime(2026, 1, 15).date(), VN)
    assert month.previous().label == "12/2025"
    assert Period.named("quarter", datetime(2026, 5, 2).date(), VN).label == "Q2/2026"
    assert Period.named("year", datetime(2026, 5, 2).date(), VN).previous().label == "2025"
    with pytest.raises(InvalidInput):
        Period.named("fortnight", datetime(2026, 5, 2).date(), VN)
    with pytest.raises(InvalidInput):
        Period.between(datetime(2026, 5, 2).date(), datetime(2026, 5, 1).date(), VN)
