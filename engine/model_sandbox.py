"""Test-run a model before it is deployed: a throw-away engine, simulators, no real dossier.

A designer gives a draft and a scenario (which step, which data, which decision); the model
is deployed to a fresh SQLite database in a temporary directory, a dossier is submitted and
walked through the scenario by a sandbox officer who holds every role, with the registries'
simulators on their own temporary databases. The answer says how far it got, which path it
took (the completed elements, and the branch each gateway chose), the service calls made,
and, if a step failed, the engine's message — nothing outside the temporary directory is
touched, and it is deleted afterwards.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .errors import InvalidInput, LienThongError

SANDBOX_AGENCY = "SANDBOX"
SANDBOX_USER = "sandbox"
ALL_ROLES = ["one_stop_officer", "specialist", "head_of_unit", "leader"]
ACTIONS = ("complete", "refuse", "supplement", "submit_supplement")
#: A working Wednesday morning in Vietnam, so same-day deadlines behave as at a counter.
DEFAULT_START = datetime(2026, 11, 25, 8, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@dataclass(frozen=True)
class ScenarioStep:
    """Act on the open step `step` (its BPMN id) with `data`; `action` as at the counter."""

    step: str
    data: dict[str, Any] = field(default_factory=dict)
    action: str = "complete"  # complete | refuse | supplement | submit_supplement


@dataclass
class PathElement:
    bpmn_id: str
    name: str
    kind: str


@dataclass
class SandboxRun:
    """What a test-run did: `ok` when every scenario step ran; `error` says where it stopped."""

    ok: bool
    status: str
    path: list[PathElement] = field(default_factory=list)
    branches: dict[str, list[str]] = field(default_factory=dict)  # gateway → chosen targets
    open_steps: list[str] = field(default_factory=list)
    service_calls: list[dict[str, Any]] = field(default_factory=list)
    steps_run: int = 0
    error: str | None = None
    error_fields: dict[str, Any] = field(default_factory=dict)


def run_scenario(
    bpmn: bytes,
    scenario: list[ScenarioStep],
    *,
    applicant: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    deadline: tuple[float, str] = (10, "working_days"),
    service_caller: Callable[..., Any] | None = None,
    start: datetime = DEFAULT_START,
    forms: dict[str, Any] | None = None,
) -> SandboxRun:
    """Deploy `bpmn` in a sandbox, submit one dossier and play `scenario`; never raises for
    a model or scenario problem (it is reported in the result). `forms` are the draft's own
    eForms (id → ``{"schema", "ui"}``), found before the published ones."""
    for item in scenario:
        if not isinstance(item, ScenarioStep) or item.action not in ACTIONS:
            raise InvalidInput(f"bước kịch bản {item!r}: hành động phải là một trong {ACTIONS}")
    with tempfile.TemporaryDirectory(prefix="lienthong-sandbox-") as tmp:
        caller, close = (service_caller, None) if service_caller else _simulators(Path(tmp) / "s")
        try:
            return _run(Path(tmp), bpmn, scenario, applicant, data, deadline, caller, start,
                        forms or {})  # fmt: skip
        finally:
            if close is not None:
                close()


def _run(tmp, bpmn, scenario, applicant, data, deadline, caller, start, forms) -> SandboxRun:
    from .clock import ManualClock
    from .runtime import Engine
    from .settings import load

    engine = Engine(
        # Service tasks run here, in this process: never on workers bound to another database.
        load({"database_url": f"sqlite:///{tmp / 'sandbox.sqlite'}", "executor": "inprocess"}),
        clock=ManualClock(start),
        service_caller=caller,
    )
    evaluated = _record_conditions(engine)
    try:
        engine.create_schema()
        engine.ensure_agency(SANDBOX_AGENCY, "Cơ quan thử nghiệm (sandbox)")
        engine.ensure_user(SANDBOX_USER, "Cán bộ thử nghiệm", SANDBOX_AGENCY, ALL_ROLES)
        try:
            if forms:
                _use_forms(engine, tmp / "forms", forms)
            engine.deploy("SANDBOX", bpmn, name="Chạy thử", deadline=deadline, actor=SANDBOX_USER)
            dossier = engine.submit(
                "SANDBOX",
                applicant=applicant or {"full_name": "Nguyễn Văn Thử"},
                data=data or {},
                agency_code=SANDBOX_AGENCY,
                actor=SANDBOX_USER,
            )
        except LienThongError as exc:
            return SandboxRun(False, "not_started", error=str(exc), error_fields=_fields(exc))
        result = SandboxRun(True, "")
        for item in scenario:
            try:
                _act(engine, dossier.code, item)
            except LienThongError as exc:
                result.ok = False
                result.error = f"{item.step}: {exc}"
                result.error_fields = _fields(exc)
                break
            result.steps_run += 1
        _describe(engine, dossier.id, dossier.code, result, bpmn, evaluated)
        return result
    finally:
        engine.db.dispose()


def _use_forms(engine: Any, directory: Path, forms: dict[str, Any]) -> None:
    """Let this sandbox engine find the draft's eForms first (published only on deploy)."""
    from forms.builder import save_form
    from forms.registry import default_search_path, form_from_dict

    for form_id, raw in forms.items():
        save_form(form_from_dict(form_id, raw), directory)
    engine.form_search_path = lambda: [directory, *default_search_path()]


def _record_conditions(engine: Any) -> list[tuple[str, str, bool]]:
    """Note every condition this sandbox engine evaluates at a gateway, with its value.

    Only this throw-away engine's script engine is wrapped (an instance attribute): the
    engine keeps no finished history, so this is how the test-run knows each branch taken.
    """
    evaluated: list[tuple[str, str, bool]] = []
    script_engine = engine.script_engine
    original = script_engine.evaluate

    def evaluate(task: Any, expression: str, *args: Any, **kwargs: Any) -> Any:
        value = original(task, expression, *args, **kwargs)
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id and "Gateway" in type(task.task_spec).__name__:
            evaluated.append((bpmn_id, expression, bool(value)))
        return value

    script_engine.evaluate = evaluate
    return evaluated


def _act(engine: Any, code: str, item: ScenarioStep) -> None:
    rows = [t for t in engine.list_tasks(dossier_code=code) if t.bpmn_id == item.step]
    if not rows:
        open_now = sorted(t.bpmn_id for t in engine.list_tasks(dossier_code=code))
        raise InvalidInput(f"bước chưa mở (đang mở: {', '.join(open_now) or 'không có'})")
    row = rows[0]
    if row.assignee is None:
        engine.claim(row.id, user=SANDBOX_USER)
    if item.action == "refuse":
        reasons = item.data.get("reasons") or ["Chạy thử: từ chối"]
        engine.refuse(row.id, user=SANDBOX_USER, reasons=reasons)
    elif item.action == "supplement":
        missing = item.data.get("missing") or ["Chạy thử: giấy tờ còn thiếu"]
        engine.request_supplementation(row.id, user=SANDBOX_USER, missing=missing)
    elif item.action == "submit_supplement":
        engine.supplement(row.id, user=SANDBOX_USER, data=dict(item.data))
    else:
        engine.complete(row.id, user=SANDBOX_USER, data=dict(item.data))


ACTIVITIES = {"userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
              "task", "businessRuleTask", "callActivity"}  # fmt: skip
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}


def _reached(engine: Any, dossier_id: int) -> list[str]:
    """The steps done, in order: officers' completions and finished service calls (audit)."""
    steps = []
    for event in engine.history(dossier_id):
        detail = event.detail or {}
        if event.action == "complete" and detail.get("step"):
            steps.append(detail["step"])
        elif event.action in ("service_done", "partner_refused") and event.task_id:
            steps.append(engine.task(event.task_id).bpmn_id)
    return steps


class _Graph:
    """The model's flow graph, with subprocesses entered at their start and left at their end.

    The engine keeps no finished history, so the branches a dossier took are found again
    here: between two steps done one after the other, the shortest way through gateways and
    events (never through another step) says which way each gateway went.
    """

    def __init__(self, bpmn: bytes) -> None:
        from .model_diff import BPMN
        from .xml_safety import parse_xml

        root = parse_xml(bpmn)
        self.kind: dict[str, str] = {}
        self.name: dict[str, str] = {}
        self.parent: dict[str, str | None] = {}
        self.out: dict[str, list[str]] = {}
        self.starts: dict[str | None, list[str]] = {}
        self.conditions: dict[tuple[str, str], str] = {}  # (gateway, condition) → target
        self.default: dict[str, str] = {}  # gateway → target of its default flow
        defaults: dict[str, str] = {}
        for process in root.iter(f"{BPMN}process"):
            for el in process.iter():
                if not isinstance(el.tag, str) or not el.tag.startswith(BPMN) or not el.get("id"):
                    continue
                kind, eid = el.tag[len(BPMN) :], el.get("id")
                container = next(
                    (a.get("id") for a in el.iterancestors() if a.tag[len(BPMN) :] in CONTAINERS),
                    None,
                )
                if kind == "sequenceFlow":
                    source, target = el.get("sourceRef"), el.get("targetRef")
                    self.out.setdefault(source, []).append(target)
                    condition = el.find(f"{BPMN}conditionExpression")
                    if condition is not None and (condition.text or "").strip():
                        self.conditions[(source, _squash(condition.text))] = target
                    defaults[eid] = target
                    continue
                if el.get("default"):
                    self.default[eid] = el.get("default")
                self.kind[eid], self.name[eid], self.parent[eid] = (
                    kind,
                    el.get("name") or "",
                    container,
                )
                if kind == "startEvent":
                    self.starts.setdefault(container, []).append(eid)
                if kind == "boundaryEvent" and el.get("attachedToRef"):
                    self.out.setdefault(el.get("attachedToRef"), []).append(eid)

        self.default = {g: defaults[f] for g, f in self.default.items() if f in defaults}

    def is_gateway(self, node: str | None) -> bool:
        return bool(node) and self.kind.get(node, "").endswith("Gateway")

    def next(self, node: str) -> list[str]:
        found = []
        for target in self.out.get(node, []):
            if self.kind.get(target) in CONTAINERS:
                found += self.starts.get(target, [])
            else:
                found.append(target)
        if self.kind.get(node) == "endEvent" and self.parent.get(node):
            found += self.next(self.parent[node])  # leaving the subprocess
        return found

    def way(self, source: str, target: str | None, taken: dict[str, list]) -> list[str]:
        """Nodes from `source` to `target` (or to an end event when None), shortest first.

        At a gateway whose decision was recorded, only the branch it took is followed.
        """
        queue, back = [source], {source: None}
        while queue:
            node = queue.pop(0)
            done = node == target or (
                target is None and self.kind.get(node) == "endEvent" and not self.parent.get(node)
            )
            if done and node != source:
                path = [node]
                while back[path[-1]] is not None:
                    path.append(back[path[-1]])
                return path[::-1]
            if node != source and self.kind.get(node) in ACTIVITIES:
                continue
            options = self.next(node)
            if taken.get(node):
                options = [n for n in options if n in taken[node][0]] or options
            for nxt in options:
                if nxt not in back:
                    back[nxt] = node
                    queue.append(nxt)
        return [source]


def _describe(engine: Any, dossier_id: int, code: str, result: SandboxRun, bpmn: bytes,
              evaluated: list[tuple[str, str, bool]]) -> None:  # fmt: skip
    graph = _Graph(bpmn)
    taken = _decisions(graph, evaluated)
    for gateway, visits in taken.items():
        result.branches[gateway] = [t for visit in visits for t in visit]
    dossier = engine.dossier(dossier_id)
    result.status = dossier.status
    result.open_steps = sorted(t.bpmn_id for t in engine.list_tasks(dossier_code=code))
    stops = graph.starts.get(None, [])[:1] + _reached(engine, dossier_id)
    tail = result.open_steps[:1] or ([None] if dossier.finished_at is not None else [])
    nodes: list[str] = stops[:1]
    for a, b in zip(stops, stops[1:] + tail, strict=False):
        way = graph.way(a, b, taken)
        for node in way:
            if taken.get(node) and len(taken[node]) > 1:
                taken[node].pop(0)  # this visit is used; a loop's next visit comes next
        nodes += way[1:]
    if result.open_steps and nodes and nodes[-1] == result.open_steps[0]:
        nodes.pop()  # still open: not part of the path yet
    result.path = [PathElement(n, graph.name.get(n, ""), graph.kind.get(n, "")) for n in nodes]
    result.service_calls = [
        {"operation": j.operation, "state": j.state, "error": j.last_error}
        for j in engine.dossier_view(code).jobs
    ]


def _decisions(graph: _Graph, evaluated: list[tuple[str, str, bool]]) -> dict[str, list]:
    """Turn the conditions the engine evaluated into each gateway's branch, per visit.

    An exclusive gateway takes the first flow whose condition held, else its default; an
    inclusive one every flow whose condition held (else the default).
    """
    taken: dict[str, list[list[str]]] = {}
    pending: dict[str, list[str]] = {}
    checked: dict[str, int] = {}
    conditional = {g: sum(1 for (src, _) in graph.conditions if src == g) for g in graph.kind}

    def close(gateway: str) -> None:
        chosen = pending.pop(gateway, [])
        checked.pop(gateway, None)
        if not chosen and gateway in graph.default:
            chosen = [graph.default[gateway]]
        taken.setdefault(gateway, []).append(chosen)

    for gateway, expression, value in evaluated:
        target = graph.conditions.get((gateway, _squash(expression)))
        if target is None:
            continue
        checked[gateway] = checked.get(gateway, 0) + 1
        if value:
            pending.setdefault(gateway, []).append(target)
        exclusive = graph.kind.get(gateway) == "exclusiveGateway"
        if (exclusive and value) or checked[gateway] >= conditional[gateway]:
            close(gateway)
    for gateway in list(checked):
        close(gateway)
    return taken


def _squash(text: str) -> str:
    return " ".join(str(text).split())


def _fields(exc: Exception) -> dict[str, Any]:
    errors = getattr(exc, "errors", None) or getattr(exc, "findings", None)
    return errors if isinstance(errors, dict) else ({"model": errors} if errors else {})


def _simulators(data_dir: Path) -> tuple[Callable[..., Any], Callable[[], None]]:
    """A caller on a registry of its own (embedded simulators seeded in `data_dir`)."""
    from adapters.registry import Registry

    registry = Registry.from_entry_points({"LIENTHONG_ADAPTERS_MODE": "inprocess"})

    def call(operation: str, params: dict, *, idempotency_key: str | None = None) -> Any:
        adapter = registry.adapters.get(operation.partition(".")[0])
        if adapter is not None and hasattr(adapter, "simulator"):
            adapter.simulator(data_dir=str(data_dir))  # built once, inside the sandbox
        return registry.call(operation, params, idempotency_key=idempotency_key)

    def close() -> None:
        for adapter in registry.adapters.values():
            getattr(adapter, "close", lambda: None)()

    return call, close
