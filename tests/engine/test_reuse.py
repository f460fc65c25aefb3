"""Prefill through the engine and reuse counted per dossier, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.registry import Registry, reset_registry
from adapters.sim.world import WORLD_DATE
from bpmn.catalog.importer import import_path
from engine.errors import InvalidInput, NotFound
from forms.skeleton import form_from_entry, form_id_for
from tests.adapters.conftest import FAST

from .conftest import AGENCY, KHAI_SINH, OTHER_AGENCY

REAL = Path(__file__).resolve().parents[2] / "bpmn" / "catalog" / "real"
FORM = form_id_for(KHAI_SINH)


@pytest.fixture
def registry(monkeypatch, tmp_path):
    """The process-wide adapters' registry on fresh simulators; a catalogue form on the path."""
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("LIENTHONG_ADAPTERS_ALLOW", "population")
    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path / "sims"))
    entry = next(e for e in import_path(REAL / f"{KHAI_SINH}.yaml").entries)
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / f"{FORM}.json").write_text(json.dumps(form_from_entry(entry), ensure_ascii=False))
    monkeypatch.setenv("LIENTHONG_FORMS_PATH", str(forms))
    registry = Registry.from_entry_points()
    reset_registry(registry)
    yield registry
    reset_registry()
    for adapter in registry.adapters.values():
        adapter.close()


def citizen(people_world):
    return next(p for p in people_world if WORLD_DATE.year - p.date_of_birth.year >= 18)


@pytest.fixture
def person():
    from adapters.settings import sim_people, sim_seed
    from adapters.sim.world import world

    mp = pytest.MonkeyPatch()
    mp.setenv("LIENTHONG_SIM_PEOPLE", FAST["LIENTHONG_SIM_PEOPLE"])
    found = citizen(world(sim_seed(), sim_people()).people)
    mp.undo()
    return found


def test_prefill_proposes_and_reuse_is_counted_once(engine, officers, registry, person, clock):
    result = engine.prefill(FORM, "applicant.cccd", person.personal_id, user="mc")
    assert result.status == "found"
    assert result.values()["applicant.full_name"] == person.full_name
    assert len(result.held_documents) == 2
    dossier = officers.submit(KHAI_SINH, applicant={"full_name": person.full_name})
    items = engine.record_reuse(dossier.code, result, user="mc", fields=["applicant.full_name"])
    assert [(i.kind, i.target) for i in items] == [
        ("field", "applicant.full_name"),
        *(("document", d.field) for d in result.held_documents),
    ]
    assert items[0].reference.startswith(person.personal_id[:3]) and "*" in items[0].reference
    again = engine.record_reuse(dossier.code, result, user="mc")  # the officer saves twice
    assert len(again) == 2 + 3  # fields now all three, documents still two
    counts = engine.reuse_counts()
    assert (counts.documents, counts.fields, counts.dossiers) == (2, 3, 1)
    assert engine.reuse_counts(agency_code=OTHER_AGENCY).dossiers == 0
    assert engine.reuse_counts(agency_code=AGENCY).documents == 2
    assert engine.reuse_counts(since=clock.now() + timedelta(minutes=1)).documents == 0
    history = [e for e in engine.history(dossier.id) if e.action == "reuse_recorded"]
    assert len(history) == 2
    assert history[0].detail["call"]["operation"] == "population.lookup_citizen"
    assert person.full_name not in json.dumps(history[0].detail, ensure_ascii=False)


def test_reuse_of_something_not_proposed_is_refused(engine, officers, registry, person):
    result = engine.prefill(FORM, "applicant.cccd", person.personal_id, user="mc")
    dossier = officers.submit(KHAI_SINH)
    with pytest.raises(InvalidInput, match="không có trong kết quả tra cứu"):
        engine.record_reuse(dossier.code, result, user="mc", documents=["documents.doc_01"])
    assert engine.dossier_reuse(dossier.code) == []
    with pytest.raises(NotFound):
        engine.record_reuse("000.00.00.H56-000000-9999", result, user="mc")


def test_not_found_and_unavailable_record_nothing(engine, officers, registry, person):
    dossier = officers.submit(KHAI_SINH)
    missing = engine.prefill(FORM, "applicant.cccd", "074099000001", user="mc")
    assert missing.status == "not_found"
    with pytest.raises(InvalidInput, match="không có gì để dùng lại: tra cứu không có thông tin"):
        engine.record_reuse(dossier.code, missing, user="mc")
    registry.adapter("population").simulator().faults.set(error_next=10)
    down = engine.prefill(FORM, "applicant.cccd", person.personal_id, user="mc")
    assert down.status == "unavailable"
    assert engine.reuse_counts().dossiers == 0
