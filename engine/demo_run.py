"""Push demo dossiers through the engine with simulated officers, on a manual clock.

A discrete-event simulation: dossiers arrive during working hours, each officer acts on a
task some working time after it opens, the clock jumps to the next thing that happens and
``tick`` runs at every jump, as the scheduler would. Each dossier follows a plan drawn from
the seed (refusal, supplementation rounds, an officer who lets it run late), so a seed gives
the same counts every time. The report says, in Vietnamese, what happened and how fast the
engine went.
"""

from __future__ import annotations

import random
import time as wall
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .codes import VN_TZ
from .demo import DemoProcedure, DemoWorld, load_world
from .errors import InvalidInput, LienThongError, UnknownProcedure
from .lifecycle import FINAL

if TYPE_CHECKING:
    from .clock import ManualClock
    from .models import TaskRow
    from .runtime import Engine

CHANNELS = ("counter", "counter", "online", "online", "post")
#: Share of the time left before the due date an officer takes on each step (min, max).
PACE = {
    "receive": (0.01, 0.05),
    "appraise": (0.10, 0.35),
    "approve": (0.05, 0.20),
    "return_result": (0.05, 0.30),
}
MIN_WORK_S = 120.0
#: Shares of the demo dossiers that are refused, sent back for supplements, or let run late.
REFUSED_SHARE, SUPPLEMENT_SHARE, LATE_SHARE = 0.10, 0.20, 0.10


@dataclass(frozen=True)
class Plan:
    """What will happen to one demo dossier."""

    index: int
    procedure: DemoProcedure
    agency: str
    channel: str
    refuse_at: str | None  # receive | appraise | approve | None
    supplements: int
    late: bool


@dataclass
class DemoReport:
    dossiers: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_procedure: dict[str, int] = field(default_factory=dict)
    on_time: int = 0
    late: int = 0
    unfinished: int = 0
    supplement_rounds: int = 0
    refusals: int = 0
    apologies: int = 0
    tasks_completed: int = 0
    steps: int = 0
    ticks: int = 0
    errors: list[str] = field(default_factory=list)
    simulated_from: str = ""
    simulated_to: str = ""
    elapsed_s: float = 0.0
    dossiers_per_s: float = 0.0
    codes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        """Render the summary for people, in Vietnamese (status and outcome stay as codes)."""

        def counts(c: dict[str, int]) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "-"

        rows = [
            ("hồ sơ", f"{self.dossiers} ({counts(self.by_procedure)})"),
            ("trạng thái", counts(self.by_status)),
            ("kết quả", counts(self.by_outcome)),
            ("đúng hạn", f"{self.on_time}; trễ hạn {self.late}; chưa xong {self.unfinished}"),
            ("bổ sung", f"{self.supplement_rounds} lượt; từ chối {self.refusals}; "
             f"thư xin lỗi {self.apologies}"),
            ("công việc", f"{self.tasks_completed} bước xử lý hoàn thành, {self.steps} lượt "
             f"chạy quy trình, {self.ticks} lần tick"),
            ("mô phỏng", f"{self.simulated_from} → {self.simulated_to}"),
            ("thời gian", f"{self.elapsed_s:.2f} giây, {self.dossiers_per_s:.1f} hồ sơ/giây"),
            *(("lỗi", e) for e in self.errors),
        ]  # fmt: skip
        return "\n".join(f"{label:<14}{value}" for label, value in rows)


def default_start(engine: Engine, today: date | None = None) -> datetime:
    """Start the simulation at 07:30 on the first working day two weeks before ``today``."""
    day = (today or datetime.now(VN_TZ).date()) - timedelta(days=14)
    while not engine.calendar.is_working_day(day):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 7, 30, tzinfo=VN_TZ)


def run(
    engine: Engine,
    clock: ManualClock,
    *,
    dossiers: int,
    seed: int = 0,
    world: DemoWorld | None = None,
) -> DemoReport:
    """Submit ``dossiers`` demo dossiers and work them to the end; return the summary."""
    sim = _Simulation(engine, clock, world or load_world(), seed)
    started = wall.perf_counter()
    sim.run(dossiers)
    report = sim.report()
    report.elapsed_s = round(wall.perf_counter() - started, 3)
    report.dossiers_per_s = round(dossiers / report.elapsed_s, 2) if report.elapsed_s else 0.0
    return report


class _Simulation:
    def __init__(self, engine: Engine, clock: ManualClock, world: DemoWorld, seed: int) -> None:
        self.engine, self.clock, self.world, self.seed = engine, clock, world, seed
        self.start = clock.now()
        self.plans: dict[int, Plan] = {}  # dossier id -> plan
        self.codes: dict[int, str] = {}
        self.ready: dict[str, tuple[datetime, int, str]] = {}  # task id -> (when, index, step)
        self.seen: set[str] = set()
        self.occurrences: Counter[tuple[int, str]] = Counter()
        self.supplements_done: Counter[int] = Counter()
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []

    # -- the event loop ----------------------------------------------------------------
    def run(self, n: int) -> None:
        if not self.world.procedures:
            raise LienThongError("thế giới demo chưa có thủ tục nào")
        arrivals = self._arrivals(n)
        guard = 40 * n + 100
        while (arrivals or self.ready) and guard:
            guard -= 1
            nxt = min([a[0] for a in arrivals[:1]] + [r[0] for r in self.ready.values()])
            now = max(self.clock.now(), nxt)
            self.clock.set(now)
            self.counts["ticks"] += 1
            if self.engine.tick(now).get("bpmn"):  # a BPMN timer may have opened tasks
                self._refresh_all()
            while arrivals and arrivals[0][0] <= now:
                _, plan = arrivals.pop(0)
                self._submit(plan)
            due = sorted(
                (when, index, step, task_id)
                for task_id, (when, index, step) in self.ready.items()
                if when <= now
            )
            for _when, _index, _step, task_id in due:
                self.ready.pop(task_id, None)
                self._work(task_id)
        if not guard:
            self.errors.append("mô phỏng dừng lại vì đã chạy hết số vòng cho phép")

    def _arrivals(self, n: int) -> list[tuple[datetime, Plan]]:
        cal, at, out = self.engine.calendar, self.start, []
        traits = _traits(n, self.seed)
        for i in range(n):
            r = random.Random(f"{self.seed}:{i}")
            proc = r.choice(self.world.procedures)
            plan = Plan(
                index=i,
                procedure=proc,
                agency=r.choice(proc.receiving),
                channel=r.choice(CHANNELS),
                refuse_at=traits["refuse"].get(i),
                supplements=traits["supplements"].get(i, 0),
                late=i in traits["late"],
            )
            at = cal.add_working_seconds(at, r.uniform(5, 45) * 60)
            out.append((at, plan))
        return out

    def _submit(self, plan: Plan) -> None:
        officer = self.world.officer("one_stop_officer", plan.agency)
        try:
            d = self.engine.submit(
                plan.procedure.code,
                applicant={"full_name": f"Công dân demo {plan.index + 1}"},
                data={"demo": True},
                channel=plan.channel,
                agency_code=plan.agency,
                actor=officer,
            )
        except (UnknownProcedure, InvalidInput) as exc:
            raise type(exc)(f"{exc}: hãy chạy `lienthong demo seed` trước") from exc
        self.plans[d.id], self.codes[d.id] = plan, d.code
        self._refresh([d.code])

    def _refresh(self, codes: list[str]) -> None:
        """Find tasks that opened and decide when their officer will act on them."""
        for code in codes:
            for row in self.engine.list_tasks(dossier_code=code, limit=1000):
                self._schedule(row)

    def _schedule(self, row: TaskRow) -> None:
        if row.id not in self.seen and row.kind == "user":
            self.seen.add(row.id)
            plan = self.plans[row.dossier_id]
            self.ready[row.id] = (self._ready_at(plan, row), plan.index, row.bpmn_id)

    def _refresh_all(self) -> None:
        for row in self.engine.list_tasks(limit=1_000_000):
            if row.dossier_id in self.plans:
                self._schedule(row)

    def _ready_at(self, plan: Plan, row: TaskRow) -> datetime:
        cal, now = self.engine.calendar, self.clock.now()
        nth = self.occurrences[(plan.index, row.bpmn_id)]
        self.occurrences[(plan.index, row.bpmn_id)] += 1
        r = random.Random(f"{self.seed}:{plan.index}:{row.bpmn_id}:{nth}")
        if row.bpmn_id == "supplement":  # the citizen brings the missing papers
            return cal.add_working_seconds(now, r.uniform(0.5, 2.0) * cal.day_seconds)
        due = self.engine.dossier(row.dossier_id).due_at
        left = max(cal.working_seconds_between(now, due), 0.0) if due else cal.day_seconds
        last_appraisal = nth >= plan.supplements
        if row.bpmn_id == "appraise" and plan.late and last_appraisal:
            return cal.add_working_seconds(now, left + r.uniform(1, 6) * 3600)
        low, high = PACE.get(row.bpmn_id, (0.02, 0.10))
        return cal.add_working_seconds(now, max(MIN_WORK_S, r.uniform(low, high) * left))

    # -- what an officer does ------------------------------------------------------------
    def _work(self, task_id: str) -> None:
        e = self.engine
        row = e.task(task_id)
        if row.state != "open":
            return
        plan = self.plans[row.dossier_id]
        user = self.world.officer(row.role, row.agency_code)
        try:
            e.claim(task_id, user=user)
            self._act(row, plan, user)
        except LienThongError as exc:
            self.errors.append(f"{self.codes[row.dossier_id]} {row.bpmn_id}: {exc}")
            return
        self.counts["tasks"] += 1
        self._refresh([self.codes[row.dossier_id]])

    def _act(self, row: TaskRow, plan: Plan, user: str) -> None:
        e, step, today = self.engine, row.bpmn_id, self.clock.now().astimezone(VN_TZ).date()
        if step in ("receive", "approve", "appraise") and plan.refuse_at == step:
            if step != "appraise" or self.supplements_done[plan.index] >= plan.supplements:
                e.refuse(row.id, user=user, reasons=[_REASONS[step]])
                self.counts["refusals"] += 1
                return
        if step == "appraise" and self.supplements_done[plan.index] < plan.supplements:
            self.supplements_done[plan.index] += 1
            self.counts["supplements"] += 1
            e.request_supplementation(row.id, user=user, missing=["Bản sao giấy tờ tùy thân"])
            return
        if step == "supplement":
            e.supplement(row.id, user=user, data={"supplemented_documents": ["Bản sao CCCD"]})
            return
        data: dict[str, Any] = {}
        if step == "appraise":
            data = {"opinion": "Hồ sơ đầy đủ, hợp lệ; đề nghị phê duyệt."}
        elif step == "approve":
            data = {"opinion": "Đồng ý.", "signed_on": today.isoformat()}
        elif step == "apology_letter":
            self.counts["apologies"] += 1
            new_due = e.calendar.due_date(self.clock.now(), 1, "working_days")
            data = {
                "delay_reason": "Cần xác minh thêm thông tin với cơ quan liên quan.",
                "new_due_date": new_due.astimezone(VN_TZ).date().isoformat(),
            }
        e.complete(row.id, user=user, data=data)

    # -- the summary ---------------------------------------------------------------------
    def report(self) -> DemoReport:
        rep = DemoReport(dossiers=len(self.plans))
        status, outcome, procs = Counter(), Counter(), Counter()
        for dossier_id in self.plans:
            d = self.engine.dossier(dossier_id)
            status[d.status] += 1
            outcome[d.outcome or "-"] += 1
            procs[d.procedure_code] += 1
            rep.steps += d.step_count
            finished = d.status in FINAL
            late = d.late or bool(d.settled_at and d.due_at and d.settled_at > d.due_at)
            if late:
                rep.late += 1
            elif finished:
                rep.on_time += 1
            if not finished:
                rep.unfinished += 1
        rep.by_status, rep.by_outcome, rep.by_procedure = dict(status), dict(outcome), dict(procs)
        rep.supplement_rounds = self.counts["supplements"]
        rep.refusals, rep.apologies = self.counts["refusals"], self.counts["apologies"]
        rep.tasks_completed, rep.ticks = self.counts["tasks"], self.counts["ticks"]
        rep.errors = list(self.errors)
        rep.simulated_from = self.start.astimezone(VN_TZ).isoformat(timespec="minutes")
        rep.simulated_to = self.clock.now().astimezone(VN_TZ).isoformat(timespec="minutes")
        rep.codes = [self.codes[i] for i in sorted(self.codes)]
        return rep


def _traits(n: int, seed: int) -> dict[str, Any]:
    """Pick which dossiers get refused, sent back or left late: fixed shares of ``n``."""
    r = random.Random(f"{seed}:traits")

    def pick(share: float, at_least_from: int) -> list[int]:
        k = max(round(share * n), 1 if n >= at_least_from else 0)
        return r.sample(range(n), k)

    refused = pick(REFUSED_SHARE, 5)
    stages = ("receive", "appraise", "approve")
    return {
        "refuse": {i: stages[j % 3] for j, i in enumerate(refused)},
        "supplements": {i: 1 + j % 2 for j, i in enumerate(pick(SUPPLEMENT_SHARE, 4))},
        "late": set(pick(LATE_SHARE, 3)),
    }


_REASONS = {
    "receive": "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan tiếp nhận.",
    "appraise": "Người yêu cầu không đủ điều kiện theo quy định.",
    "approve": "Không đủ căn cứ pháp lý để cấp kết quả.",
}
