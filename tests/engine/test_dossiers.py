"""Dossiers through the whole standard template, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from engine.models import ServiceJob, TaskRow, Timer
from tests.engine.conftest import (
    AGENCY,
    HAPPY,
    KET_HON,
    KHAI_SINH,
    TEST_PROC,
    VN,
    Officers,
    count,
)

CODE = re.compile(r"^(?P<agency>[\d.]+H\d\d)-(?P<day>\d{6})-(?P<seq>\d{4})$")


def test_happy_path_reaches_result_returned(engine, officers: Officers) -> None:
    d = officers.submit(KET_HON)
    assert d.status == "received" and d.channel == "counter"
    assert officers.open_steps(d) == ["receive"]
    d = officers.walk(d, HAPPY)
    assert d.status == "result_returned"
    assert d.outcome == "settled"
    assert officers.statuses(d) == ["received", "in_process", "settled", "result_returned"]
    assert d.settled_at is not None and d.settled_at <= d.due_at
    assert d.finished_at is not None and not d.late
    assert officers.open_tasks(d) == []
    view = engine.dossier_view(d.code)
    done = sorted((t.bpmn_id, t.completed_by, t.state) for t in view.done_tasks)
    assert done == [
        ("appraise", "cv", "completed"),
        ("approve", "ld", "completed"),
        ("receive", "mc", "completed"),
        ("return_result", "mc", "completed"),
    ]
    assert count(engine, Timer, Timer.dossier_id == d.id, Timer.fired_at.is_(None)) == 0


def test_status_follows_each_step(engine, officers: Officers) -> None:
    d = officers.submit(TEST_PROC)
    seen = [engine.dossier(d.code).status]
    for step in HAPPY:
        officers.walk(d, [step])
        seen.append(engine.dossier(d.code).status)
    assert seen == ["received", "in_process", "in_process", "settled", "result_returned"]


@pytest.mark.parametrize(
    ("path", "refused_at"),
    [
        ([("receive", "refuse")], "receive"),
        (["receive", ("appraise", "refuse")], "appraise"),
        (["receive", "appraise", ("approve", "refuse")], "approve"),
    ],
    ids=["at_receipt", "at_appraisal", "at_approval"],
)
def test_refusal_ends_refused(engine, officers: Officers, path, refused_at) -> None:
    d = officers.submit(TEST_PROC)
    officers.walk(d, path)
    assert officers.open_steps(d) == ["notify_refusal"]
    d = officers.walk(d, ["notify_refusal"])
    assert d.status == "refused" and d.outcome == "refused"
    assert d.settled_at is None and d.finished_at is not None
    assert officers.statuses(d)[-1] == "refused"
    assert "settled" not in officers.statuses(d)
    refusals = [t for t in engine.dossier_view(d.code).done_tasks if t.action == "refuse"]
    assert [t.bpmn_id for t in refusals] == [refused_at]


def test_withdrawal_cancels_tasks_and_timers(engine, officers: Officers) -> None:
    d = officers.submit(TEST_PROC)
    officers.walk(d, ["receive"])
    appraise = officers.task(d, "appraise")
    engine.withdraw(d.code, actor="mc", reason="Công dân rút hồ sơ")
    d = engine.dossier(d.code)
    assert d.status == "withdrawn" and d.outcome == "withdrawn"
    assert officers.open_tasks(d) == []
    assert engine.task(appraise.id).state == "cancelled"
    assert count(engine, Timer, Timer.dossier_id == d.id, Timer.fired_at.is_(None)) == 0
    assert officers.statuses(d)[-1] == "withdrawn"
    # nothing fires for it later, and it cannot be withdrawn twice
    engine.tick(datetime(2027, 6, 1, tzinfo=VN))
    assert not engine.dossier(d.code).late
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput, match="đã rút, không rút được nữa"):
        engine.withdraw(d.code, actor="mc", reason="again")


def test_withdrawal_cancels_pending_service_jobs(make_engine, clock) -> None:
    from tests.engine.conftest import setup_engine
    from tests.engine.test_service_tasks import deploy_echo

    e = make_engine(settings={"executor": "deferred"}, service_caller=lambda *a, **k: {})
    setup_engine(e)
    deploy_echo(e)
    d = e.submit("S.000001", applicant={"full_name": "A"}, actor="mc")
    Officers(e).walk(d, ["prepare"])
    assert count(e, ServiceJob, ServiceJob.dossier_id == d.id, ServiceJob.state == "pending") == 1
    e.withdraw(d.code, actor="mc", reason="rút")
    assert count(e, ServiceJob, ServiceJob.dossier_id == d.id, ServiceJob.state == "pending") == 0
    assert count(e, ServiceJob, ServiceJob.dossier_id == d.id, ServiceJob.state == "cancelled") == 1
    assert count(e, TaskRow, TaskRow.dossier_id == d.id, TaskRow.state == "open") == 0


def test_dossier_codes_follow_national_format_and_count_up(engine, officers, clock) -> None:
    first = [officers.submit(KET_HON) for _ in range(3)]
    m = [CODE.match(d.code) for d in first]
    assert all(m), [d.code for d in first]
    assert {x["agency"] for x in m} == {AGENCY}
    assert {x["day"] for x in m} == {"261125"}
    assert [int(x["seq"]) for x in m] == [1, 2, 3]
    other = officers.submit(TEST_PROC)  # the sequence is per agency and day, not per procedure
    assert other.code == f"{AGENCY}-261125-0004"
    # a new day (in Vietnam's time zone) starts a new sequence
    clock.set(datetime(2026, 11, 26, 0, 5, tzinfo=VN))
    assert officers.submit(KET_HON).code == f"{AGENCY}-261126-0001"


@pytest.mark.parametrize(
    ("received", "procedure", "due"),
    [
        # 1.001193, 0 working days: same day when received by 15:00 ...
        ((2026, 11, 25, 8, 30), KHAI_SINH, (2026, 11, 25, 17, 0)),
        ((2026, 11, 25, 15, 0), KHAI_SINH, (2026, 11, 25, 17, 0)),
        # ... and the close of the next working day after it
        ((2026, 11, 25, 15, 1), KHAI_SINH, (2026, 11, 26, 17, 0)),
        ((2026, 11, 27, 16, 0), KHAI_SINH, (2026, 11, 30, 17, 0)),  # Friday → Monday
        # 24/11 is a holiday (Ngày Văn hóa Việt Nam): counts from the 25th
        ((2026, 11, 24, 9, 0), KHAI_SINH, (2026, 11, 25, 17, 0)),
        # 1.000894, 1 working day
        ((2026, 11, 25, 8, 30), KET_HON, (2026, 11, 26, 17, 0)),
        ((2026, 11, 27, 10, 0), KET_HON, (2026, 11, 30, 17, 0)),
        ((2026, 11, 23, 10, 0), KET_HON, (2026, 11, 25, 17, 0)),  # skips the holiday
        # the test procedure, 10 working days
        ((2026, 11, 25, 8, 30), TEST_PROC, (2026, 12, 9, 17, 0)),
    ],
)
def test_due_dates_come_from_the_calendar(officers, clock, received, procedure, due) -> None:
    clock.set(datetime(*received, tzinfo=VN))
    d = officers.submit(procedure)
    assert d.due_at == datetime(*due, tzinfo=VN)
    assert officers.engine.dossier(d.code).due_at == datetime(*due, tzinfo=VN)
    assert d.received_at == datetime(*received, tzinfo=VN)


def test_channels_and_applicant_are_kept(engine, officers) -> None:
    d = officers.submit(KET_HON, channel="online", data={"note": "nộp trực tuyến"})
    stored = engine.dossier(d.code)
    assert stored.channel == "online"
    assert stored.applicant["full_name"] == "Nguyễn Thị Lan"
    assert stored.form_data == {"note": "nộp trực tuyến"}
    assert engine.dossier(stored.id).code == d.code


def test_step_deadlines_sit_inside_the_legal_total(engine, officers) -> None:
    d = officers.submit(TEST_PROC)
    receive = officers.task(d, "receive")
    assert receive.due_at == datetime(2026, 11, 25, 17, 0, tzinfo=VN)  # share 0: same day
    officers.walk(d, ["receive"])
    appraise = officers.task(d, "appraise")
    assert appraise.role == "specialist" and appraise.agency_code == AGENCY
    assert appraise.warn_at < appraise.due_at <= d.due_at
    officers.walk(d, ["appraise"])
    approve = officers.task(d, "approve")
    assert approve.due_at <= d.due_at and approve.role == "leader"
