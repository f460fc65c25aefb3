"""What the form editor and the prefill tell a designer or an officer is written in Vietnamese.

The studio shows a form's problems as they are (the field list's errors, a draft's findings)
and the counter shows a prefill's refusal under the field, so these texts are Vietnamese at the
source: read from it here (a new English message fails), and produced for real on bad input.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import InvalidInput
from forms.builder import FieldSpec, build_form
from forms.prefill import prefill_problems
from forms.registry import form_problems, load_form
from tests.language import english, is_vietnamese

FORMS = Path(__file__).resolve().parents[2] / "forms"
#: `problems.append(...)` builds the messages the errors join; the rest are error classes.
BUILDERS = {"InvalidInput", "NotFound", "append"}


@pytest.mark.parametrize("module", ["builder.py", "prefill.py", "registry.py"])
def test_messages_are_in_vietnamese(module: str) -> None:
    assert english(FORMS / module, BUILDERS) == [], f"forms/{module}: messages in English"


def test_bad_fields_are_named_in_vietnamese() -> None:
    bad = [
        FieldSpec("a b", "colour", " "),
        FieldSpec("a b", "choice", "X", limits={"size": 3}),
        FieldSpec("x", "text", "X", prefill={"operation": "nope"}),
    ]
    with pytest.raises(InvalidInput) as err:
        build_form("f", "F", bad)
    problems = err.value.errors["fields"]
    assert len(problems) >= 5 and [p for p in problems if not is_vietnamese(p)] == []
    assert is_vietnamese(str(err.value))


@pytest.mark.parametrize(
    "declaration",
    ["population", {"operation": "x", "fill": []}, {"operation": "a.b", "param": "x",
     "fill": {"nope": "y"}, "holds": [{"when": "y"}, 1]}, {"operation": "a.b", "holds": {}}],
)  # fmt: skip
def test_broken_prefill_declarations_are_named_in_vietnamese(declaration: object) -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string", "x-prefill": declaration}}}
    problems = prefill_problems(schema)
    assert problems and [p for p in problems if not is_vietnamese(p)] == []


@pytest.mark.parametrize(
    "raw",
    [[], {"schema": {}, "ui": []}, {"schema": {"type": "array"}},
     {"schema": {"type": "object", "properties": {"a": {"type": "strung"}}}}],
)  # fmt: skip
def test_broken_form_files_are_named_in_vietnamese(raw: object, tmp_path: Path) -> None:
    problems = form_problems(raw)
    assert problems and all(is_vietnamese(p) for p in problems)
    for form_id in ("missing", "Bad/Id"):
        with pytest.raises(InvalidInput if "/" in form_id else Exception) as err:
            load_form(form_id, search_path=[tmp_path])
        assert is_vietnamese(str(err.value))
