"""Read a module's messages from its source and say whether they are written in Vietnamese.

Officers, designers and citizens read the product's errors as they are (the web UI cannot
translate an engine error), so the guards in ``tests/adapters``, ``tests/engine`` and
``tests/forms`` read the source: a new message written in English fails before anyone sees it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

#: Letters only Vietnamese has among the languages a message could be written in.
VIETNAMESE = set("ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
#: Operation and field names (``land.compute_obligations``, ``dossier_code``): codes, not words.
CODES = re.compile(r"\w+\.\w+|\w*_\w*")


def is_vietnamese(text: str) -> bool:
    return bool(VIETNAMESE & set(text.lower()))


def literal(message: ast.expr) -> str:
    """The literal text of a message: a string, or the fixed parts of an f-string.

    What goes into an f-string's braces (``row['operation']``, a format spec) is code, not text,
    and so is an argument that is itself a call (``HeldRule(rule["when"], …)``).
    """
    if isinstance(message, ast.Constant):
        return message.value if isinstance(message.value, str) else ""
    if isinstance(message, ast.JoinedStr):
        return "".join(literal(part) for part in message.values)
    if isinstance(message, ast.BinOp):  # "…" + "…", "…" % args
        return literal(message.left) + literal(message.right)
    return ""  # a call, a name, a subscript: code, not text


def messages(
    path: Path, builders: Iterable[str], message_arg: Mapping[str, int] | None = None
) -> list[tuple[int, str]]:
    """The literal text of every message built in the module that has words in it.

    A call counts when it is named in `builders` or is any ``…Error``/``…Timeout`` class;
    `message_arg` says where the message is among a call's positional arguments (else first).
    A message passed on from elsewhere (``str(exc)``, ``f"{operation}: {exc}"``) has no words.
    """
    builders, message_arg = set(builders), dict(message_arg or {})
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if not (name in message_arg or name in builders or name.endswith(("Error", "Timeout"))):
            continue
        index = message_arg.get(name, 0)
        if len(node.args) <= index:
            continue
        text = literal(node.args[index])
        if re.search(r"[^\W\d_]", CODES.sub("", text)):
            out.append((node.lineno, text))
    return out


def english(path: Path, builders: Iterable[str], message_arg: Mapping[str, int] | None = None):
    """The messages of the module that have no Vietnamese letter: (line, text) pairs."""
    return [(n, t) for n, t in messages(path, builders, message_arg) if not is_vietnamese(t)]
