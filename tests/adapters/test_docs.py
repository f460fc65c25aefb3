"""Fail when a setting, an operation, a fault or the plugin example drifts from the docs."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.settings import SETTINGS
from adapters.sim.faults import Faults

ROOT = Path(__file__).parents[2]
GUIDE = (ROOT / "docs" / "integrators.md").read_text()


def test_every_setting_is_documented():
    missing = [name for name in SETTINGS if f"`{name}`" not in GUIDE]
    assert not missing


def test_every_setting_named_in_code_is_documented():
    code = "\n".join(p.read_text() for p in (ROOT / "adapters").rglob("*.py"))
    names = {n for n in re.findall(r"LIENTHONG_[A-Z_]+", code) if not n.endswith("_")}
    assert names and not [n for n in names if n not in GUIDE]


def test_every_operation_is_documented(make_registry):
    registry = make_registry()
    missing = [op for op in registry.operations() if f"`{op}`" not in GUIDE]
    assert not missing


def test_every_fault_is_documented():
    assert all(f"`{name}" in GUIDE for name in Faults.names())


def test_the_plugin_example_in_the_guide_is_the_tested_file():
    marker = "<!-- example: tests/adapters/data/example_plugin/lienthong_vehicles.py -->"
    block = GUIDE.split(marker, 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert block == (ROOT / "tests/adapters/data/example_plugin/lienthong_vehicles.py").read_text()
