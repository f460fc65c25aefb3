"""Models made of service calls only, for the executor, layout and distributed fault tests.

Each call is a service task in the system lane with one parameter, ``code`` (the dossier's
code, which a fake registry needs to answer and to honour idempotency keys); its answer lands
in ``<adapter>_<operation>``, the diagram's convention. The calls run one after another, or all
at once between a parallel split and join (several jobs of one dossier ready together). Built
with `bpmn.diagram` like every generated model, so the XML is written in one place and the
model has a diagram the studio can show.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpmn.diagram import Diagram, Lane, Node, to_xml
from bpmn.layout import layout

SYSTEM = "lane_system"


@dataclass(frozen=True)
class Call:
    """One service task: its BPMN id, the name officers see, the adapter operation it calls."""

    id: str
    name: str
    operation: str


def service_model(process_id: str, calls: list[Call], *, parallel: bool = False) -> bytes:
    """Return BPMN XML of ``start → calls → end``; ``parallel`` runs the calls at once."""
    d = Diagram(process_id, process_id, lanes=[Lane(SYSTEM, "Hệ thống", "system")])
    d.add(Node("start", "startEvent", None, SYSTEM))
    for call in calls:
        d.add(Node(call.id, "serviceTask", call.name, SYSTEM, operation=call.operation,
                   parameters={"code": "dossier_code"}))  # fmt: skip
    d.add(Node("end", "endEvent", None, SYSTEM))
    ids = [call.id for call in calls]
    if parallel:
        d.add(Node("split", "parallelGateway", None, SYSTEM))
        d.add(Node("join", "parallelGateway", None, SYSTEM))
        for path in [["start", "split"], *(["split", i, "join"] for i in ids), ["join", "end"]]:
            _connect(d, path)
    else:
        _connect(d, ["start", *ids, "end"])
    layout(d)
    return to_xml(d)


def _connect(d: Diagram, path: list[str]) -> None:
    for source, target in zip(path, path[1:], strict=False):
        d.flow(source, target)
