"""`lienthong analyse --compare` for flows 3 and 4: their baselines come without naming them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from engine.cli import cli


def compare(code: str) -> dict:
    result = CliRunner().invoke(
        cli, ["--database-url", "sqlite:///:memory:", "analyse", "--compare", code, "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(
    ("code", "separate", "touchpoints", "deadlines"),
    [
        ("2.001583", ["L.000301", "L.000302", "L.000303"], (15, 5, 10), [3.0, None, None]),
        ("1.013831", ["L.000401", "L.000402"], (14, 8, 6), [None, 18.0]),
    ],
)
def test_compare_defaults_to_the_procedures_the_flow_replaces(
    code: str, separate: list[str], touchpoints: tuple[int, int, int], deadlines: list
) -> None:
    data = compare(code)
    assert [m["code"] for m in data["separate"]] == separate
    row = data["figures"]["touchpoints"]
    assert (row["separate"], row["lienthong"], row["reduction"]) == touchpoints
    days = data["deadline_working_days"]
    assert [part["days"] for part in days["separate"]] == deadlines
    assert days["separate_total"] is None  # a part without a known deadline: no total
