"""Count a procedure model's intermediary steps: what the citizen does, who hands work to whom.

Static analysis of one BPMN process along its **happy path** — the path a dossier takes when
every decision is "complete": exclusive gateways follow their default flow (else their only
or first flow), parallel gateways all flows, embedded subprocesses are entered, boundary
events (late timers) are not taken. On that path it counts:

- citizen touchpoints: submissions, visits (at the counter: submitting, collecting a
  result, any ``lt:touchpoint="visit"``), payments, documents handed over (the required
  ``documents`` of the submission's receive form) and among them results of another
  procedure the citizen must carry (documents marked ``"x-result-of"``);
- steps done by people (user and manual tasks) and by systems (service and script tasks);
- inter-agency hand-offs: a person's step followed (through gateways and system steps) by a
  person's step of another agency (lanes' ``lt:agency``); and the exchanges with external
  systems (the adapter operations called);
- who waits on whom at each parallel join.

Models without ``lt:touchpoint`` marks (the catalogue's, the standard template) are read by
the template's ids: ``receive`` is the submission, ``return_result`` the collection.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from bpmn.lint import NS
from bpmn.lint_rules import lanes_by_node
from engine.errors import InvalidModel
from engine.xml_safety import parse_xml

LT = "urn:lienthong:bpmn:1"
HUMAN = frozenset({"userTask", "manualTask"})
SYSTEM = frozenset({"serviceTask", "scriptTask", "businessRuleTask", "sendTask"})
FALLBACK_TOUCHPOINTS = {"receive": "submit", "return_result": "collect"}


@dataclass
class Touchpoints:
    submissions: int = 0
    visits: int = 0
    payments: int = 0
    documents: int | None = 0  # None: a submission form could not be read
    carried_results: int = 0
    document_names: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)  # "name (from procedure code)"

    @property
    def total(self) -> int | None:
        if self.documents is None:
            return None
        return self.submissions + self.visits + self.payments + self.documents


@dataclass
class Handoff:
    source: str  # agency key
    target: str
    from_step: str
    to_step: str


@dataclass
class ModelFigures:
    process_id: str
    name: str
    touchpoints: Touchpoints
    human_steps: list[str]
    system_steps: list[str]
    handoffs: list[Handoff]
    external_exchanges: list[str]  # adapter operations on the happy path
    waits: list[dict[str, Any]]  # parallel joins: who waits on whom
    agencies: list[str]  # agency keys that do a person's step on the happy path
    deadline: tuple[float, str] | None = None
    deadline_note: str = ""
    model_human_steps: int = 0  # all user/manual tasks in the model, any path
    model_system_steps: int = 0
    code: str | None = None
    touchpoint_steps: dict[str, str] = field(default_factory=dict)  # task id → kind

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["touchpoints"]["total"] = self.touchpoints.total
        out["deadline"] = list(self.deadline) if self.deadline else None
        return out


class _Graph:
    """The happy-path edges of one process, subprocesses flattened into their parent."""

    def __init__(self, tree: Any, process: Any) -> None:
        self.nodes: dict[str, Any] = {}
        self.out: dict[str, list[Any]] = {}
        for el in process.iter():
            if not isinstance(el.tag, str) or el is process:
                continue
            kind = _local(el)
            if kind == "sequenceFlow":
                self.out.setdefault(el.get("sourceRef"), []).append(el)
            elif el.get("id") and kind not in ("laneSet", "lane", "incoming", "outgoing"):
                self.nodes[el.get("id")] = el
        self.lane_of = lanes_by_node(tree)

    def kind(self, nid: str) -> str:
        return _local(self.nodes[nid]) if nid in self.nodes else ""

    def agency(self, nid: str) -> str:
        lane = self.lane_of.get(nid)
        return (lane.get(f"{{{LT}}}agency") if lane is not None else None) or "receiving"

    def following(self, nid: str) -> list[str]:
        """Where the happy path goes after ``nid``."""
        el, kind = self.nodes[nid], self.kind(nid)
        if kind in ("subProcess", "transaction"):
            return [c.get("id") for c in el if isinstance(c.tag, str) and _local(c) == "startEvent"]
        flows = self.out.get(nid, [])
        if kind == "endEvent" and _local(el.getparent()) in ("subProcess", "transaction"):
            return self.following_after(el.getparent().get("id"))
        if kind in ("exclusiveGateway", "inclusiveGateway", "eventBasedGateway") and len(flows) > 1:
            default = el.get("default")
            chosen = [f for f in flows if f.get("id") == default] or [
                f for f in flows if f.find("bpmn:conditionExpression", NS) is None
            ] or flows[:1]  # fmt: skip
            return [chosen[0].get("targetRef")]
        return [f.get("targetRef") for f in flows]

    def following_after(self, nid: str) -> list[str]:
        return [f.get("targetRef") for f in self.out.get(nid, [])]

    def happy_path(self, start: str) -> list[str]:
        seen, order, queue = {start}, [start], deque([start])
        while queue:
            for nxt in self.following(queue.popleft()):
                if nxt in self.nodes and nxt not in seen:
                    seen.add(nxt)
                    order.append(nxt)
                    queue.append(nxt)
        return order


def _local(el: Any) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def analyse_model(
    xml: bytes,
    *,
    process_id: str | None = None,
    deadline: tuple[float, str] | None = None,
    deadline_note: str = "",
    code: str | None = None,
    forms_search_path: list | None = None,
) -> ModelFigures:
    """Return the intermediary-step figures of one process of a BPMN model."""
    tree = parse_xml(xml)
    process = _process(tree, process_id)
    g = _Graph(tree, process)
    starts = [c.get("id") for c in process if isinstance(c.tag, str) and _local(c) == "startEvent"]
    if not starts:
        raise InvalidModel(f"process {process.get('id')!r} has no start event")
    path = g.happy_path(starts[0])
    on_path = set(path)
    human = [n for n in path if g.kind(n) in HUMAN]
    system = [n for n in path if g.kind(n) in SYSTEM]
    marks = {n: _touchpoint(g.nodes[n]) for n in human}
    marks = {n: k for n, k in marks.items() if k}
    touch = _touchpoints(g, marks, forms_search_path)
    return ModelFigures(
        process_id=process.get("id"),
        name=process.get("name") or process.get("id"),
        touchpoints=touch,
        human_steps=human,
        system_steps=system,
        handoffs=_handoffs(g, human, on_path),
        external_exchanges=[op for n in system if (op := _operation(g.nodes[n]))],
        waits=_waits(g, path, on_path),
        agencies=list(dict.fromkeys(g.agency(n) for n in human)),
        deadline=deadline,
        deadline_note=deadline_note,
        model_human_steps=sum(g.kind(n) in HUMAN for n in g.nodes),
        model_system_steps=sum(g.kind(n) in SYSTEM for n in g.nodes),
        code=code,
        touchpoint_steps=marks,
    )


def _process(tree: Any, process_id: str | None) -> Any:
    processes = tree.findall("bpmn:process", NS)
    if process_id:
        processes = [p for p in processes if p.get("id") == process_id]
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    if not executable:
        raise InvalidModel(f"no process {process_id or ''} in the model".replace("  ", " "))
    return executable[0]


def _touchpoint(el: Any) -> str | None:
    return el.get(f"{{{LT}}}touchpoint") or FALLBACK_TOUCHPOINTS.get(el.get("id"))


def _touchpoints(g: _Graph, marks: dict[str, str], search_path: list | None) -> Touchpoints:
    t = Touchpoints()
    for nid, kind in marks.items():
        if kind == "submit":
            t.submissions += 1
            t.visits += 1
            names, carried = _form_documents(g.nodes[nid].get(f"{{{LT}}}form"), search_path)
            if names is None or t.documents is None:
                t.documents = None
            else:
                t.documents += len(names)
                t.document_names += names
                t.carried += carried
        elif kind in ("collect", "visit"):
            t.visits += 1
        elif kind == "pay":
            t.payments += 1
    t.carried_results = len(t.carried)
    return t


def _form_documents(form_id: str | None, search_path: list | None) -> tuple:
    """Return (required documents, carried results) of a receive form; (None, []) if unknown.

    Unknown: no form, a form that cannot be loaded, or one without a ``documents`` object.
    """
    if not form_id:
        return None, []
    from engine.errors import LienThongError
    from forms.registry import load_form

    try:
        schema = load_form(form_id, search_path=search_path).schema
    except LienThongError:
        return None, []
    docs = (schema.get("properties") or {}).get("documents")
    if not isinstance(docs, dict):
        return None, []
    props = docs.get("properties") or {}
    names, carried = [], []
    for key in docs.get("required") or []:
        prop = props.get(key) or {}
        title = str(prop.get("title") or key)
        names.append(title)
        if prop.get("x-result-of"):
            carried.append(f"{title} ← {prop['x-result-of']}")
    return names, carried


def _next_humans(g: _Graph, nid: str, on_path: set[str]) -> list[str]:
    """Person's steps reached from ``nid`` through gateways, events and system steps only."""
    found, seen, queue = [], {nid}, deque(g.following(nid))
    while queue:
        cur = queue.popleft()
        if cur in seen or cur not in on_path:
            continue
        seen.add(cur)
        if g.kind(cur) in HUMAN:
            found.append(cur)
        else:
            queue.extend(g.following(cur))
    return found


def _handoffs(g: _Graph, human: list[str], on_path: set[str]) -> list[Handoff]:
    out = []
    for h in human:
        for n in _next_humans(g, h, on_path):
            if g.agency(n) != g.agency(h):
                out.append(Handoff(g.agency(h), g.agency(n), h, n))
    return out


def _operation(el: Any) -> str | None:
    op = el.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    return op.get("id") if op is not None else None


def _waits(g: _Graph, path: list[str], on_path: set[str]) -> list[dict[str, Any]]:
    """At each parallel join, the agencies (or systems) each incoming branch waits on."""
    incoming: dict[str, list[str]] = {}
    for src, flows in g.out.items():
        for f in flows:
            incoming.setdefault(f.get("targetRef"), []).append(src)
    waits = []
    for nid in path:
        sources = [s for s in incoming.get(nid, []) if s in on_path]
        if g.kind(nid) != "parallelGateway" or len(sources) < 2:
            continue
        branches = [_branch_owner(g, s, incoming, on_path) for s in sources]
        waits.append({"join": nid, "name": g.nodes[nid].get("name") or nid,
                      "waits_on": branches})  # fmt: skip
    return waits


def _branch_owner(g: _Graph, nid: str, incoming: dict, on_path: set[str]) -> str:
    """Walk a join's branch back to its fork: the agency whose person works on it, else the
    external systems it calls."""
    seen, queue, ops = set(), deque([nid]), []
    while queue:
        cur = queue.popleft()
        if cur in seen or g.kind(cur) == "parallelGateway" and cur != nid:
            continue
        seen.add(cur)
        if g.kind(cur) in HUMAN:
            return g.agency(cur)
        if g.kind(cur) in SYSTEM:
            ops.append(_operation(g.nodes[cur]) or "system")
        queue.extend(s for s in incoming.get(cur, []) if s in on_path)
    return " + ".join(ops) or "?"
