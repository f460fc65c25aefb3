"""Check a process's flow graph: reachability, ends, loops and deadline shares along paths.

The process is flattened into one graph: an embedded subprocess `S` becomes an entry node
(`S` → its start events) and an exit node (`S#exit`, reached from its end events and leading
where `S`'s outgoing flows go); a boundary event hangs off its host. Event subprocesses start
on their own (their start events are roots) and their end events end them.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from bpmn.lint import BPMN_NS, Finding, error

ACTIVITIES = {"task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask",
              "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction",
              "adHocSubProcess"}  # fmt: skip
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent"}  # fmt: skip
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
            "complexGateway"}  # fmt: skip
FLOW_NODES = ACTIVITIES | EVENTS | GATEWAYS
CONTAINERS = {"subProcess", "transaction", "adHocSubProcess"}
# Nodes where a dossier waits for people or the outside world: a loop through one is bounded
# by human pace, a loop through none spins in the engine.
WAITS = {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "eventBasedGateway"}
LT_SHARE = "{urn:lienthong:bpmn:1}deadlineShare"


def local(el: etree._Element) -> str:
    """Return the tag without its namespace ("" for comments and processing instructions)."""
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


class FlowGraph:
    """The flattened flow graph of one process."""

    def __init__(self, process: etree._Element) -> None:
        self.nodes: dict[str, etree._Element] = {}
        self.order: list[str] = []
        self.edges: dict[str, list[str]] = defaultdict(list)
        self.roots: list[str] = []
        self.terminals: set[str] = set()
        self._collect(process, in_event_subprocess=False, top=True)
        for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
            source, target = flow.get("sourceRef"), flow.get("targetRef")
            if source in self.nodes and target in self.nodes:
                origin = f"{source}#exit" if self._is_container(source) else source
                self.edges[origin].append(target)
        for nid, el in list(self.nodes.items()):
            host = el.get("attachedToRef")
            if local(el) == "boundaryEvent" and host in self.nodes:
                self.edges[host].append(nid)

    def _is_container(self, nid: str) -> bool:
        el = self.nodes[nid]
        return local(el) in CONTAINERS and el.get("triggeredByEvent") != "true"

    def _collect(self, container, in_event_subprocess: bool, top: bool) -> None:
        for el in container:
            kind = local(el)
            if kind not in FLOW_NODES or not el.get("id"):
                continue
            nid = el.get("id")
            self.nodes[nid] = el
            self.order.append(nid)
            if kind == "startEvent" and (top or in_event_subprocess):
                self.roots.append(nid)
            if kind == "endEvent" and (top or in_event_subprocess):
                self.terminals.add(nid)
            if kind in CONTAINERS:
                event_sub = el.get("triggeredByEvent") == "true"
                self._collect(el, in_event_subprocess=event_sub, top=False)
                if event_sub:
                    continue
                self.order.append(f"{nid}#exit")
                for child in el:
                    if local(child) == "startEvent" and child.get("id"):
                        self.edges[nid].append(child.get("id"))
                    if local(child) == "endEvent" and child.get("id"):
                        self.edges[child.get("id")].append(f"{nid}#exit")

    def reachable(self, starts: list[str], edges: dict[str, list[str]]) -> set[str]:
        seen, stack = set(starts), list(starts)
        while stack:
            for nxt in edges.get(stack.pop(), []):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    def reverse(self) -> dict[str, list[str]]:
        back: dict[str, list[str]] = defaultdict(list)
        for source, targets in self.edges.items():
            for target in targets:
                back[target].append(source)
        return back


def _owner(nid: str) -> str:
    return nid.split("#", 1)[0]


def graph_rules(process: etree._Element) -> list[Finding]:
    """Report unreachable nodes, dead ends, nodes that cannot end, spinning loops, share sums."""
    g = FlowGraph(process)
    findings: list[Finding] = []
    if not g.roots:
        return [error(process.get("id"), "E-NO-START", "quy trình không có sự kiện bắt đầu",
                      "Quy trình không có sự kiện bắt đầu")]  # fmt: skip
    reached = g.reachable(g.roots, g.edges)
    ends = g.reachable(sorted(g.terminals), g.reverse())
    for nid in g.order:
        el = g.nodes.get(_owner(nid))
        if el is None or el.get("isForCompensation") == "true":
            continue
        if nid not in reached:
            if "#" not in nid:
                findings.append(error(nid, "E-UNREACHABLE", f"{local(el)} {nid!r}: không thể "
                                      "đi tới từ sự kiện bắt đầu nào",
                                      "Không thể đến phần tử này từ sự kiện bắt đầu"))  # fmt: skip
            continue
        if not g.edges.get(nid) and nid not in g.terminals:
            what = "quy trình con không có luồng đi ra" if "#" in nid else "không có luồng đi ra"
            findings.append(error(_owner(nid), "E-DEAD-END", f"{local(el)} {_owner(nid)!r}: "
                                  f"{what} mà không phải sự kiện kết thúc; hồ sơ sẽ dừng lại ở "
                                  "đây", "Luồng dừng mà không có sự kiện kết thúc"))  # fmt: skip
        elif nid not in ends:
            findings.append(error(_owner(nid), "E-NO-END", f"{local(el)} {_owner(nid)!r}: không có "
                                  "đường nào từ đây đến sự kiện kết thúc",
                                  "Không có đường đi từ đây đến sự kiện kết thúc"))  # fmt: skip
    findings += _spinning_loops(g)
    findings += _share_sums(g)
    return _dedupe(findings)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.element_id)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _sccs(g: FlowGraph) -> list[list[str]]:
    """Strongly connected components (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in g.order:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = g.edges.get(node, [])
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                result.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def _spinning_loops(g: FlowGraph) -> list[Finding]:
    findings = []
    position = {nid: i for i, nid in enumerate(g.order)}
    for comp in _sccs(g):
        looping = len(comp) > 1 or comp[0] in g.edges.get(comp[0], [])
        if not looping:
            continue
        kinds = {local(g.nodes[_owner(n)]) for n in comp if _owner(n) in g.nodes}
        if kinds & WAITS:
            continue
        first = _owner(min(comp, key=lambda n: position.get(n, 1 << 30)))
        findings.append(error(first, "E-LOOP-NO-WAIT", f"vòng lặp qua {first!r} không có bước xử "
                              "lý của người hay bước chờ nào: nó có thể chạy mãi không dừng",
                              "Vòng lặp không có bước chờ người xử lý"))  # fmt: skip
    return findings


def _share(el: etree._Element | None) -> float:
    try:
        value = float(el.get(LT_SHARE)) if el is not None and el.get(LT_SHARE) else 0.0
    except ValueError:
        return 0.0
    return value if 0.0 <= value <= 1.0 else 0.0


def _share_sums(g: FlowGraph) -> list[Finding]:
    """The heaviest acyclic path's deadline shares must not exceed the legal deadline (1)."""
    dag: dict[str, list[str]] = defaultdict(list)
    state: dict[str, int] = {}
    topo: list[str] = []
    for root in g.roots:
        if root in state:
            continue
        state[root] = 1
        work = [(root, iter(g.edges.get(root, [])))]
        while work:
            node, it = work[-1]
            for nxt in it:
                if state.get(nxt) == 1:
                    continue  # back edge: a loop
                dag[node].append(nxt)
                if nxt not in state:
                    state[nxt] = 1
                    work.append((nxt, iter(g.edges.get(nxt, []))))
                    break
            else:
                state[node] = 2
                topo.append(node)
                work.pop()
    best: dict[str, float] = {}
    for node in reversed(topo):
        own = _share(g.nodes.get(node)) if "#" not in node else 0.0
        best.setdefault(node, 0.0)
        total = best[node] + own
        if total > 1.0 + 1e-9:
            return [error(node, "E-DEADLINE-SUM", f"tổng tỷ lệ thời hạn (lt:deadlineShare) "
                          f"trên một đường đi lên tới {total:.3g} tại {node!r}; tổng tối đa là 1",
                          "Tổng tỷ lệ thời hạn các bước vượt quá 1")]  # fmt: skip
        for nxt in dag.get(node, []):
            best[nxt] = max(best.get(nxt, 0.0), total)
    return []
