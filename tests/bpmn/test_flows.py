"""The shipped liên thông flows: up to date with their code, lint-clean, deployable, documented."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bpmn.flows import FLOWS_DIR, MODELS, lienthong_flows
from bpmn.flows.build import render
from engine.model_parser import parse_model
from forms.registry import load_form

CODES = sorted(MODELS)


@pytest.mark.parametrize("code", CODES)
def test_file_is_what_the_code_builds(code: str) -> None:
    model = MODELS[code]
    assert model.xml() == render(model.builder), (
        f"{model.file} is stale: run `python -m bpmn.flows.build`"
    )


@pytest.mark.parametrize("code", CODES)
def test_lint_passes_with_the_registered_operations(code: str) -> None:
    from engine.cli import cli

    result = CliRunner().invoke(cli, ["model", "lint", str(MODELS[code].path)])
    assert result.exit_code == 0, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert errors == []


@pytest.mark.parametrize("code", CODES)
def test_model_parses_with_lanes_diagram_and_forms(code: str) -> None:
    model = MODELS[code]
    parsed = parse_model(model.xml())
    assert len({lane.agency for lane in parsed.lanes.values()}) >= 2  # people and systems
    text = model.xml().decode()
    assert "bpmndi:BPMNShape" in text and "bpmndi:BPMNEdge" in text
    for element in parsed.elements.values():
        if element.form:
            assert load_form(element.form).id == element.form


def test_every_lienthong_flow_has_partner_lanes_and_known_baselines() -> None:
    flows = lienthong_flows()
    assert {f.code: f.replaces for f in flows} == {
        "2.000986": ("1.001193", "1.004222", "L.000103"),
        "L.000201": ("1.000656", "1.003197", "2.000821"),
        "2.001583": ("L.000301", "L.000302", "L.000303"),
        "1.013831": ("L.000401", "L.000402"),
    }
    for flow in flows:
        parsed = parse_model(flow.xml())
        keys = {lane.agency for lane in parsed.lanes.values()}
        assert set(flow.lane_keys) <= keys
        assert all(code in MODELS for code in flow.replaces)


def test_partner_lanes_of_every_flow_are_declared() -> None:
    for model in MODELS.values():
        keys = {lane.agency for lane in parse_model(model.xml()).lanes.values()}
        assert keys - {"receiving", "system"} == set(model.lane_keys), model.code


def test_unknown_deadlines_stay_unknown() -> None:
    death = MODELS["L.000201"]
    assert death.deadline is None and "chưa xác định" in death.deadline_source
    assert MODELS["L.000103"].deadline is None
    assert MODELS["2.000986"].deadline == (20, "working_days")
    assert MODELS["1.013831"].deadline == (18, "working_days")
    assert MODELS["2.001583"].deadline == (3, "working_days")
    for code in ("L.000302", "L.000303", "L.000401"):  # not in our sources: never guessed
        assert MODELS[code].deadline is None and "chưa xác định" in MODELS[code].deadline_source
    for alone, joint in (("L.000301", "2.001583"), ("L.000402", "1.013831")):
        assert MODELS[alone].deadline == MODELS[joint].deadline
        assert joint in MODELS[alone].deadline_source


def test_readme_names_every_file() -> None:
    readme = (FLOWS_DIR / "README.md").read_text(encoding="utf-8")
    for model in MODELS.values():
        assert model.file in readme and model.code in readme
