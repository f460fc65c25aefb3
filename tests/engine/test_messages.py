"""Messages between dossiers: the liên thông hand-off from one agency's dossier to another's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.clock import ManualClock
from engine.models import Message
from engine.runtime import Engine
from engine.settings import load

PAIR = Path(__file__).parent / "data" / "messages" / "lienthong_pair.bpmn"


@pytest.fixture
def pair_engine(tmp_path: Path) -> Engine:
    clock = ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    e = Engine(load({"database_url": f"sqlite:///{tmp_path / 'm.sqlite'}"}), clock=clock)
    e.create_schema()
    e.ensure_agency("A1", "Sở A")
    e.ensure_user("cv", "Chuyên viên", "A1", ["specialist"])
    xml = PAIR.read_bytes()
    for code, pid in (("9.000001", "sender"), ("9.000002", "receiver")):
        e.deploy(
            code, xml, name=pid, deadline=(5, "working_days"), agency_code="A1", process_id=pid
        )
    return e


def _messages(e: Engine) -> list[Message]:
    with e.db.read() as s:
        return list(s.execute(select(Message)).scalars())


def test_message_reaches_the_waiting_dossier_with_its_payload(pair_engine: Engine) -> None:
    e = pair_engine
    receiver = e.submit("9.000002", applicant={"full_name": "Trần B"})
    assert e.list_tasks(dossier_code=receiver.code) == []
    sender = e.submit("9.000001", applicant={"full_name": "Trần B"})
    task = e.list_tasks(dossier_code=sender.code)[0]
    e.complete(task.id, user="cv", data={"ket_qua": "đạt"})

    assert e.dossier(sender.code).status == "result_returned"
    [msg] = _messages(e)
    assert (msg.state, msg.target_dossier_id) == ("delivered", receiver.id)
    assert msg.payload == {"dossier_code": sender.code, "ket_qua": "đạt"}
    [work] = e.list_tasks(dossier_code=receiver.code)
    assert work.bpmn_id == "r_work"
    actions = [ev.action for ev in e.history(receiver.id)]
    assert actions.count("message_received") == 1


def test_message_sent_before_anyone_waits_is_kept_then_delivered(pair_engine: Engine) -> None:
    e = pair_engine
    sender = e.submit("9.000001", applicant={"full_name": "Lê C"})
    e.complete(e.list_tasks(dossier_code=sender.code)[0].id, user="cv", data={"ket_qua": "x"})
    [msg] = _messages(e)
    assert msg.state == "pending"  # nobody waits yet: nothing lost, nothing guessed

    receiver = e.submit("9.000002", applicant={"full_name": "Lê C"})
    [msg] = _messages(e)
    assert (msg.state, msg.target_dossier_id) == ("delivered", receiver.id)
    assert [t.bpmn_id for t in e.list_tasks(dossier_code=receiver.code)] == ["r_work"]


def test_two_waiting_dossiers_make_the_message_ambiguous_not_misdelivered(
    pair_engine: Engine,
) -> None:
    e = pair_engine
    first = e.submit("9.000002", applicant={"full_name": "A"})
    second = e.submit("9.000002", applicant={"full_name": "B"})
    sender = e.submit("9.000001", applicant={"full_name": "C"})
    e.complete(e.list_tasks(dossier_code=sender.code)[0].id, user="cv", data={"ket_qua": "x"})
    [msg] = _messages(e)
    assert msg.state == "pending"
    assert "several dossiers" in (msg.error or "")
    assert e.list_tasks(dossier_code=first.code) == []
    assert e.list_tasks(dossier_code=second.code) == []
