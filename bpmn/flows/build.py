"""Write the liên thông flows and their baselines as BPMN files: `python -m bpmn.flows.build`.

Each flow module's `build()` returns a `Diagram` (lanes, nodes, flows) and the scripts of its
script tasks; this module lays it out (BPMNDI, so modelers display it), writes the XML and
puts each script in its task. The `.bpmn` files beside this module are the output and are
committed; `tests/bpmn/test_flows.py` fails when they differ from what the code builds.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from bpmn.diagram import BPMN, Diagram, to_xml
from bpmn.layout import layout

FLOWS_DIR = Path(__file__).resolve().parent
Builder = Callable[[], tuple[Diagram, dict[str, str]]]


def render(builder: Builder) -> bytes:
    """Build, lay out and serialise one model, scripts included."""
    diagram, scripts = builder()
    layout(diagram)
    root = etree.fromstring(to_xml(diagram))
    for task_id, script in scripts.items():
        [el] = root.xpath("//*[@id=$id]", id=task_id)
        el.set("scriptFormat", "python")
        etree.SubElement(el, f"{{{BPMN}}}script").text = script
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_all(directory: Path = FLOWS_DIR) -> list[Path]:
    """Write every registered model to ``directory``; return the files written."""
    from bpmn.flows import MODELS

    written = []
    for model in MODELS.values():
        path = directory / model.file
        path.write_bytes(render(model.builder))
        written.append(path)
    return written


def main() -> int:
    for path in write_all():
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
