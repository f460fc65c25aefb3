"""Every BPMN MIWG reference model either lints clean or gets clear findings; never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bpmn.lint import lint_model
from bpmn.lint_cli import model

MIWG = Path(__file__).parents[3] / "shared" / "bpmn-miwg-reference"
FILES = sorted(MIWG.glob("*.bpmn"))


def test_reference_models_are_there():
    assert len(FILES) >= 20, f"expected the MIWG reference models in {MIWG}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_reference_model_gets_clear_findings(path):
    findings = lint_model(path.read_bytes(), form_exists=lambda form_id: True)
    assert all(f.severity in ("error", "warning") for f in findings)
    assert all(f.code.startswith(("E-", "W-")) and f.code != "E-INTERNAL" for f in findings)
    assert all(f.message and "Traceback" not in f.message for f in findings)
    errors = [f for f in findings if f.severity == "error"]
    result = CliRunner().invoke(model, ["lint", str(path), "--no-operations"])
    assert result.exit_code == (1 if errors else 0)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
