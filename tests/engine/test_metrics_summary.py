"""The per-day summary gives exactly the live figures: before, across and after its watermark,
and after a summarised dossier changes late (a document, a registry reuse, a fee, a step, the
row), including the supplementation requests of dossiers sent back more than once.

Every comparison is between the summarised path and the all-live path of ``engine.metrics``
over the real engine's history (tests/engine/metrics_history.py), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine import metrics_summary as summary
from engine.metrics import PARTS, compute, compute_in, trend
from engine.metrics_period import Period, Scope
from engine.metrics_ratings import record_rating
from engine.models import (
    Dossier,
    DossierDocument,
    FeePayment,
    MetricsDay,
    MetricsRepeatSupplement,
    TaskRow,
)
from engine.runtime import Engine

from .conftest import AGENCY, KET_HON, TEST_PROC, VN, Officers, setup_engine
from .metrics_history import ADMIN, COMMUNE_A, NOW, PDF, History, _registry_reuse, build_history


@pytest.fixture
def history(make_engine) -> tuple[Engine, History]:  # noqa: ANN001
    e = setup_engine(make_engine(settings={"executor": "deferred"}))
    h = build_history(e)
    _sent_back_twice(e, h)
    return e, h


def _sent_back_twice(e: Engine, h: History) -> None:
    """Two dossiers sent back for supplementation more than once, both finished by 25/11.

    S1 (commune A): sent back on 18/11 and again on 19/11, returned on 20/11.
    S2 (the province): sent back on 20/11, then twice on 25/11, returned on 25/11.
    Each ``at`` is a clock setting, each list the steps done then.
    """
    o = Officers(e, check_state=False)
    back = [("appraise", "supplement"), "supplement"]
    plans = {
        "S1": (TEST_PROC, COMMUNE_A, [(datetime(2026, 11, 18, 9, 0), ["receive", *back])]),
        "S2": (TEST_PROC, AGENCY, [(datetime(2026, 11, 20, 9, 0), ["receive", back[0]])]),
    }
    plans["S1"][2].append((datetime(2026, 11, 19, 9, 0), back))
    plans["S1"][2].append((datetime(2026, 11, 20, 10, 0), ["appraise", "approve"]))
    plans["S2"][2].append((datetime(2026, 11, 25, 14, 0), ["supplement", *back, *back]))
    plans["S2"][2].append((datetime(2026, 11, 25, 15, 0), ["appraise", "approve"]))
    for name, (procedure, agency, steps) in plans.items():
        for n, (at, path) in enumerate(steps):
            e.clock.set(at.replace(tzinfo=VN))
            if n == 0:
                h.codes[name] = o.submit(procedure, agency_code=agency).code
            for item in [*path, "return_result"] if n == len(steps) - 1 else path:
                step, action = (item, "complete") if isinstance(item, str) else item
                o.do(h.codes[name], step, action, user=ADMIN)
    e.clock.set(NOW)


def periods() -> list[Period]:
    today = NOW.date()
    week = Period.named("week", today, VN)
    return [
        week,
        week.previous(),
        Period.named("month", today, VN),
        Period.named("year", today, VN),
        Period.named("day", date(2026, 11, 25), VN),
        Period.named("day", date(2026, 11, 26), VN),
        Period.named("day", date(2026, 11, 19), VN),
        Period.between(date(2026, 11, 18), date(2026, 11, 25), VN),
        Period.between(date(2026, 10, 20), date(2026, 11, 30), VN),  # days + a whole month
        # the month so far: its month row while nothing is summarised after it, else days
        Period.between(date(2026, 11, 1), date(2026, 11, 26), VN),
        Period.between(date(2026, 11, 1), date(2026, 11, 19), VN),
        # not on midnights: counted live only, and still the same figures
        Period(datetime(2026, 11, 25, 9, 0, tzinfo=VN), datetime(2026, 11, 26, 12, tzinfo=VN)),
    ]


SCOPES = [
    Scope(),
    Scope(agency_codes=frozenset({AGENCY})),
    Scope(agency_codes=frozenset({COMMUNE_A})),
    Scope(procedure_code=KET_HON),
]


def figures(e: Engine, period: Period, scope: Scope, by: str | None, upto: object) -> dict:
    with e.db.read() as s:
        out = compute_in(s, e.calendar.tz, period, scope, by, PARTS, e.clock.now(), upto=upto)
    return {k: v.as_dict() for k, v in out.items() if any(v.as_dict().values())}


def assert_same_as_live(e: Engine) -> None:
    with e.db.read() as s:
        upto = summary.watermark(s)
    assert upto is not None
    for period in periods():
        for scope in SCOPES:
            for by in (None, "agency", "procedure"):
                live = figures(e, period, scope, by, None)
                assert figures(e, period, scope, by, upto) == live, (period, scope, by)


def summarised_received(e: Engine) -> int:
    with e.db.read() as s:
        return int(s.execute(select(func.coalesce(func.sum(MetricsDay.received), 0))).scalar())


def test_the_summary_equals_the_live_count_across_its_watermark(history) -> None:  # noqa: ANN001
    e, _ = history
    # the watermark on Thursday 26/11: the events of 18–25/11 summarised (receipts, results,
    # finishes, requests, documents, fees, ratings), those of 26/11 counted live
    first = summary.advance(e, datetime(2026, 11, 26, 12, 0, tzinfo=VN))
    assert first["upto"] == datetime(2026, 11, 26, tzinfo=VN).isoformat()
    with e.db.read() as s:
        received = s.scalar(
            select(func.count()).where(Dossier.received_at < datetime(2026, 11, 26, tzinfo=VN))
        )
    assert first["received"] == received == summarised_received(e) > 0
    assert_same_as_live(e)
    # a second run the same day adds nothing (the job is idempotent)
    assert summary.advance(e, datetime(2026, 11, 26, 18, 0, tzinfo=VN))["received"] == 0
    assert_same_as_live(e)
    # the next day's run adds Thursday's events: A9's receipt, A3's and CB's results
    third = summary.advance(e, NOW)
    assert third == {"upto": datetime(2026, 11, 27, tzinfo=VN).isoformat(), "received": 1}
    with e.db.read() as s:
        assert summary.watermark(s) == datetime(2026, 11, 27, tzinfo=VN)
    assert_same_as_live(e)


def test_the_dashboard_reads_bring_the_summary_up_to_date(history) -> None:  # noqa: ANN001
    e, _ = history
    assert summary.is_stale(e)
    week = Period.named("week", NOW.date(), VN)
    summarised = compute(e, week, by="agency")
    assert not summary.is_stale(e) and summarised_received(e) > 0
    live = compute(e, week, by="agency", summarised=False)
    assert {k: v.as_dict() for k, v in summarised.items()} == {
        k: v.as_dict() for k, v in live.items()
    }
    month = Period.named("month", NOW.date(), VN)
    for kind, count in (("day", 14), ("week", 12), ("month", 12)):
        got = [(p, f.as_dict()) for p, f in trend(e, month, kind=kind, count=count)]
        want = [
            (p, f.as_dict()) for p, f in trend(e, month, kind=kind, count=count, summarised=False)
        ]
        assert got == want


def test_late_events_and_corrections_of_summarised_ones_are_followed(history) -> None:  # noqa: ANN001
    e, h = history
    summary.advance(e, NOW)
    week = Period.named("week", NOW.date(), VN)
    before = compute(e, week)["*"]
    a1, a2 = e.dossier(h.codes["A1"]), e.dossier(h.codes["A2"])
    assert a1.finished_at < datetime(2026, 11, 27, tzinfo=VN)  # A1, A2 are summarised
    # new events of summarised dossiers: counted live, and each dossier still once
    # a scan attached after the result was returned, through the engine's own call
    receipt = b"%PDF-1.4\n% bien nhan\n%%EOF\n"  # a new scan: no reuse
    e.attach_document(h.codes["A1"], receipt, filename="bien-nhan.pdf", kind="khac", actor="mc")
    # the same scan as A1's kept by A5 (summarised too): reuse of a stored document
    e.attach_document(h.codes["A5"], PDF, filename="cccd.pdf", kind="cccd", actor="mc")
    _registry_reuse(e, h.codes["A2"])
    with e.db.write() as s:  # a correction: A2's counter fee refunded and paid again online
        fee = s.scalars(select(FeePayment).where(FeePayment.dossier_id == a2.id)).one()
        fee.channel = "online"
    record_rating(e, h.codes["PB"], 4, comment="", channel="online")  # finished on 18/11
    assert_same_as_live(e)
    after = compute(e, week)["*"]
    assert after.documents == before.documents + 2
    assert after.digitised_dossiers == before.digitised_dossiers + 1
    assert after.reused_documents == before.reused_documents + 2  # A5's kept scan + registry
    assert after.reusing_dossiers == before.reusing_dossiers + 1  # A5 (A2 reused already)
    assert after.paid_online == before.paid_online + 1
    assert (after.ratings, after.satisfied) == (before.ratings + 1, before.satisfied + 1)
    # a correction of a summarised dossier's own row moves its figures between days
    with e.db.write() as s:
        d = s.get(Dossier, a1.id)
        d.received_at = d.received_at - timedelta(days=7)
        d.outcome = "refused"
    assert_same_as_live(e)
    moved = compute(e, week)["*"]
    assert (moved.received, moved.refused) == (after.received - 1, after.refused + 1)
    # a finished dossier written straight into a summarised day is counted too
    with e.db.write() as s:
        old = s.get(Dossier, a2.id)
        copy = Dossier(
            **{
                c.key: getattr(old, c.key)
                for c in Dossier.__table__.columns
                if c.key not in ("id", "code")
            },
            code=old.code + "-BS",
        )
        s.add(copy)
    assert_same_as_live(e)
    assert compute(e, week)["*"].received == moved.received + 1
    # A1's ID scan unlinked (A1 now counts in the week before): A2's copy of it (25/11) was
    # reused from A1's and is not any more; A2 still reuses a registry's document (today's,
    # live), so it still counts once as reusing
    with e.db.write() as s:
        (link,) = s.scalars(
            select(DossierDocument).where(
                DossierDocument.dossier_id == a1.id, DossierDocument.kind == "cccd"
            )
        )
        s.delete(link)
    assert_same_as_live(e)
    unlinked = compute(e, week)["*"]
    assert (unlinked.documents, unlinked.reused_documents) == (
        moved.documents,
        moved.reused_documents - 1,
    )
    assert (unlinked.digitised_dossiers, unlinked.reusing_dossiers) == (
        moved.digitised_dossiers,
        moved.reusing_dossiers,
    )


def test_a_dossier_sent_back_twice_counts_once_in_a_period(history) -> None:  # noqa: ANN001
    e, h = history
    summary.advance(e, NOW)  # S1 and S2 are summarised, A4 (sent back on 25/11) is open
    for name in ("S1", "S2"):
        assert e.dossier(h.codes[name]).finished_at < datetime(2026, 11, 26, tzinfo=VN)
    week = Period.named("week", NOW.date(), VN)
    by_hand = {  # (requests, dossiers)
        Period.named("day", date(2026, 11, 19), VN): (1, 1),  # S1's second
        week.previous(): (3, 2),  # S1 twice, S2 once
        Period.named("day", date(2026, 11, 25), VN): (3, 2),  # S2 twice, A4
        week: (3, 2),
        Period.named("month", NOW.date(), VN): (6, 3),
        Period.between(date(2026, 11, 19), date(2026, 11, 25), VN): (5, 3),  # S1, S2, A4
    }
    for period, counts in by_hand.items():
        for summarised in (True, False):
            f = compute(e, period, summarised=summarised)["*"]
            assert (f.supplement_requests, f.supplemented_dossiers) == counts, period
    assert _repeats(e) == [
        (date(2026, 11, 19), date(2026, 11, 18), COMMUNE_A, TEST_PROC, 1),
        (date(2026, 11, 25), date(2026, 11, 20), AGENCY, TEST_PROC, 1),  # not 25 after 25
    ]
    # a correction of a summarised step: S1's second request moved back to 18/11
    s1 = e.dossier(h.codes["S1"]).id
    with e.db.write() as s:
        second = s.scalars(
            select(TaskRow)
            .where(TaskRow.dossier_id == s1, TaskRow.action == "supplement")
            .order_by(TaskRow.completed_at)
        ).all()[1]
        second.completed_at -= timedelta(days=1)
    assert_same_as_live(e)
    day = compute(e, Period.named("day", date(2026, 11, 18), VN))["*"]
    assert (day.supplement_requests, day.supplemented_dossiers) == (2, 1)
    assert _repeats(e)[0][-1] == 0  # the 19/11 repeat taken out


def _repeats(e: Engine) -> list[tuple]:
    r = MetricsRepeatSupplement
    with e.db.read() as s:
        rows = s.execute(
            select(r.day, r.previous_day, r.agency_code, r.procedure_code, r.requests).order_by(
                r.day
            )
        ).all()
    return [tuple(row) for row in rows]
