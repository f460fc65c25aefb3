"""Server-side validation: Vietnamese messages per field, custom identifier formats."""

from __future__ import annotations

from datetime import date

import pytest

from forms.formats import check_cccd, check_enterprise_code, check_phone_vn
from forms.registry import Form, load_form
from forms.validation import validate

IDS = Form(
    id="ids",
    schema={
        "type": "object",
        "properties": {
            "cccd": {"type": "string", "format": "cccd"},
            "mst": {"type": "string", "format": "enterprise_code"},
            "phone": {"type": "string", "format": "phone_vn"},
            "born": {"type": "string", "format": "date"},
            "age": {"type": "integer", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
        },
        "additionalProperties": False,
    },
)


def test_valid_data_has_no_errors():
    data = {"cccd": "001099012345", "mst": "0101234567-001", "phone": "0912 345 678"}
    assert validate(IDS, {**data, "born": "1999-02-28", "age": 3, "tags": ["a"]}) == {}


def test_each_bad_field_is_reported_by_path():
    errors = validate(
        IDS,
        {"cccd": "12345", "mst": "01012", "phone": "12345", "born": "1999-02-30", "age": -1,
         "tags": ["ok", ""], "extra": 1},
    )  # fmt: skip
    assert errors == {
        "cccd": ["Số CCCD phải gồm đúng 12 chữ số"],
        "mst": ["Mã số doanh nghiệp phải gồm 10 chữ số, đơn vị phụ thuộc thêm -NNN"],
        "phone": ["Số điện thoại không hợp lệ (ví dụ 0912345678 hoặc +84912345678)"],
        "born": ["Không đúng định dạng ngày (YYYY-MM-DD)"],
        "age": ["Giá trị phải lớn hơn hoặc bằng 0"],
        "tags.1": ["Không được để trống"],
        "extra": ["Trường này không có trong biểu mẫu"],
    }


def test_non_object_data_is_an_error():
    assert validate(IDS, ["x"]) == {"": ["Dữ liệu biểu mẫu phải là một đối tượng JSON"]}
    assert validate(IDS, {"age": "3"}) == {"age": ["Sai kiểu dữ liệu: cần số nguyên"]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("000099012345", "Mã tỉnh 000"),
        ("097099012345", "Mã tỉnh 097"),
        ("00109901234a", "đúng 12 chữ số"),
        ("0014990123456", "đúng 12 chữ số"),
        ("001499012345", "tương lai"),  # digit 4 = 4 → born 2199
        ("001299012345", "tương lai"),  # born 2099
    ],
)
def test_cccd_structure_rules(value, message):
    with pytest.raises(ValueError, match=message):
        check_cccd(value, today=date(2026, 1, 1))


def test_cccd_accepts_both_centuries_and_sexes():
    for value in ("079012345678", "079112345678", "096201012345", "001325012345"):
        assert check_cccd(value, today=date(2026, 1, 1))


def test_enterprise_and_phone_formats():
    assert check_enterprise_code("0312345678") and check_enterprise_code("0312345678-012")
    for bad in ("0312345678-000", "031234567", "0312345678-12", "03123456789"):
        with pytest.raises(ValueError):
            check_enterprise_code(bad)
    for good in ("0912345678", "+84 912 345 678", "84912345678", "02743822222", "0389.123.456"):
        assert check_phone_vn(good)
    for bad in ("0112345678", "091234567", "+8491234567890", "0612345678"):
        with pytest.raises(ValueError):
            check_phone_vn(bad)


def test_appraise_needs_missing_documents_for_supplement_and_reasons_for_refusal():
    form = load_form("appraise")
    assert validate(form, {"opinion": "Đủ điều kiện", "decision": "complete"}) == {}
    assert validate(form, {"opinion": "Thiếu", "decision": "supplement"}) == {
        "missing_documents": ["Trường này là bắt buộc"]
    }
    assert validate(form, {"opinion": "Không đủ", "decision": "refuse", "reasons": []}) == {
        "reasons": ["Cần ít nhất một mục"]
    }
    assert validate(form, {"decision": "complete"}) == {"opinion": ["Trường này là bắt buộc"]}
    assert validate(form, {"opinion": "x", "decision": "forward"}) == {
        "decision": ["Giá trị không nằm trong danh sách cho phép"]
    }


def test_apology_needs_reason_and_new_date():
    form = load_form("apology")
    assert validate(form, {"delay_reason": "Chờ xác minh", "new_due_date": "2026-03-02"}) == {}
    assert validate(form, {"delay_reason": "", "new_due_date": "02/03/2026"}) == {
        "delay_reason": ["Không được để trống"],
        "new_due_date": ["Không đúng định dạng ngày (YYYY-MM-DD)"],
    }
