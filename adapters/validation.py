"""Validate operation parameters field by field, so a bad call never leaves the building."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from adapters.errors import InvalidParams
from adapters.identifiers import check_enterprise_code, parse_date, parse_personal_id
from adapters.sim.places import COMMUNES

Converter = Callable[[Any], Any]
#: A field's messages are Vietnamese: officers read them under the form field a prefill
#: lookup refused (`forms.prefill`) and on the incident of a service call sent bad data.
REQUIRED = "bắt buộc, chưa có giá trị"
NOT_A_MAPPING = "tham số phải là một đối tượng JSON (tên trường → giá trị)"
MAX_TEXT = 300


def params(
    required: dict[str, Converter], optional: dict[str, Converter] | None = None
) -> Callable[[dict], dict]:
    """Build a validator: every required field present and valid, nothing unexpected."""
    optional = optional or {}

    def validate(values: dict) -> dict:
        errors: dict[str, list[str]] = {}
        clean: dict[str, Any] = {}
        if not isinstance(values, dict):
            raise InvalidParams(NOT_A_MAPPING, {"": [NOT_A_MAPPING]})
        for name in values.keys() - required.keys() - optional.keys():
            errors.setdefault(name, []).append("thao tác này không nhận tham số này")
        for name, convert in {**required, **optional}.items():
            value = values.get(name)
            if value in (None, ""):
                if name in required:
                    errors.setdefault(name, []).append(REQUIRED)
                continue
            try:
                clean[name] = convert(value)
            except (ValueError, TypeError) as exc:
                errors.setdefault(name, []).append(str(exc))
        if errors:
            raise InvalidParams(f"tham số không hợp lệ: {describe(errors)}", errors)
        return clean

    return validate


def describe(errors: dict[str, list[str]]) -> str:
    """Join field errors into one line, ``field: message; …``, as incidents show them."""
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(errors.items()))


def personal_id(value: Any) -> str:
    return parse_personal_id(value).number


def enterprise_code(value: Any) -> str:
    return check_enterprise_code(value)


def iso_date(value: Any) -> str:
    day = parse_date(value)
    if day > date.today():
        raise ValueError(f"ngày {day:%d/%m/%Y} là ngày trong tương lai")
    return day.isoformat()


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("phải là chữ, không được để trống")
    if len(value) > MAX_TEXT:
        raise ValueError(f"dài {len(value)} ký tự, quá giới hạn {MAX_TEXT} ký tự")
    return value.strip()


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not str(value).isdecimal() or int(value) <= 0:
        raise ValueError(f"{value!r} không phải số nguyên dương")
    return int(value)


def money(value: Any) -> int:
    """Amounts in VND, whole đồng."""
    return positive_int(value)


def commune(value: Any) -> str:
    code = str(value)
    if code not in COMMUNES:
        raise ValueError(f"{code!r} không phải mã xã, phường của tỉnh")
    return code


def one_of(*choices: str) -> Converter:
    def convert(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} không thuộc các giá trị cho phép: {', '.join(choices)}")
        return value

    return convert


def sex(value: Any) -> str:
    return one_of("M", "F")(value)


# Field sets shared by the land and tax adapters (the land office hands a transfer to tax).
PARCEL: dict[str, Converter] = {
    "commune_code": commune,
    "map_sheet": positive_int,
    "parcel_no": positive_int,
}
LAND_TRANSFER: dict[str, Converter] = {
    **PARCEL,
    "seller_id": personal_id,
    "buyer_id": personal_id,
    "declared_price": money,
    "kind": one_of("transfer", "gift", "inheritance"),
}
