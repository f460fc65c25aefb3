"""Give a generated diagram a readable BPMNDI layout: columns by flow order, rows by lane.

A simple layered layout: each node's column is the longest path to it from the start (back
edges, found by a depth-first walk, are ignored), an expanded subprocess takes as many columns
as its own content, nodes sharing a lane and column stack in rows, and each lane is as tall as
its most crowded column. A subprocess box spans whole lanes, so nodes outside it that share its
top lane and columns (the one-stop counter's refusal beside a flow whose payment step is at the
counter) are stacked above its content, and below it in its bottom lane: its border then runs
between them. Flows are drawn with right-angled waypoints; loops go over the top; a line
that would run through another shape takes a detour around it (`bpmn.routing`).
"""

from __future__ import annotations

from collections import defaultdict

from bpmn.diagram import SIZES, Diagram, Flow, Node
from bpmn.routing import detour

POOL_X, POOL_Y = 160.0, 80.0
LANE_HEADER = 30.0  # the pool's label band
COL_W = 160.0
FIRST_COL = POOL_X + LANE_HEADER + 80.0  # centre x of column 0
ROW_H = 120.0
LANE_PAD = 20.0
BOX_MARGIN = 60.0  # between a subprocess's border and its content
BOX_GAP = 10.0  # between a subprocess's border and its lanes' edges
BAND_GAP = 2 * BOX_GAP  # between a subprocess's content and the rows outside it in its lanes


def layout(diagram: Diagram) -> None:
    """Fill in bounds for every node, lane and the pool, and waypoints for every flow."""
    for node in diagram.nodes.values():
        node.width, node.height = SIZES[node.shape]
    cols: dict[str, int] = {}
    spans: dict[str | None, int] = {}
    _columns(diagram, None, cols, spans)
    bands = _rows(diagram, cols, spans)
    _boxes(diagram, cols, bands)
    last = max((n.x + n.width for n in diagram.nodes.values()), default=FIRST_COL)
    width = last + 60.0 - POOL_X
    height = sum(lane.height for lane in diagram.lanes)
    diagram.pool = (POOL_X, POOL_Y, width, height)
    loops = 0
    for flow in diagram.flows:
        source, target = diagram.nodes[flow.source], diagram.nodes[flow.target]
        usual = _route(source, target, loops)
        floor = (POOL_Y, POOL_Y + height)
        flow.waypoints = detour(usual, source, target, _obstacles(diagram, flow), floor)
        loops += target.x <= source.x and not source.attached_to


def _obstacles(diagram: Diagram, flow: Flow) -> list[Node]:
    """The shapes a flow's line must not run through: all but its ends, the subprocesses it
    lies in, and its ends' hosts and boundary events (as `bpmn.geometry_edges` excuses)."""
    ends = {flow.source, flow.target}
    excused = set(ends)
    parent = diagram.nodes[flow.source].parent
    while parent:
        excused.add(parent)
        parent = diagram.nodes[parent].parent
    for node in diagram.nodes.values():
        if node.attached_to and (node.id in ends or node.attached_to in ends):
            excused |= {node.id, node.attached_to}
    return [n for n in diagram.nodes.values() if n.id not in excused]


def _children(diagram: Diagram, parent: str | None) -> list[Node]:
    return [n for n in diagram.nodes.values() if n.parent == parent]


def _columns(diagram: Diagram, parent: str | None, cols: dict, spans: dict) -> int:
    """Assign columns relative to the container; return how many columns it spans."""
    members = _children(diagram, parent)
    for node in members:
        if node.kind == "subProcess":
            spans[node.id] = _columns(diagram, node.id, cols, spans)
    ids = {n.id for n in members}
    edges: dict[str, list[tuple[str, int]]] = defaultdict(list)

    def weight(source: str) -> int:
        if diagram.nodes[source].attached_to:
            return 0  # a boundary event's target sits in the event's own column
        return spans.get(source, 0) + 1

    for flow in diagram.flows:
        anchor = diagram.nodes[flow.target].anchor
        if anchor and anchor != flow.source:
            continue
        if flow.source in ids and flow.target in ids:
            edges[flow.source].append((flow.target, weight(flow.source)))
    for node in members:
        if node.attached_to:  # a boundary event sits in its host's last column
            edges[node.attached_to].append((node.id, spans.get(node.attached_to, 0)))
    roots = [n.id for n in members if n.kind == "startEvent"] or [m.id for m in members[:1]]
    order = _forward_order(roots, edges)
    dag = _drop_back_edges(roots, edges)
    local: dict[str, int] = {nid: 0 for nid in ids}
    for nid in order:
        for target, w in dag.get(nid, []):
            local[target] = max(local[target], local[nid] + w)
    for nid, col in local.items():
        cols[nid] = col
    span = max((local[n.id] + spans.get(n.id, 0) for n in members), default=0) + 1
    for node in members:  # shift subprocess contents behind their box's left margin
        if node.kind == "subProcess":
            _shift(diagram, node.id, cols[node.id] + 1, cols)
    return span


def _shift(diagram: Diagram, parent: str, offset: int, cols: dict) -> None:
    for child in _children(diagram, parent):
        cols[child.id] += offset
        if child.kind == "subProcess":
            _shift(diagram, child.id, offset, cols)


def _forward_order(roots: list[str], edges: dict) -> list[str]:
    """Topological order of the graph without back edges (reverse post-order of a DFS)."""
    seen: set[str] = set()
    post: list[str] = []
    for root in roots:
        stack = [(root, iter(edges.get(root, [])))]
        seen.add(root)
        while stack:
            nid, it = stack[-1]
            for target, _ in it:
                if target not in seen:
                    seen.add(target)
                    stack.append((target, iter(edges.get(target, []))))
                    break
            else:
                post.append(nid)
                stack.pop()
    return post[::-1]


def _drop_back_edges(roots: list[str], edges: dict) -> dict[str, list[tuple[str, int]]]:
    """Return the edges that do not close a cycle in a depth-first walk from the roots."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    dag: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(edges.get(root, [])))]
        while stack:
            nid, it = stack[-1]
            for target, w in it:
                if state.get(target) == 1:
                    continue  # back edge
                dag[nid].append((target, w))
                if target not in state:
                    state[target] = 1
                    stack.append((target, iter(edges.get(target, []))))
                    break
            else:
                state[nid] = 2
                stack.pop()
    return dag


def _center_x(col: int) -> float:
    return FIRST_COL + col * COL_W


def _rows(diagram: Diagram, cols: dict, spans: dict) -> dict[str, tuple[float, float | None]]:
    """Size lanes to fit their rows and place lane-bound nodes; return each box's band.

    A box's band is where its content starts in its top lane and, when nodes lie below it in
    its bottom lane, where its content ends there (else None): offsets below the lane's padding.
    """
    offsets, bands = _row_offsets(diagram, cols, spans)
    placed = [n for n in diagram.nodes.values() if n.lane and not n.attached_to]
    y = POOL_Y
    for lane in diagram.lanes:
        used = max((offsets[n.id] + ROW_H for n in placed if n.lane == lane.id), default=ROW_H)
        lane.y, lane.height = y, used + 2 * LANE_PAD
        y += lane.height
    lanes = {lane.id: lane for lane in diagram.lanes}
    for node in placed:
        cy = lanes[node.lane].y + LANE_PAD + offsets[node.id] + ROW_H / 2
        node.x, node.y = _center_x(cols[node.id]) - node.width / 2, cy - node.height / 2
    return bands


def _row_offsets(
    diagram: Diagram, cols: dict, spans: dict
) -> tuple[dict[str, float], dict[str, tuple[float, float | None]]]:
    """Stack nodes per (lane, column); keep nodes outside a box off the rows of its content.

    Between the rows outside a box and its content there is room for its border and for a
    boundary event sitting on it.
    """
    slots: dict[tuple[str, int], list[Node]] = defaultdict(list)
    for node in diagram.nodes.values():
        if node.lane and not node.attached_to:
            slots[(node.lane, cols[node.id])].append(node)
    offsets = {n.id: i * ROW_H for nodes in slots.values() for i, n in enumerate(nodes)}
    order = [lane.id for lane in diagram.lanes]
    bands: dict[str, tuple[float, float | None]] = {}
    for box in (n for n in diagram.nodes.values() if n.kind == "subProcess"):
        inside = _descendants(diagram, box.id)
        used = sorted({order.index(n.lane) for n in diagram.nodes.values()
                       if n.id in inside and n.lane and not n.attached_to})  # fmt: skip
        if not used:
            continue
        top, bottom = order[used[0]], order[used[-1]]
        covered = range(cols[box.id], cols[box.id] + spans[box.id] + 1)
        split = {(lane, c): ([n for n in slots[(lane, c)] if n.id not in inside],
                             [n for n in slots[(lane, c)] if n.id in inside])
                 for lane in (top, bottom) for c in covered}  # fmt: skip
        above = max(len(split[(top, c)][0]) for c in covered)
        first = above * ROW_H + (BAND_GAP if above else 0.0)
        for c in covered:
            outer, inner = split[(top, c)]
            offsets.update({n.id: i * ROW_H for i, n in enumerate(outer)})
            offsets.update({n.id: first + i * ROW_H for i, n in enumerate(inner)})
        end = None
        if bottom != top and any(split[(bottom, c)][0] for c in covered):
            end = max(len(split[(bottom, c)][1]) for c in covered) * ROW_H
            for c in covered:
                outer, inner = split[(bottom, c)]
                offsets.update({n.id: i * ROW_H for i, n in enumerate(inner)})
                offsets.update({n.id: end + BAND_GAP + i * ROW_H for i, n in enumerate(outer)})
        bands[box.id] = (first, end)
    return offsets, bands


def _descendants(diagram: Diagram, parent: str) -> set[str]:
    found: set[str] = set()
    for child in _children(diagram, parent):
        found.add(child.id)
        if child.kind == "subProcess":
            found |= _descendants(diagram, child.id)
    return found


def _boxes(diagram: Diagram, cols: dict, bands: dict) -> None:
    """Size each expanded subprocess around its content; put boundary events on its top."""
    lane_ids = [lane.id for lane in diagram.lanes]
    for node in diagram.nodes.values():
        if node.kind != "subProcess":
            continue
        inner = [n for n in diagram.nodes.values() if n.parent == node.id and n.lane]
        used = sorted({lane_ids.index(n.lane) for n in inner}) or [0]
        top = diagram.lanes[used[0]]
        bottom = diagram.lanes[used[-1]]
        first, end = bands.get(node.id, (0.0, None))
        right = max((n.x + n.width for n in inner), default=_center_x(cols[node.id]) + 100)
        node.x = _center_x(cols[node.id]) - BOX_MARGIN
        # never so near the pool's top that a boundary event on the border sticks out of it
        node.y = max(top.y + LANE_PAD + first - BOX_GAP, POOL_Y + SIZES["event"][1] / 2 + 2)
        lowest = bottom.y + bottom.height - BOX_GAP
        if end is not None:
            lowest = bottom.y + LANE_PAD + end + BOX_GAP
        node.width = right + BOX_MARGIN / 2 - node.x
        node.height = lowest - node.y
    for node in diagram.nodes.values():
        if node.attached_to:
            host = diagram.nodes[node.attached_to]
            cx = min(_center_x(cols[node.id]), host.x + host.width - 40)
            node.x, node.y = cx - node.width / 2, host.y - node.height / 2


def _mid(node: Node) -> tuple[float, float]:
    return node.x + node.width / 2, node.y + node.height / 2


def _route(source: Node, target: Node, loops: int) -> list[tuple[float, float]]:
    """Right-angled waypoints from source to target; loops go over the top of both."""
    sx, sy = _mid(source)
    tx, ty = _mid(target)
    if source.attached_to:  # leave a boundary event upward or downward
        start = (sx, source.y if ty < sy else source.y + source.height)
        end_y = target.y + target.height if ty < sy else target.y
        return [start, (sx, end_y)] if abs(tx - sx) < 1 else [start, (sx, ty), (target.x, ty)]
    if target.x <= source.x:  # a loop back: over the top
        over = min(source.y, target.y) - 12 - 8 * loops  # stagger loops that share a lane
        entry_x = target.x + min(40.0, target.width / 2)
        if target.kind == "subProcess":  # come down between its first two columns
            entry_x = target.x + BOX_MARGIN + COL_W * 1.5
        return [(sx, source.y), (sx, over), (entry_x, over), (entry_x, target.y)]
    right = source.x + source.width
    if target.kind == "subProcess" and target.y <= sy <= target.y + target.height:
        return [(right, sy), (target.x, sy)]
    if abs(sy - ty) < 1:
        return [(right, sy), (target.x, ty)]
    if source.shape == "gateway":  # leave from the top or bottom corner
        corner = source.y if ty < sy else source.y + source.height
        return [(sx, corner), (sx, ty), (target.x, ty)]
    mid_x = target.x - 20
    return [(right, sy), (mid_x, sy), (mid_x, ty), (target.x, ty)]
