"""The studio shows a finding's explanation as it is: the product rules write it in Vietnamese.

A finding carries a stable ``code`` (``E-LANE-ROLE``) that callers and the studio branch on, a
short Vietnamese title (``message_vi``) and the explanation (``message``) naming the element;
the designer reads both, so both are Vietnamese. Read from the source, as the engine's guard
does (``tests/engine/test_error_language.py``): a new English explanation fails here. What a
library says (lxml's XSD error, SpiffWorkflow's) follows a Vietnamese lead-in as it is; the
``lienthong model lint`` command's own lines are read too, and so are the drawing checks'
explanations (``Problem(element, code, text)`` in ``bpmn/geometry*.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.language import english, messages

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
#: Rule modules whose every finding is explained in Vietnamese.
MODULES = ["lint.py", "lint_graph.py", "lint_rules.py"]
#: ``error(element_id, code, message, vi)`` / ``warning(…)``: the explanation is the third.
MESSAGE_ARG = {"error": 2, "warning": 2}
#: … and the title (``message_vi``) the fourth.
TITLE_ARG = {"error": 3, "warning": 3}


@pytest.mark.parametrize("module", MODULES)
def test_findings_are_explained_in_vietnamese(module: str) -> None:
    assert messages(BPMN / module, (), MESSAGE_ARG), f"bpmn/{module}: no findings read"
    assert english(BPMN / module, (), MESSAGE_ARG) == [], f"bpmn/{module}: explained in English"
    assert english(BPMN / module, (), TITLE_ARG) == [], f"bpmn/{module}: titled in English"


def test_the_lint_command_prints_in_vietnamese() -> None:
    assert messages(BPMN / "lint_cli.py", {"echo"}), "bpmn/lint_cli.py: nothing printed read"
    assert english(BPMN / "lint_cli.py", {"echo"}) == [], "bpmn/lint_cli.py: printed in English"


@pytest.mark.parametrize("module", ["geometry.py", "geometry_edges.py"])
def test_drawing_problems_are_explained_in_vietnamese(module: str) -> None:
    problem = {"Problem": 2}  # Problem(element_id, code, text)
    assert messages(BPMN / module, {"Problem"}, problem), f"bpmn/{module}: no problems read"
    assert english(BPMN / module, {"Problem"}, problem) == [], f"bpmn/{module}: in English"
