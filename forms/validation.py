"""Validate task data against an eForm on the server, with messages an officer can read.

SpiffArena leaves server-side form validation off by default; LiênThông always validates.
Errors are keyed by field path (``applicant.cccd``, ``missing_documents.0``; ``""`` for the
form as a whole) and worded in Vietnamese.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from forms.formats import CUSTOM_FORMATS, format_checker
from forms.registry import Form

_TYPES_VI = {
    "string": "chuỗi ký tự",
    "integer": "số nguyên",
    "number": "số",
    "boolean": "đúng/sai",
    "array": "danh sách",
    "object": "nhóm thông tin",
    "null": "rỗng",
}
_FORMATS_VI = {
    "date": "ngày (YYYY-MM-DD)",
    "date-time": "ngày giờ (ISO 8601)",
    "email": "địa chỉ email",
    "uri": "địa chỉ URI",
}


def validate(form: Form, data: dict) -> dict[str, list[str]]:
    """Return field path → Vietnamese messages for everything wrong in `data` (empty if valid)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        return {"": ["Dữ liệu biểu mẫu phải là một đối tượng JSON"]}
    validator = Draft202012Validator(form.schema, format_checker=format_checker())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        for path, message in _describe(error):
            bucket = errors.setdefault(path, [])
            if message not in bucket:
                bucket.append(message)
    return errors


def _join(parts: Any) -> str:
    return ".".join(str(part) for part in parts)


def _describe(error: ValidationError) -> list[tuple[str, str]]:
    """Turn one jsonschema error into (field path, Vietnamese message) pairs."""
    path = list(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [(_join([*path, name]), "Trường này là bắt buộc") for name in value
                if name not in present]  # fmt: skip
    if kind == "additionalProperties" or kind == "unevaluatedProperties":
        allowed = set((error.schema or {}).get("properties", {}))
        extra = [k for k in (error.instance or {}) if k not in allowed]
        return [(_join([*path, name]), "Trường này không có trong biểu mẫu") for name in extra]
    return [(_join(path), _message(error, kind, value))]


def _message(error: ValidationError, kind: str, value: Any) -> str:
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        return "Sai kiểu dữ liệu: cần " + " hoặc ".join(_TYPES_VI.get(t, t) for t in wanted)
    if kind == "format":
        if value in CUSTOM_FORMATS and error.cause is not None and str(error.cause):
            return str(error.cause)  # our own checkers explain in Vietnamese
        return f"Không đúng định dạng {_FORMATS_VI.get(value, value)}"
    if kind == "minLength":
        return "Không được để trống" if value == 1 else f"Cần ít nhất {value} ký tự"
    if kind == "maxLength":
        return f"Không được quá {value} ký tự"
    if kind == "minItems":
        return "Cần ít nhất một mục" if value == 1 else f"Cần ít nhất {value} mục"
    if kind == "maxItems":
        return f"Không được quá {value} mục"
    if kind in ("enum", "const"):
        return "Giá trị không nằm trong danh sách cho phép"
    if kind == "pattern":
        return "Không đúng định dạng yêu cầu"
    if kind in ("minimum", "exclusiveMinimum"):
        return f"Giá trị phải {'lớn hơn hoặc bằng' if kind == 'minimum' else 'lớn hơn'} {value}"
    if kind in ("maximum", "exclusiveMaximum"):
        return f"Giá trị phải {'nhỏ hơn hoặc bằng' if kind == 'maximum' else 'nhỏ hơn'} {value}"
    if kind == "uniqueItems":
        return "Các mục không được trùng nhau"
    return f"Giá trị không hợp lệ ({kind})"
