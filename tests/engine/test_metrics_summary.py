"""The per-day summary gives exactly the live figures: before, across and after its watermark,
and after a summarised dossier changes late (a document, a registry reuse, a fee, the row).

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
from engine.models import Dossier, FeePayment, MetricsDay
from engine.runtime import Engine

from .conftest import AGENCY, KET_HON, VN, setup_engine
from .metrics_history import COMMUNE_A, NOW, PDF, History, _registry_reuse, build_history


@pytest.fixture
def history(make_engine) -> tuple[Engine, History]:  # noqa: ANN001
    e = setup_engine(make_engine(settings={"executor": "deferred"}))
    return e, build_history(e)


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
        Period.between(date(2026, 11, 18), date(2026, 11, 25), VN),
        Period.between(date(2026, 10, 20), date(2026, 11, 30), VN),  # days + a whole month
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
    # the watermark on Thursday 26/11: the dossiers finished on 18, 19 and 25/11 summarised,
    # those finished on 26/11 and the open ones counted live
    first = summary.advance(e, datetime(2026, 11, 26, 12, 0, tzinfo=VN))
    assert first["upto"] == datetime(2026, 11, 26, tzinfo=VN).isoformat()
    with e.db.read() as s:
        finished = s.scalar(
            select(func.count()).where(Dossier.finished_at < datetime(2026, 11, 26, tzinfo=VN))
        )
    assert first["dossiers"] == finished == summarised_received(e) > 0
    assert_same_as_live(e)
    # a second run the same day adds nothing (the job is idempotent)
    assert summary.advance(e, datetime(2026, 11, 26, 18, 0, tzinfo=VN))["dossiers"] == 0
    assert_same_as_live(e)
    # the next day's run moves the mark to Friday's midnight (nothing finished on 26/11:
    # CB and A3 only have their result ready)
    assert summary.advance(e, NOW)["upto"] == datetime(2026, 11, 27, tzinfo=VN).isoformat()
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


def test_late_changes_to_summarised_dossiers_are_followed(history) -> None:  # noqa: ANN001
    e, h = history
    summary.advance(e, NOW)
    week = Period.named("week", NOW.date(), VN)
    before = compute(e, week)["*"]
    a1, a2 = e.dossier(h.codes["A1"]), e.dossier(h.codes["A2"])
    assert a1.finished_at < datetime(2026, 11, 27, tzinfo=VN)  # A1, A2 are summarised
    # a scan attached after the result was returned, through the engine's own call
    receipt = b"%PDF-1.4\n% bien nhan\n%%EOF\n"  # a new scan: no reuse
    e.attach_document(h.codes["A1"], receipt, filename="bien-nhan.pdf", kind="khac", actor="mc")
    # the same scan as A1's kept by A5 (summarised too): reuse of a stored document
    e.attach_document(h.codes["A5"], PDF, filename="cccd.pdf", kind="cccd", actor="mc")
    _registry_reuse(e, h.codes["A2"])
    with e.db.write() as s:  # A2's counter fee refunded and paid again online
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
