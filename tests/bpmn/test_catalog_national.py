"""All of /work/shared/national-procedures, the shipped real procedures, and generated models.

The national data is read at run time from ``LIENTHONG_NATIONAL_DIR`` (default
``/work/shared/national-procedures``); it is never copied into the repository.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bpmn.catalog.importer import import_path
from bpmn.catalog.importer_table import dump_yaml, entry_from_dict
from bpmn.catalog.report import ImportReport, procedure_report

NATIONAL = Path(os.environ.get("LIENTHONG_NATIONAL_DIR", "/work/shared/national-procedures"))
REAL = Path(__file__).resolve().parents[2] / "bpmn" / "catalog" / "real"
REQUIRED_REAL = ["1.001193", "1.000894", "2.001583", "1.013831", "1.003197", "2.000986",
                 "1.000656", "2.000821", "1.004222"]  # fmt: skip


@pytest.fixture(scope="module")
def national():
    if not NATIONAL.is_dir():
        pytest.fail(f"national procedures not found at {NATIONAL} (set LIENTHONG_NATIONAL_DIR)")
    return import_path(NATIONAL)


@pytest.fixture(scope="module")
def real():
    return import_path(REAL)


def test_every_national_procedure_becomes_a_valid_entry(national, tmp_path_factory):
    listed = {p.stem for p in NATIONAL.glob("json/*/*.json")}
    assert not national.errors
    codes = {e.code for e in national.entries}
    assert listed <= codes and len(codes) == len(national.entries) >= 1675
    for entry in national.entries:
        assert entry.name
        # Valid in the product's own format: what the importer wrote reads back identically.
        assert entry_from_dict(json.loads(json.dumps(_plain(entry))), entry.code) == entry
    report = ImportReport("national", [procedure_report(e) for e in national.entries])
    summary = report.summary()
    out = tmp_path_factory.mktemp("national") / "coverage.json"
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=1), "utf-8")
    print("\nnational import coverage:", json.dumps(summary, ensure_ascii=False))
    n = summary["procedures"]
    assert summary["deadline_parsed"] + summary["deadline_flagged"] == n
    # Most of the portal states deadlines, fees and documents legibly; the rest is flagged.
    assert summary["deadline_parsed"] > 0.7 * n
    assert summary["fee_parsed"] > 0.6 * n
    assert summary["documents_parsed"] > 0.9 * n


def _plain(entry):
    import yaml

    return yaml.load(dump_yaml(entry), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def test_never_invents_a_deadline_unit(national):
    for entry in national.entries:
        for terms in entry.channels:
            if terms.deadline and terms.deadline.unit is None:
                assert any(f.field.startswith("deadline") for f in entry.flags), entry.code


def test_birth_registration_page(national):
    entry = next(e for e in national.entries if e.code == "1.001193")
    assert entry.field == "Hộ tịch" and entry.level == ["commune"]
    assert entry.result_codes == ["KQ.G15.000031"] and entry.issuing_agency == "Bộ Tư pháp"
    assert all(c.fee_vnd == 0 for c in entry.channels)
    assert "123/2015/NĐ-CP" in entry.legal_basis
    assert any(d.name.startswith("Giấy chứng sinh") for d in entry.documents)


def test_shipped_real_procedures(real):
    codes = {e.code for e in real.entries}
    assert not real.errors and len(codes) >= 40
    assert set(REQUIRED_REAL) <= codes
    assert all(not e.synthetic and e.source for e in real.entries)
    by_code = {e.code: e for e in real.entries}
    birth = by_code["1.001193"].deadline()
    assert (birth.amount, birth.unit) == (0, "working_days")  # same day, 15:00 rule
    assert by_code["1.004222"].deadline().amount == 7


def test_real_procedures_generate_models_that_lint_clean(real):
    generator = pytest.importorskip("bpmn.generator")
    lint = pytest.importorskip("bpmn.lint")
    for entry in real.entries:
        if entry.mode == "info" or entry.deadline() is None or entry.deadline().unit is None:
            continue
        findings = lint.lint_model(generator.generate_model(entry))
        errors = [f for f in findings if f.severity == "error"]
        assert not errors, (entry.code, errors)


def test_national_models_lint_clean(national):
    generator = pytest.importorskip("bpmn.generator")
    lint = pytest.importorskip("bpmn.lint")
    failures = {}
    for entry in national.entries:
        if entry.mode == "info":
            continue
        try:
            data = generator.generate_model(entry)
        except Exception as exc:  # noqa: BLE001 - collect, then report every failure at once
            failures[entry.code] = f"generator: {exc}"
            continue
        errors = [f for f in lint.lint_model(data) if f.severity == "error"]
        if errors:
            failures[entry.code] = errors[:3]
    assert not failures, f"{len(failures)} models fail: {list(failures.items())[:5]}"
