"""The catalogue directory: generated files, versions, and designer edits never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpmn.catalog.entry import CatalogueEntry, ChannelTerms, Deadline
from bpmn.catalog.importer_table import load_yaml
from bpmn.catalog.report import procedure_report
from bpmn.catalog.service import import_entries
from bpmn.catalog.store import CatalogStore, default_root
from engine.errors import InvalidModel, UnknownProcedure

DATA = Path(__file__).parent / "data" / "catalog"


def model_of(entry: CatalogueEntry) -> bytes:
    """Deterministic stand-in content so the store's bookkeeping can be observed."""
    dl = entry.deadline()
    return f"<model name='{entry.name}' deadline='{dl.amount if dl else ''}'/>".encode()


def form_of(entry: CatalogueEntry) -> bytes:
    return json.dumps({"documents": [d.name for d in entry.documents]}).encode()


def make_store(root: Path) -> CatalogStore:
    return CatalogStore(root, make_model=model_of, make_form=form_of)


@pytest.fixture
def entries() -> list[CatalogueEntry]:
    return load_yaml(DATA / "procedures.yaml")


def test_layout_and_first_write(tmp_path, entries):
    store = make_store(tmp_path)
    outcome = store.write(entries[0])
    folder = tmp_path / "1.000001"
    assert (outcome.model, outcome.form) == ("created", "created")
    assert sorted(p.name for p in folder.iterdir()) == [
        ".generated.json", "form.json", "model.bpmn", "procedure.yaml",
    ]  # fmt: skip
    assert store.meta("1.000001")["model"]["version"] == 1
    assert store.load("1.000001") == entries[0]
    assert store.model_state("1.000001") == "generated"


def test_info_only_procedure_has_no_model(tmp_path, entries):
    store = make_store(tmp_path)
    outcome = store.write(entries[1])
    assert outcome.model == "skipped" and not store.model_path("1.000002").exists()
    assert store.codes() == ["1.000002"]


def test_reimport_unchanged_then_updated(tmp_path, entries):
    store = make_store(tmp_path)
    entry = entries[0]
    store.write(entry)
    assert store.write(entry).model == "unchanged"
    entry.channels = [ChannelTerms("direct", Deadline(2, "working_days"))]
    outcome = store.write(entry)
    assert outcome.model == "updated" and store.meta(entry.code)["model"]["version"] == 2
    assert b"deadline='2'" in store.model_path(entry.code).read_bytes()


def test_designer_edit_is_never_overwritten(tmp_path, entries):
    store = make_store(tmp_path)
    entry = entries[0]
    store.write(entry)
    edited = b"<model edited='by designer'/>"
    store.model_path(entry.code).write_bytes(edited)
    assert store.model_state(entry.code) == "edited"
    entry.name = "Tên mới"
    outcome = store.write(entry)
    assert outcome.model == "conflict" and outcome.form == "unchanged"
    assert store.model_path(entry.code).read_bytes() == edited
    report = procedure_report(entry, outcome)
    assert "conflict: model.bpmn edited by designer, kept as is" in report.needs_designer


def test_hand_made_model_placed_before_import_is_kept(tmp_path, entries):
    store = make_store(tmp_path)
    folder = tmp_path / "1.000001"
    folder.mkdir()
    (folder / "model.bpmn").write_bytes(b"<hand-made/>")
    assert store.write(entries[0]).model == "conflict"
    assert store.model_state("1.000001") == "hand-made"


def test_generator_refusal_is_reported_not_raised(tmp_path, entries):
    def refuse(entry):
        raise InvalidModel("no deadline to put on the tasks")

    store = CatalogStore(tmp_path, make_model=refuse, make_form=form_of)
    outcome = store.write(entries[0])
    assert outcome.model == "failed" and "no deadline" in outcome.messages[0]


def test_import_report_counts_and_json(tmp_path, entries):
    store = make_store(tmp_path)
    report = import_entries(entries, store, "fixture")
    summary = report.summary()
    assert summary["procedures"] == 2 and summary["modes"] == {"partial": 1, "full": 0, "info": 1}
    assert summary["deadline_parsed"] == 1 and summary["fee_parsed"] == 1
    saved = json.loads((tmp_path / "import-report.json").read_text("utf-8"))
    assert saved["summary"] == summary
    assert saved["procedures"][0]["parsed"]["deadline"] == {"amount": 1.0, "unit": "working_days"}
    assert "2 procedures: 1 partial, 0 full, 1 info" in report.format_text()


def test_unknown_code_and_default_root(tmp_path, monkeypatch):
    with pytest.raises(UnknownProcedure):
        make_store(tmp_path).load("1.999999")
    monkeypatch.setenv("LIENTHONG_CATALOG_DIR", str(tmp_path / "cat"))
    assert default_root() == tmp_path / "cat"
    monkeypatch.delenv("LIENTHONG_CATALOG_DIR")
    assert default_root() == Path("instance/catalog")
