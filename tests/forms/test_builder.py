"""The studio's form builder: fields in, a checked eForm out, and back again."""

from __future__ import annotations

import json

import pytest

from engine.errors import InvalidInput
from forms.builder import FieldSpec, build_form, fields_of, form_problems_for, save_form
from forms.prefill import prefill_sources
from forms.registry import load_form
from forms.validation import validate

CITIZEN = {"operation": "population.lookup_citizen", "param": "personal_id",
           "fill": {"applicant.full_name": "full_name"}}  # fmt: skip
FIELDS = [
    FieldSpec("applicant.cccd", "cccd", "Số định danh cá nhân", required=True, prefill=CITIZEN),
    FieldSpec("applicant.full_name", "text", "Họ và tên", required=True, limits={"maxLength": 100}),
    FieldSpec("applicant.phone", "phone", "Số điện thoại"),
    FieldSpec("purpose", "choice", "Mục đích", required=True,
              options={"work": "Xin việc", "study": "Du học"}),
    FieldSpec("copies", "integer", "Số bản", limits={"minimum": 1, "maximum": 10}),
    FieldSpec("documents", "upload", "Giấy tờ kèm theo", required=True, help="Bản quét PDF"),
]  # fmt: skip


def test_fields_become_a_form_the_engine_validates():
    form = build_form("lltp_request", "Yêu cầu cấp Phiếu lý lịch tư pháp", FIELDS)
    assert form.ui["order"][:2] == ["applicant", "applicant.cccd"]
    assert form.ui["fields"]["purpose"] == {"label": "Mục đích", "widget": "select",
                                            "options": {"work": "Xin việc", "study": "Du học"}}
    assert [s.field for s in prefill_sources(form)] == ["applicant.cccd"]
    errors = validate(form, {"applicant": {"cccd": "12345", "full_name": ""}, "copies": 20,
                             "purpose": "fun", "documents": []})  # fmt: skip
    wrong = {"applicant.cccd", "applicant.full_name", "copies", "purpose", "documents"}
    assert wrong <= set(errors)
    good = {"applicant": {"cccd": "074096086598", "full_name": "Lê Văn An"}, "purpose": "work",
            "documents": ["doc:17"], "copies": 2}  # fmt: skip
    assert validate(form, good) == {}


def test_a_form_reads_back_as_the_same_fields():
    form = build_form("lltp_request", "Yêu cầu", FIELDS)
    assert fields_of(form) == FIELDS


def test_editing_keeps_what_the_studio_does_not_show():
    form = build_form("lltp_request", "Yêu cầu", FIELDS)
    raw = {"schema": json.loads(json.dumps(form.schema)), "ui": dict(form.ui)}
    raw["schema"]["properties"]["applicant"]["properties"]["full_name"]["pattern"] = "^[^0-9]*$"
    from forms.registry import form_from_dict

    edited = fields_of(form_from_dict("lltp_request", raw))
    edited[1].label = "Họ, chữ đệm và tên"
    again = build_form("lltp_request", "Yêu cầu", edited, base=form_from_dict("x", raw))
    full_name = again.schema["properties"]["applicant"]["properties"]["full_name"]
    assert full_name["pattern"] == "^[^0-9]*$" and full_name["title"] == "Họ, chữ đệm và tên"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (FieldSpec("a b", "text", "X"), "đường dẫn gồm các tên"),
        (FieldSpec("x", "colour", "X"), "kiểu 'colour' không hợp lệ"),
        (FieldSpec("x", "text", " "), "hãy ghi nhãn"),
        (FieldSpec("x", "choice", "X"), "cần có các phương án"),
        (FieldSpec("x", "text", "X", limits={"size": 3}), "giới hạn 'size' không hợp lệ"),
        (FieldSpec("x", "text", "X", prefill={"operation": "nope"}), "x-prefill"),
    ],
)
def test_bad_fields_are_named(spec, problem):
    with pytest.raises(InvalidInput, match=problem):
        build_form("f", "F", [spec])


def test_prefill_operations_are_checked_against_the_registry():
    raw = {"schema": build_form("f", "F", FIELDS).schema}
    assert form_problems_for(raw, {"population.lookup_citizen"}) == []
    assert form_problems_for(raw, {"business.lookup_enterprise"}) == [
        "applicant.cccd: thao tác điền sẵn 'population.lookup_citizen' chưa được đăng ký"
    ]
    assert form_problems_for({"schema": []}) == [
        'biểu mẫu phải là một đối tượng JSON có đối tượng "schema"'
    ]


def test_saved_form_is_found_by_the_registry(tmp_path):
    form = build_form("lltp_request", "Yêu cầu", FIELDS)
    path = save_form(form, tmp_path)
    assert load_form("lltp_request", search_path=[tmp_path]).schema == form.schema
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
