"""Prefill declarations and proposals, against the real population and business simulators."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.sim.world import WORLD_DATE
from bpmn.catalog.importer import import_path
from engine.errors import InvalidInput
from forms.prefill import prefill_problems, prefill_sources, propose
from forms.registry import form_from_dict
from forms.skeleton import form_from_entry, form_id_for
from forms.validation import validate

REAL = Path(__file__).resolve().parents[2] / "bpmn" / "catalog" / "real"


@pytest.fixture(scope="module")
def real_entries():
    return {e.code: e for e in import_path(REAL).entries}


def skeleton(entry):
    return form_from_dict(form_id_for(entry.code), form_from_entry(entry))


@pytest.fixture
def registry(make_registry):
    return make_registry("population,business")


def caller(registry):
    return lambda operation, params: registry.call(operation, params)


def resident(people):
    return next(p for p in people.people if WORLD_DATE.year - p.date_of_birth.year >= 18)


def test_skeleton_declares_citizen_prefill(real_entries):
    form = skeleton(real_entries["1.001193"])
    (source,) = prefill_sources(form)
    assert (source.field, source.operation, source.param) == (
        "applicant.cccd", "population.lookup_citizen", "personal_id",
    )  # fmt: skip
    assert source.fill["applicant.address"] == "permanent_address"


def test_citizen_id_fills_the_applicant_and_spares_documents(registry, people, real_entries):
    form = skeleton(real_entries["1.001193"])
    person = resident(people)
    result = propose(form, "applicant.cccd", person.personal_id, caller(registry))
    assert result.status == "found"
    assert result.values() == {
        "applicant.full_name": person.full_name,
        "applicant.date_of_birth": person.date_of_birth.isoformat(),
        "applicant.address": person.address,
    }
    titles = [d.title for d in result.held_documents]
    assert len(titles) == 2
    assert any(t.startswith("Giấy tờ có giá trị chứng minh thông tin về cư trú") for t in titles)
    assert any(t.startswith("Hộ chiếu/Thẻ căn cước công dân") for t in titles)
    assert not any(t.startswith("Giấy chứng sinh") for t in titles)  # the birth is not held
    assert person.full_name not in str(result.record)  # the call record is masked
    assert result.record["operation"] == "population.lookup_citizen"
    # The documents the state holds satisfy the form: the applicant is not asked for them.
    data = {"applicant": {"full_name": person.full_name, "cccd": person.personal_id,
                          "address": person.address, "phone": "0912345678"},
            "documents": result.document_refs()}  # fmt: skip
    errors = validate(form, data)
    held = {d.field for d in result.held_documents}
    assert not held & set(errors) and errors  # the other documents are still required


def test_unknown_citizen_is_not_found(registry, real_entries):
    form = skeleton(real_entries["1.001193"])
    result = propose(form, "applicant.cccd", "074099000001", caller(registry))
    assert (result.status, result.proposals, result.held_documents) == ("not_found", [], [])
    assert "không có công dân mang số định danh" in result.message


def test_malformed_id_is_a_field_error(registry, real_entries):
    form = skeleton(real_entries["1.001193"])
    with pytest.raises(InvalidInput) as err:
        propose(form, "applicant.cccd", "12345", caller(registry))
    assert "phải có đúng 12 chữ số" in str(err.value.errors["applicant.cccd"])


def test_registry_down_is_unavailable_not_a_crash(registry, people, real_entries):
    registry.adapter("population").simulator().faults.set(error_next=10)
    form = skeleton(real_entries["1.001193"])
    result = propose(form, "applicant.cccd", resident(people).personal_id, caller(registry))
    assert result.status == "unavailable" and "503" in result.message
    assert result.record["attempts"] == 3 and result.proposals == []


def test_enterprise_code_fills_the_enterprise(registry, people, real_entries):
    entry = next(e for e in real_entries.values() if "business_registration" in e.partners)
    form = skeleton(entry)
    company = people.enterprises[0]
    result = propose(form, "enterprise.enterprise_code", company.code, caller(registry))
    assert result.values() == {
        "enterprise.name": company.name,
        "enterprise.address": company.address,
    }


def test_unregistered_operation_is_a_form_error(make_registry, real_entries):
    registry = make_registry("business")  # population not loaded
    form = skeleton(real_entries["1.001193"])
    with pytest.raises(InvalidInput, match="không hệ thống kết nối nào cung cấp"):
        propose(form, "applicant.cccd", "074096086598", caller(registry))


def test_field_without_a_source(real_entries):
    form = skeleton(real_entries["1.001193"])
    with pytest.raises(InvalidInput, match="không khai báo nguồn điền sẵn"):
        propose(form, "applicant.phone", "0912345678", lambda *a: {})


@pytest.mark.parametrize(
    ("declaration", "problem"),
    [
        ("population", "phải là một đối tượng"),
        ({"operation": "lookup", "param": "x", "fill": {}}, "phải có dạng 'adapter.operation'"),
        ({"operation": "a.b", "fill": {}}, "phải ghi tên tham số của thao tác"),
        (
            {"operation": "a.b", "param": "x", "fill": {"nope": "y"}},
            "không có trường 'nope' trong biểu mẫu",
        ),
        ({"operation": "a.b", "param": "x", "holds": [{"when": "y"}]}, "'document' hoặc"),
    ],
)
def test_broken_declarations_are_named(declaration, problem):
    schema = {"type": "object", "properties": {"id": {"type": "string", "x-prefill": declaration}}}
    problems = prefill_problems(schema)
    assert problems and problem in problems[0]
    with pytest.raises(InvalidInput, match="x-prefill"):
        form_from_dict("broken", {"schema": schema})
