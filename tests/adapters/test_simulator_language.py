"""The simulators answer people in Vietnamese: a refusal's message is the reason officers see on
an incident and citizens read in their notice (``engine.partner_refusals``).

Read from the source, so a new refusal written in English fails here before anyone sees it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
SOURCES = sorted(ADAPTERS.glob("*/simulator.py")) + [ADAPTERS / "sim" / "app.py"]
#: Letters only Vietnamese has among the languages a message could be written in.
VIETNAMESE = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def _messages(path: Path) -> list[tuple[int, str]]:
    """The literal text of every ``SimError(status, code, message)`` and ``_error(...)``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or len(node.args) < 3:
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name not in ("SimError", "_error"):
            continue
        message = node.args[2]
        parts = [message] if isinstance(message, ast.Constant) else list(ast.walk(message))
        text = "".join(p.value for p in parts if isinstance(p, ast.Constant)
                       and isinstance(p.value, str))  # fmt: skip
        if text:  # a message passed on from elsewhere (exc.message, str(e)) has no literal
            out.append((node.lineno, text))
    return out


def test_every_simulator_is_read() -> None:
    assert len(SOURCES) >= 11 and sum(len(_messages(p)) for p in SOURCES) >= 40


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_refusals_are_in_vietnamese(path: Path) -> None:
    english = [(line, text) for line, text in _messages(path)
               if not VIETNAMESE & set(text.lower())]  # fmt: skip
    assert english == [], f"{path.relative_to(ADAPTERS.parent)}: messages without Vietnamese"
