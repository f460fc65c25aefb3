"""BPMN timers that run in working days or working hours (``lt:workingDays``/``lt:workingHours``).

A legal step such as "reply within 3 working days" cannot be written as an ISO duration:
weekends, Tết, the province's extra days off and make-up days move the end. The attribute
sits on a timer event (intermediate catch or boundary) or on its ``bpmn:timerEventDefinition``
beside a ``bpmn:timeDuration``, which SpiffWorkflow needs and which other BPMN tools show.
The working time wins: when a timer task starts waiting, `start_working_timers` replaces the
due moment SpiffWorkflow computed from the calendar duration with the engine calendar's
``due_date(start, amount, unit)``. That moment lives in the task's own data, so it is saved
with the state, survives restarts, and is written to the timer rows ``tick`` fires.

A working-time attribute with a ``timeDate`` or ``timeCycle`` is a contradiction and is
refused (by the engine at deploy and by ``bpmn.lint``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition

from .calendar import MAX_AMOUNT

if TYPE_CHECKING:
    from .steps import StepContext

LT_NS = "urn:lienthong:bpmn:1"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
#: Attribute name → unit of `WorkCalendar.due_date`.
UNITS = {"workingDays": "working_days", "workingHours": "working_hours"}
#: Key in the timer task's internal data: the moment its working time started counting.
STARTED_KEY = "lt_working_started"
_TIMER = f"{{{BPMN_NS}}}timerEventDefinition"
#: Ten years of working days; hours stop at the calendar's own limit on an amount.
_MAX = {"workingDays": 3650.0, "workingHours": float(MAX_AMOUNT)}


@dataclass(frozen=True)
class WorkingTime:
    amount: float
    unit: str  # "working_days" or "working_hours"


def read_working_time(node: Any) -> WorkingTime | None:
    """Read and check the working-time attribute of one BPMN element.

    Raises ValueError with a Vietnamese message naming the problem (the studio and the lint
    show it as it is); returns None when the element carries no working-time attribute.
    """
    definitions = [node] if node.tag == _TIMER else list(node.iterchildren(_TIMER))
    found: dict[str, str] = {}
    holders = definitions if node.tag == _TIMER else [node, *definitions]
    for holder in holders:
        for name in UNITS:
            value = holder.get(f"{{{LT_NS}}}{name}")
            if value is None:
                continue
            if name in found and found[name].strip() != value.strip():
                raise ValueError(
                    f"lt:{name} được khai hai lần với giá trị khác nhau "
                    f"({found[name]!r}, {value!r})"
                )
            found[name] = value
    if not found:
        return None
    if len(found) > 1:
        raise ValueError(
            "không được đặt cùng lúc lt:workingDays và lt:workingHours; hãy chọn một đơn vị"
        )
    if not definitions:
        raise ValueError(f"lt:{next(iter(found))} chỉ được đặt trên sự kiện hẹn giờ (timer event)")
    ((name, raw),) = found.items()
    try:
        amount = float(raw)
    except ValueError:
        amount = math.nan
    if not (math.isfinite(amount) and 0 < amount <= _MAX[name]):
        raise ValueError(f"lt:{name}={raw!r} phải là số lớn hơn 0 (tối đa {_MAX[name]:g})")
    definition = definitions[0]
    for other in ("timeDate", "timeCycle"):
        if definition.find(f"{{{BPMN_NS}}}{other}") is not None:
            raise ValueError(
                f"lt:{name} mâu thuẫn với {other} của bộ hẹn giờ: hẹn giờ theo thời gian làm "
                "việc chạy một khoảng thời gian; hãy dùng timeDuration (thời gian làm việc "
                "được ưu tiên hơn)"
            )
    if definition.find(f"{{{BPMN_NS}}}timeDuration") is None:
        raise ValueError(
            f'lt:{name} cần có bpmn:timeDuration đi kèm (ví dụ "P{raw}D") để các công cụ '
            "BPMN hiển thị; thời gian làm việc được ưu tiên hơn"
        )
    return WorkingTime(amount, UNITS[name])


def start_working_timers(ctx: StepContext) -> int:
    """Give every newly waiting working-time timer its due moment by the engine calendar.

    Runs in each step before the timer rows are written; a timer already started keeps its
    moment (recorded under `STARTED_KEY`). Returns how many timers were started.
    """
    elements = ctx.model.elements
    if not any(getattr(e, "timer_unit", None) for e in elements.values()):
        return 0
    started = 0
    for task in ctx.live_tasks().waiting:
        spec = task.task_spec
        if not isinstance(getattr(spec, "event_definition", None), DurationTimerEventDefinition):
            continue
        info = elements.get(spec.bpmn_id)
        if info is None or info.timer_unit is None or task._get_internal_data(STARTED_KEY):
            continue
        due = ctx.engine.calendar.due_date(ctx.now, info.timer_amount, info.timer_unit)
        task._set_internal_data(
            event_value=due.astimezone(UTC).isoformat(), **{STARTED_KEY: ctx.now.isoformat()}
        )
        started += 1
    return started
