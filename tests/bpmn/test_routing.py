"""Lines go around shapes: the crossing test itself, and the layout's detour when a flow skips
a step drawn in its way."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bpmn.diagram import Diagram, Lane, Node, to_xml
from bpmn.geometry import problems
from bpmn.geometry_edges import line_problems
from bpmn.layout import layout
from bpmn.routing import clean, crosses


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float


STEP = Rect(100, 100, 100, 80)
SEGMENTS = {
    "straight through": ((50, 140), (250, 140), True),
    "down through": ((150, 50), (150, 300), True),
    "ending inside": ((50, 140), (150, 140), True),
    "diagonally through a corner": ((90, 120), (130, 90), True),
    "along its top border": ((50, 100), (250, 100), False),
    "grazing inside its border": ((50, 102), (250, 102), False),
    "beside it": ((50, 200), (250, 200), False),
    "stopping short": ((50, 140), (99, 140), False),
    "a point": ((150, 140), (150, 140), True),
}


@pytest.mark.parametrize("case", SEGMENTS)
def test_a_segment_crosses_a_shape_only_through_its_inside(case: str) -> None:
    a, b, expected = SEGMENTS[case]
    assert crosses(a, b, STEP) is expected
    assert crosses(b, a, STEP) is expected


def _skipping() -> Diagram:
    """A gateway whose second flow skips two steps drawn on its own row."""
    d = Diagram("p", "p", lanes=[Lane("one", "Một cửa", "one_stop_officer")])
    for node in [Node("start", "startEvent", None, "one"),
                 Node("gw", "exclusiveGateway", None, "one"),
                 Node("a", "userTask", "Bước A", "one"), Node("b", "userTask", "Bước B", "one"),
                 Node("join", "exclusiveGateway", None, "one"),
                 Node("end", "endEvent", None, "one")]:  # fmt: skip
        d.add(node)
    for source, target in [("start", "gw"), ("gw", "a"), ("a", "b"), ("b", "join"),
                           ("gw", "join"), ("join", "end")]:  # fmt: skip
        d.flow(source, target)
    return d


def test_a_flow_skipping_steps_goes_around_them() -> None:
    d = _skipping()
    layout(d)
    skip = next(f for f in d.flows if (f.source, f.target) == ("gw", "join"))
    between = [d.nodes["a"], d.nodes["b"]]
    gw, join = d.nodes["gw"], d.nodes["join"]
    straight = [(gw.x + gw.width, gw.y + gw.height / 2), (join.x, join.y + join.height / 2)]
    assert not clean(straight, between)  # the usual line would run through both steps
    assert clean(skip.waypoints, between)
    xml = to_xml(d)
    assert problems(xml) == [] and line_problems(xml) == []
