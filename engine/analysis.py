"""What a dossier actually went through: hand-offs, who waited on whom, people vs systems.

Read from the normalised rows only (task rows, service jobs, the audit log; the model's
``lt:touchpoint`` marks from its stored BPMN): no workflow is deserialised. Figures:

- steps done by people (completed user tasks, per agency) and by systems (service tasks
  completed, adapter calls, incidents and retries);
- hand-offs: a person's task of one agency opened after a person's task of another agency
  was completed (the latest one before it), in time order;
- who waited on whom: for each party (an agency, an external system, the citizen) the working
  time during which the dossier had open work with it (overlaps counted once per party);
- elapsed working days from receipt to the result being ready (or now), against the legal
  deadline, and the same without the time spent waiting on the citizen (supplementation,
  payment), which the law does not count against the agencies;
- the citizen's touchpoints as they happened, and the notices they were given.

The model's part (which steps are citizen touchpoints) is the same for every dossier of a
version, and reading and analysing the BPMN costs more than the dossier's own rows: each
engine keeps it per model content hash in a small LRU (:class:`ModelMarks`), so a dossier page
does only the per-dossier part. A new version has a new hash, so it is never served another's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .errors import UnknownProcedure
from .models import AuditEvent, Dossier, Procedure, ProcessVersion, ServiceJob, TaskRow

if TYPE_CHECKING:
    from bpmn.analysis import ModelFigures

    from .runtime import Engine

CITIZEN = "citizen"


@dataclass
class DossierFigures:
    code: str
    procedure_code: str
    status: str
    received_at: str
    ready_at: str | None  # when the result was ready (settled), else finished, else None
    human_steps: int
    human_steps_by_agency: dict[str, int]
    system_steps: int
    adapter_calls: int
    incidents: int
    retries: int
    handoffs: list[dict[str, Any]]
    waited_on: dict[str, float]  # party → working days with open work there
    elapsed_working_days: float
    citizen_wait_working_days: float
    deadline: str | None  # "20 working_days" or None when unknown
    due_at: str | None
    on_time: bool | None
    submissions: int = 1
    visits: int = 0
    payments: int = 0
    supplement_rounds: int = 0
    notices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def agency_working_days(self) -> float:
        return round(self.elapsed_working_days - self.citizen_wait_working_days, 3)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["agency_working_days"] = self.agency_working_days
        return out


class ModelMarks:
    """Each model's touchpoint marks (step id → kind), by content hash, at most ``size`` models.

    Versions are immutable and the key is their content, so a hit is always right; the XML is
    read only on a miss.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, content_hash: str, read_xml: Callable[[], bytes]) -> dict[str, str]:
        with self._lock:
            marks = self._items.get(content_hash)
            if marks is not None:
                self._items.move_to_end(content_hash)
                return marks
        marks = _touchpoint_marks(read_xml())
        with self._lock:
            self._items[content_hash] = marks
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return marks


class DossierAnalysis:
    @cached_property
    def model_marks(self) -> ModelMarks:
        """This engine's cache of the models' touchpoint marks (made on first use)."""
        return ModelMarks()

    def analyse_dossier(self: Engine, ref: str | int) -> DossierFigures:
        """Measure a dossier's intermediary steps from what was recorded about it."""
        now = self.clock.now()
        with self.db.read() as s:
            d: Dossier = self._find_dossier(s, ref)
            proc = s.get(Procedure, d.procedure_code)
            marks = _marks(self, s, [d.version_id])[d.version_id]
            rows = list(s.execute(select(TaskRow).where(TaskRow.dossier_id == d.id)).scalars())
            jobs = list(
                s.execute(select(ServiceJob).where(ServiceJob.dossier_id == d.id)).scalars()
            )
            events = self.history(d.id, session=s)
        return _figures(self.calendar, now, d, proc, marks, rows, jobs, events)

    def analyse_dossiers(self: Engine, ids: list[int]) -> list[DossierFigures]:
        """``analyse_dossier`` of each dossier in ``ids`` (in that order; unknown ids are
        left out), their rows read in a few statements instead of six per dossier: the
        dashboard's intermediary-step figures average fifty dossiers on every page view."""
        now = self.clock.now()
        with self.db.read() as s:
            found = s.execute(select(Dossier).where(Dossier.id.in_(ids))).scalars()
            dossiers = {d.id: d for d in found}
            codes = {d.procedure_code for d in dossiers.values()}
            procs = {
                p.code: p
                for p in s.execute(select(Procedure).where(Procedure.code.in_(codes))).scalars()
            }
            marks = _marks(self, s, sorted({d.version_id for d in dossiers.values()}))
            rows = _by_dossier(s, TaskRow, list(dossiers))
            jobs = _by_dossier(s, ServiceJob, list(dossiers))
            events = _by_dossier(s, AuditEvent, list(dossiers), order=AuditEvent.id)
        return [
            _figures(
                self.calendar,
                now,
                d,
                procs.get(d.procedure_code),
                marks[d.version_id],
                rows.get(d.id, []),
                jobs.get(d.id, []),
                events.get(d.id, []),
            )
            for d in (dossiers.get(i) for i in ids)
            if d is not None
        ]

    def analyse_procedure(self: Engine, code: str) -> ModelFigures:
        """Count the intermediary steps of a deployed procedure's current model."""
        from bpmn.analysis import analyse_model

        with self.db.read() as s:
            proc = s.get(Procedure, code)
            if proc is None or proc.current_version_id is None:
                raise UnknownProcedure(f"thủ tục {code} chưa được triển khai")
            version = s.get(ProcessVersion, proc.current_version_id)
            xml, process_id = version.bpmn_xml, version.process_id
            deadline = None
            if proc.deadline_amount is not None:
                deadline = (proc.deadline_amount, proc.deadline_unit or "working_days")
        figures = analyse_model(xml, process_id=process_id, deadline=deadline, code=code)
        figures.name = proc.name
        return figures

    def notices(self: Engine, ref: str | int) -> list[dict[str, Any]]:
        """The notices the citizen was given about this dossier, oldest first."""
        d = self.dossier(ref)
        return _notices(self.history(d.id))


def _marks(engine: Engine, s: Any, version_ids: list[int]) -> dict[int, dict[str, str]]:
    """Each version's touchpoint marks, from the engine's cache by content hash."""
    hashes = s.execute(
        select(ProcessVersion.id, ProcessVersion.content_hash).where(
            ProcessVersion.id.in_(version_ids)
        )
    ).all()

    def xml(version_id: int) -> Callable[[], bytes]:
        return lambda: s.execute(
            select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == version_id)
        ).scalar_one()

    return {vid: engine.model_marks.get(h, xml(vid)) for vid, h in hashes}


def _by_dossier(s: Any, model: Any, ids: list[int], order: Any = None) -> dict[int, list[Any]]:
    """The rows of ``model`` of each dossier in ``ids``."""
    stmt = select(model).where(model.dossier_id.in_(ids))
    out: dict[int, list[Any]] = {}
    for row in s.execute(stmt if order is None else stmt.order_by(order)).scalars():
        out.setdefault(row.dossier_id, []).append(row)
    return out


def _figures(
    cal: Any,
    now: datetime,
    d: Dossier,
    proc: Procedure | None,
    marks: dict[str, str],
    rows: list[TaskRow],
    jobs: list[ServiceJob],
    events: list[AuditEvent],
) -> DossierFigures:
    """One dossier's figures from its rows (no I/O)."""
    end = d.settled_at or d.finished_at or now
    people = sorted((r for r in rows if r.kind == "user"), key=lambda r: (r.created_at, r.id))
    done = [r for r in people if r.state == "completed"]
    by_agency: dict[str, int] = {}
    for r in done:
        by_agency[r.agency_code or "?"] = by_agency.get(r.agency_code or "?", 0) + 1
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for r in people:
        if r.state == "cancelled" and r.completed_at is None:
            continue
        party = CITIZEN if marks.get(r.bpmn_id) == "pay" else (r.agency_code or "?")
        spans.setdefault(party, []).append((r.created_at, r.completed_at or now))
    for j in jobs:
        stop = j.updated_at if j.state in ("done", "cancelled") else now
        spans.setdefault(j.operation.split(".")[0], []).append((j.created_at, stop))
    spans.setdefault(CITIZEN, []).extend(_pauses(events, now))
    waited = {p: round(_union_seconds(cal, iv) / cal.day_seconds, 3) for p, iv in spans.items()}
    deadline = None
    if proc is not None and proc.deadline_amount is not None:
        deadline = f"{proc.deadline_amount:g} {proc.deadline_unit or 'working_days'}"
    citizen_days = waited.get(CITIZEN, 0.0)
    return DossierFigures(
        code=d.code,
        procedure_code=d.procedure_code,
        status=d.status,
        received_at=d.received_at.isoformat(),
        ready_at=(d.settled_at or d.finished_at).isoformat()
        if (d.settled_at or d.finished_at)
        else None,
        human_steps=len(done),
        human_steps_by_agency=by_agency,
        system_steps=sum(1 for r in rows if r.kind == "service" and r.state == "completed"),
        adapter_calls=sum(j.attempts for j in jobs),
        incidents=sum(1 for e in events if e.action == "incident"),
        retries=sum(
            1 for e in events if e.action in ("service_retry", "service_retry_requested")
        ),  # fmt: skip
        handoffs=_handoffs(people),
        waited_on=waited,
        elapsed_working_days=round(cal.working_days_between(d.received_at, end), 3),
        citizen_wait_working_days=citizen_days,
        deadline=deadline,
        due_at=d.due_at.isoformat() if d.due_at else None,
        on_time=None if d.due_at is None else end <= d.due_at,
        submissions=1,
        visits=(d.channel == "counter")
        + sum(1 for r in done if marks.get(r.bpmn_id) in ("collect", "visit")),
        payments=sum(1 for r in done if marks.get(r.bpmn_id) == "pay"),
        supplement_rounds=sum(1 for e in events if e.action == "clock_paused"),
        notices=_notices(events),
    )


def _touchpoint_marks(xml: bytes) -> dict[str, str]:
    from bpmn.analysis import analyse_model  # lxml and the analysis load on the first miss

    try:
        return analyse_model(xml).touchpoint_steps
    except Exception:  # a model the static analysis cannot read still has its rows
        return {}


def _handoffs(people: list[TaskRow]) -> list[dict[str, Any]]:
    out = []
    for row in people:
        before = [
            p
            for p in people
            if p is not row and p.completed_at is not None and p.completed_at <= row.created_at
        ]
        if not before:
            continue
        prev = max(before, key=lambda p: (p.completed_at, p.created_at))
        if prev.agency_code != row.agency_code:
            out.append({"from": prev.agency_code, "to": row.agency_code,
                        "from_step": prev.bpmn_id, "to_step": row.bpmn_id,
                        "at": row.created_at.isoformat()})  # fmt: skip
    return out


def _pauses(events: list[AuditEvent], now: datetime) -> list[tuple[datetime, datetime]]:
    out, started = [], None
    for e in events:
        if e.action == "clock_paused" and started is None:
            started = e.at
        elif e.action == "clock_resumed" and started is not None:
            out.append((started, e.at))
            started = None
    if started is not None:
        out.append((started, now))
    return out


def _union_seconds(cal: Any, intervals: list[tuple[datetime, datetime]]) -> float:
    """Working seconds covered by the intervals, overlaps counted once."""
    total, cur = 0.0, None
    for a, b in sorted((a, b) for a, b in intervals if b > a):
        if cur is None or a > cur[1]:
            if cur is not None:
                total += cal.working_seconds_between(*cur)
            cur = [a, b]
        else:
            cur[1] = max(cur[1], b)
    if cur is not None:
        total += cal.working_seconds_between(*cur)
    return total


def _notices(events: list[AuditEvent]) -> list[dict[str, Any]]:
    return [
        {"id": e.detail.get("notice"), "at": e.at.isoformat(), **e.detail}
        for e in events
        if e.action == "citizen_notice"
    ]
