"""BPMN timers in working days / working hours fire by the engine's working calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.errors import InvalidModel
from engine.model_parser import parse_model
from engine.models import Timer
from engine.working_timers import STARTED_KEY
from tests.engine.conftest import AGENCY, VN, Officers, restore

MINUTE = timedelta(minutes=1)
CODE = "T.000020"
#: Friday 28/08/2026 10:00. Monday 31/08 is a day off (moved from the make-up Saturday
#: 22/08), 01–02/09 is National Day: the working days after it are 03/09, 04/09, 07/09.
FRIDAY = datetime(2026, 8, 28, 10, 0, tzinfo=VN)
THREE_DAYS_DUE = datetime(2026, 9, 7, 17, 0, tzinfo=VN)

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:lt="urn:lienthong:bpmn:1" id="defs_wt"
                  targetNamespace="http://lienthong.example/bpmn">
  <bpmn:process id="working_timer" name="Working timer" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="front" name="Front desk" lt:role="one_stop_officer" lt:agency="receiving">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>receive</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>remind</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>chase</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>chase_end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="spec" name="Specialist" lt:role="specialist" lt:agency="receiving">
        <bpmn:flowNodeRef>appraise</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>done</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="receive" name="Tiếp nhận">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="wait" name="Chờ 3 ngày làm việc" WAIT_ATTR>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_def">
        <bpmn:timeDuration>"P3D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="appraise" name="Thẩm định">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="remind" attachedToRef="appraise" cancelActivity="false">
      <bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:timerEventDefinition id="remind_def" lt:workingHours="4">
        <bpmn:timeDuration>"PT4H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="chase" name="Nhắc việc">
      <bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="chase_end"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="done"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive" />
    <bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="wait" />
    <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="appraise" />
    <bpmn:sequenceFlow id="f4" sourceRef="appraise" targetRef="done" />
    <bpmn:sequenceFlow id="f5" sourceRef="remind" targetRef="chase" />
    <bpmn:sequenceFlow id="f6" sourceRef="chase" targetRef="chase_end" />
  </bpmn:process>
</bpmn:definitions>
"""


def model(wait_attr: str = 'lt:workingDays="3"') -> bytes:
    return MODEL.replace("WAIT_ATTR", wait_attr).encode()


@pytest.fixture
def deployed(engine, clock) -> Officers:
    clock.set(FRIDAY - timedelta(days=1))
    engine.deploy(CODE, model(), name="Thủ tục hẹn giờ", deadline=(20, "working_days"),
                  agency_code=AGENCY)  # fmt: skip
    return Officers(engine)


def bpmn_timers(engine, dossier_id: int) -> list[datetime]:
    with engine.db.read() as s:
        rows = s.scalars(
            select(Timer.due_at).where(
                Timer.dossier_id == dossier_id, Timer.kind == "bpmn", Timer.fired_at.is_(None)
            )
        ).all()
    return sorted(r if r.tzinfo else r.replace(tzinfo=UTC) for r in rows)


def start_waiting(officers: Officers, clock):
    clock.set(FRIDAY - timedelta(hours=1))
    d = officers.submit(CODE)
    clock.set(FRIDAY)
    officers.walk(d, ["receive"])
    assert officers.open_steps(d) == []
    return d


def test_three_working_days_over_national_day_fire_on_the_right_day(
    engine, deployed: Officers, clock
) -> None:
    d = start_waiting(deployed, clock)
    assert bpmn_timers(engine, d.id) == [THREE_DAYS_DUE]
    # The calendar duration P3D (Monday 10:00) and any day in between do nothing.
    for moment in (FRIDAY + timedelta(days=3, hours=1), datetime(2026, 9, 4, 17, 30, tzinfo=VN),
                   THREE_DAYS_DUE - MINUTE):  # fmt: skip
        assert engine.tick(moment).get("bpmn", 0) == 0
        assert deployed.open_steps(d) == []
    assert engine.tick(THREE_DAYS_DUE + MINUTE) == {"bpmn": 1}
    assert deployed.open_steps(d) == ["appraise"]


def test_the_wait_survives_a_restart(make_engine, engine, deployed: Officers, clock) -> None:
    d = start_waiting(deployed, clock)
    engine.db.dispose()
    fresh = make_engine()
    fresh_officers = Officers(fresh)
    workflow = restore(fresh, d.id)
    waiting = [t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "wait"]
    assert waiting[0]._get_internal_data(STARTED_KEY) == FRIDAY.isoformat()
    # The fresh engine reads the stored moment: the count does not start again.
    assert fresh.tick(datetime(2026, 9, 3, 9, 0, tzinfo=VN)) == {}
    assert bpmn_timers(fresh, d.id) == [THREE_DAYS_DUE]
    assert fresh.tick(THREE_DAYS_DUE - MINUTE).get("bpmn", 0) == 0
    assert fresh_officers.open_steps(d) == []
    assert fresh.tick(THREE_DAYS_DUE + MINUTE) == {"bpmn": 1}
    assert fresh_officers.open_steps(d) == ["appraise"]
    # A working-time timer that starts after the restart is read from the stored model too.
    assert bpmn_timers(fresh, d.id) == [datetime(2026, 9, 8, 11, 0, tzinfo=VN)]


def test_a_boundary_timer_in_working_hours_skips_nights_and_days_off(
    engine, deployed: Officers, clock
) -> None:
    d = start_waiting(deployed, clock)
    engine.tick(THREE_DAYS_DUE + MINUTE)  # Monday 07/09 17:01: appraise opens after hours
    # 4 working hours from after the close: Tuesday 08/09 07:00 → 11:00.
    remind_due = datetime(2026, 9, 8, 11, 0, tzinfo=VN)
    assert bpmn_timers(engine, d.id) == [remind_due]
    assert engine.tick(remind_due - MINUTE) == {}
    assert engine.tick(remind_due + MINUTE) == {"bpmn": 1}
    assert deployed.open_steps(d) == ["appraise", "chase"]


def test_a_timer_without_working_time_keeps_its_calendar_duration(engine, clock) -> None:
    clock.set(FRIDAY - timedelta(days=1))
    engine.deploy(CODE, model(""), name="Thủ tục hẹn giờ", agency_code=AGENCY)
    officers = Officers(engine)
    d = start_waiting(officers, clock)
    assert bpmn_timers(engine, d.id) == [FRIDAY + timedelta(days=3)]


@pytest.mark.parametrize(
    ("attr", "message"),
    [
        ('lt:workingDays="0"', "lớn hơn 0"),
        ('lt:workingDays="ba"', "lớn hơn 0"),
        ('lt:workingHours="20000"', "tối đa 10000"),
        ('lt:workingDays="2" lt:workingHours="4"', "không được đặt cùng lúc"),
    ],
)
def test_bad_working_time_is_refused_at_deploy(attr: str, message: str) -> None:
    with pytest.raises(InvalidModel, match=message):
        parse_model(model(attr))


def test_working_time_with_a_time_date_is_refused() -> None:
    data = model('lt:workingDays="2"').replace(
        b'<bpmn:timeDuration>"P3D"</bpmn:timeDuration>',
        b'<bpmn:timeDate>"2026-09-01T08:00:00+07:00"</bpmn:timeDate>',
    )
    with pytest.raises(InvalidModel, match="mâu thuẫn với timeDate"):
        parse_model(data)


def test_working_time_on_a_task_is_refused() -> None:
    data = model("").replace(b'id="appraise"', b'id="appraise" lt:workingDays="2"')
    with pytest.raises(InvalidModel, match="chỉ được đặt trên sự kiện hẹn giờ"):
        parse_model(data)
