# ruff: noqa: F811 - pytest fixtures imported from tests.engine.online_channel
"""Status sync out: every status change reaches the simulated portal, in order, exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.portal.simulator import received
from engine import outbox, portal_sync
from engine.errors import InvalidInput
from engine.models import PortalOutbox
from tests.engine.conftest import HAPPY, TEST_PROC, count
from tests.engine.online_channel import clerks, online, registry  # noqa: F401

pytestmark = pytest.mark.usefixtures("registry")


def rows(engine, dossier_id=None) -> list[PortalOutbox]:
    with engine.db.read() as s:
        q = select(PortalOutbox).order_by(PortalOutbox.id)
        if dossier_id is not None:
            q = q.where(PortalOutbox.dossier_id == dossier_id)
        return list(s.execute(q).scalars())


def portal(registry):
    return received(registry.adapter("portal").simulator())


def test_every_status_change_reaches_the_portal_with_its_fields(online, clerks, registry, clock):
    d = clerks.submit(TEST_PROC)
    clerks.walk(d, ["receive", ("appraise", "supplement")])
    clock.advance(days=1)
    clerks.walk(d, ["supplement", "appraise", "approve", "return_result"])
    events = [r.event for r in rows(online, d.id)]
    assert events == [
        "received",
        "in_process",
        "supplement_requested",
        "in_process",
        "new_due_date",
        "settled",
        "result_returned",
    ]
    assert all(r.state == "pending" for r in rows(online))
    report = online.tick()
    assert report["portal_sent"] == 7
    got = portal(registry)
    assert [u["TrangThaiHoSo"] for u in got] == ["1", "2", "3", "2", "2", "4", "5"]
    assert {u["MaHoSo"] for u in got} == {d.code}
    first = got[0]
    assert first["MaTTHC"] == TEST_PROC and first["LoaiCapNhat"] == "RECEIVED"
    assert first["NgayTiepNhan"] == "20261125083000"  # Vietnam time, yyyyMMddHHmmss
    assert first["NgayHenTra"] == "20261209170000"
    assert got[2]["DanhSachGiayToBoSung"] == ["Bản sao CCCD"]
    moved = got[4]
    assert moved["LoaiCapNhat"] == "HEN_LAI" and moved["NgayHenTraMoi"] > first["NgayHenTra"]
    assert all(r.state == "sent" and r.ack.startswith("CDVC-") for r in rows(online))
    assert online.tick().get("portal_sent", 0) == 0  # nothing is sent twice


def test_refusal_and_withdrawal_carry_their_reasons(online, clerks, registry):
    refused = clerks.submit(TEST_PROC)
    clerks.walk(refused, [("receive", "refuse"), "notify_refusal"])
    gone = clerks.submit(TEST_PROC)
    online.withdraw(gone.code, actor="citizen", reason="Nộp nhầm thủ tục")
    portal_sync.push(online)
    by_code = {}
    for update in portal(registry):
        by_code.setdefault(update["MaHoSo"], []).append(update)
    assert by_code[refused.code][-1]["TrangThaiHoSo"] == "6"
    assert by_code[refused.code][-1]["LyDoTuChoi"] == "Không đủ điều kiện"
    assert [u["TrangThaiHoSo"] for u in by_code[gone.code]] == ["1", "7"]


def test_a_failed_step_writes_no_outbox_row(online, clerks):
    d = clerks.submit(TEST_PROC)
    before = count(online, PortalOutbox)
    task = clerks.task(d, "receive")
    with pytest.raises(InvalidInput):
        online.complete(task.id, user="mc", data={}, action="no_such_action")
    assert count(online, PortalOutbox) == before


def test_a_portal_outage_is_retried_in_order_until_acknowledged(online, clerks, registry, clock):
    sim = registry.adapter("portal").simulator()
    d = clerks.submit(TEST_PROC)
    clerks.walk(d, ["receive"])
    sim.faults.set(error_next=1)
    report = portal_sync.push(online)
    assert report["retry"] == 1 and report["waiting"] == 1  # the second waits for the first
    assert set(report) <= set(portal_sync.PUSH_OUTCOMES)  # lienthong portal push can say them
    first, second = rows(online, d.id)
    assert first.state == "pending" and first.attempts == 1 and "503" in first.last_error
    assert portal(registry) == []
    assert portal_sync.push(online).get("sent", 0) == 0  # not due yet: backoff
    clock.advance(seconds=31)
    assert portal_sync.push(online)["sent"] == 2
    assert [u["TrangThaiHoSo"] for u in portal(registry)] == ["1", "2"]


def test_a_duplicated_delivery_is_stored_once_by_the_portal(online, clerks, registry):
    sim = registry.adapter("portal").simulator()
    clerks.submit(TEST_PROC)
    sim.faults.set(garbage_next=1)  # the portal stores it, its answer is garbled
    assert portal_sync.push(online)["retry"] == 1
    assert len(portal(registry)) == 1
    online.clock.advance(minutes=5)
    assert portal_sync.push(online)["sent"] == 1
    assert len(portal(registry)) == 1  # the retry carried the same Idempotency-Key


def test_a_refused_update_is_failed_until_a_person_retries(online, clerks, registry):
    d = clerks.submit(TEST_PROC)
    with online.db.write() as s:
        row = s.execute(select(PortalOutbox)).scalar_one()
        row.payload = {**row.payload, "received_at": "not a date"}
    report = portal_sync.push(online)
    assert report["failed"] == 1 and set(report) <= set(portal_sync.PUSH_OUTCOMES)
    [row] = portal_sync.pending(online, d.code)
    assert row.state == "failed" and "received_at" in row.last_error
    with online.db.write() as s:
        s.get(PortalOutbox, row.id).payload = {
            **row.payload,
            "received_at": d.received_at.isoformat(),
        }
    assert outbox.retry_failed(online, PortalOutbox) == 1
    assert portal_sync.push(online)["sent"] == 1


def test_with_the_sync_off_the_changes_are_only_logged(engine, officers):
    d = officers.submit(TEST_PROC)
    officers.walk(d, HAPPY)
    logged = portal_sync.events(engine, d.id)
    assert [r.event for r in logged][-1] == "result_returned"
    assert {r.state for r in logged} == {"local"}
    assert engine.tick().get("portal_sent", 0) == 0
    assert portal_sync.pending(engine) == []
    assert engine.dossier(d.code).notified_status == "result_returned"


def test_the_apology_letters_new_date_reaches_the_portal_and_the_citizen(online, clerks, registry):
    from datetime import datetime, timedelta

    from tests.engine.conftest import KET_HON, VN

    d = clerks.submit(KET_HON, applicant={"full_name": "Phạm Văn Tú", "phone": "0987654321"})
    clerks.walk(d, ["receive"])
    online.tick(d.due_at + timedelta(minutes=1))  # late: the apology letter opens
    clerks.walk(d, ["apology_letter"])  # its form says: new date 31/12/2026
    moved = [r for r in rows(online, d.id) if r.event == "new_due_date"]
    assert len(moved) == 1
    promised = datetime(2026, 12, 31, 17, 0, tzinfo=VN)
    assert moved[0].payload["appointment_at"] == promised.isoformat()
    assert online.dossier(d.code).notified_due_at == promised
    portal_sync.push(online)
    update = [u for u in portal(registry) if u["LoaiCapNhat"] == "HEN_LAI"][0]
    assert update["NgayHenTraMoi"] == "20261231170000"
    from engine import notifications

    sms = [n for n in notifications.for_dossier(online, d.id) if n.event == "new_due_date"]
    assert len(sms) == 1 and "17:00 ngày 31/12/2026" in sms[0].body
