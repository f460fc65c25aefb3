"""`lienthong catalog …` commands: output, exit codes, and clean errors on bad input."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner

from bpmn.catalog.importer_table import load_yaml
from bpmn.catalog.store import CatalogStore
from bpmn.cli import catalog

DATA = Path(__file__).parent / "data" / "catalog"


@pytest.fixture
def filled(tmp_path) -> Path:
    """A catalogue holding the fixture procedures, entries only (no generated files)."""
    store = CatalogStore(tmp_path / "cat")
    for entry in load_yaml(DATA / "procedures.yaml"):
        store.write(entry, generate=False)
    return store.root


def run(*args: str):
    return CliRunner().invoke(catalog, list(args))


def test_registered_as_lienthong_plugin():
    (ep,) = [e for e in entry_points(group="lienthong.cli") if e.name == "catalog"]
    assert ep.load() is catalog


def test_import_no_generate_prints_report_and_writes_json(tmp_path):
    out = tmp_path / "report.json"
    result = run("import", str(DATA / "procedures.csv"), "--dir", str(tmp_path / "c"),
                 "--no-generate", "--report", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 procedures: 0 partial, 1 full, 0 info" in result.output
    assert json.loads(out.read_text("utf-8"))["summary"]["deadline_parsed"] == 1
    assert (tmp_path / "c" / "1.000003" / "procedure.yaml").is_file()


def test_bad_input_exits_1_with_one_line(tmp_path):
    result = run("import", str(DATA / "bad_mode.yaml"), "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert result.output.startswith("lỗi: ") and "Traceback" not in result.output


def test_show_prints_metadata(filled):
    result = run("show", "1.000001", "--dir", str(filled))
    assert result.exit_code == 0, result.output
    assert "Thủ tục thử nghiệm đăng ký khai sinh" in result.output
    assert "deadline: 1 working_days" in result.output and "Giấy chứng sinh" in result.output
    assert "partners: civil_status" in result.output and "model: not generated" in result.output


def test_show_unknown_code(filled):
    result = run("show", "1.999999", "--dir", str(filled))
    assert result.exit_code == 1 and "no procedure '1.999999'" in result.output


def test_search_is_accent_insensitive_and_finds_info_only(filled):
    result = run("search", "dang", "ky", "khai", "sinh", "--dir", str(filled))
    assert "1.000001" in result.output and "1 found" in result.output
    result = run("search", "điều kiện kinh doanh", "--dir", str(filled))
    assert "1.000002\tinfo" in result.output


def test_list_filters_by_mode(filled):
    result = run("list", "--mode", "info", "--dir", str(filled))
    assert result.output.splitlines() == [
        "1.000002\tinfo\tCung cấp thông tin về điều kiện kinh doanh"
    ]


def test_validate_empty_catalogue_is_an_error(tmp_path):
    result = run("validate", str(tmp_path))
    assert result.exit_code != 0 and "chưa có thủ tục nào" in result.output


def test_import_with_generator_then_show_lanes_and_steps(tmp_path):
    pytest.importorskip("bpmn.generator")
    result = run("import", str(DATA / "procedures.yaml"), "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    show = run("show", "1.000001", "--dir", str(tmp_path))
    assert "model: version 1" in show.output and "generated" in show.output
    assert "lanes: " in show.output and "steps: " in show.output
    assert (tmp_path / "1.000001" / "form.json").is_file()
    assert not (tmp_path / "1.000002" / "model.bpmn").exists()  # information-only


def test_validate_counts_synthetic_catalogue(tmp_path, monkeypatch):
    pytest.importorskip("bpmn.generator")
    pytest.importorskip("bpmn.lint")
    # Operation names are checked by test_partner_operations_are_registered below.
    monkeypatch.setattr("bpmn.catalog.validate.known_operations", lambda: None)
    assert run("synthesize", "-n", "60", "--dir", str(tmp_path)).exit_code == 0
    result = run("validate", str(tmp_path), "--jobs", "1")
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("60 procedures: ") and last.endswith("; 0 errors"), result.output
    assert result.exit_code == 0


def test_validate_reports_a_broken_model(tmp_path):
    pytest.importorskip("bpmn.generator")
    pytest.importorskip("bpmn.lint")
    run("import", str(DATA / "procedures.yaml"), "--dir", str(tmp_path))
    (tmp_path / "1.000001" / "model.bpmn").write_bytes(b"<definitions>not bpmn")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("2 procedures: 1 partial")
    assert "1.000001 error" in result.output


def test_partner_operations_are_registered():
    generator = pytest.importorskip("bpmn.generator")
    from bpmn.catalog.importer_portal_json import PARTNER_PHRASES
    from bpmn.catalog.validate import known_operations

    registered = known_operations() or set()
    missing = {generator.operation_for(p)[0] for p in PARTNER_PHRASES} - registered
    assert not missing, sorted(missing)
