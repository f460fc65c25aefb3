"""Validate operation parameters field by field, so a bad call never leaves the building."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from adapters.errors import InvalidParams
from adapters.identifiers import check_enterprise_code, parse_date, parse_personal_id
from adapters.sim.places import COMMUNES

Converter = Callable[[Any], Any]


def params(
    required: dict[str, Converter], optional: dict[str, Converter] | None = None
) -> Callable[[dict], dict]:
    """Build a validator: every required field present and valid, nothing unexpected."""
    optional = optional or {}

    def validate(values: dict) -> dict:
        errors: dict[str, list[str]] = {}
        clean: dict[str, Any] = {}
        if not isinstance(values, dict):
            raise InvalidParams("parameters must be a mapping", {"": ["not a mapping"]})
        for name in values.keys() - required.keys() - optional.keys():
            errors.setdefault(name, []).append("unexpected parameter")
        for name, convert in {**required, **optional}.items():
            value = values.get(name)
            if value in (None, ""):
                if name in required:
                    errors.setdefault(name, []).append("required")
                continue
            try:
                clean[name] = convert(value)
            except (ValueError, TypeError) as exc:
                errors.setdefault(name, []).append(str(exc))
        if errors:
            detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(errors.items()))
            raise InvalidParams(f"invalid parameters: {detail}", errors)
        return clean

    return validate


def personal_id(value: Any) -> str:
    return parse_personal_id(value).number


def enterprise_code(value: Any) -> str:
    return check_enterprise_code(value)


def iso_date(value: Any) -> str:
    day = parse_date(value, "date")
    if day > date.today():
        raise ValueError(f"{value}: date is in the future")
    return day.isoformat()


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be non-empty text")
    if len(value) > 300:
        raise ValueError("longer than 300 characters")
    return value.strip()


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not str(value).isdigit() or int(value) <= 0:
        raise ValueError(f"{value!r} is not a positive whole number")
    return int(value)


def money(value: Any) -> int:
    """Amounts in VND, whole đồng."""
    return positive_int(value)


def commune(value: Any) -> str:
    code = str(value)
    if code not in COMMUNES:
        raise ValueError(f"{code!r} is not a commune code of the province")
    return code


def one_of(*choices: str) -> Converter:
    def convert(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
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
