"""Check Vietnamese identifiers in form data: citizen ID (CCCD), enterprise code, phone.

Each checker raises `ValueError` with a Vietnamese explanation, which `forms.validation`
shows to the user; `format_checker()` bundles them with jsonschema's standard formats.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from jsonschema import FormatChecker

CUSTOM_FORMATS = frozenset({"cccd", "enterprise_code", "phone_vn"})
_CCCD = re.compile(r"^\d{12}$")
_ENTERPRISE = re.compile(r"^\d{10}(?:-(\d{3}))?$")
_PHONE = re.compile(r"^(?:\+84|84|0)(?:[35789]\d{8}|2\d{9})$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def check_cccd(value: Any, *, today: date | None = None) -> bool:
    """Check a 12-digit personal identification number (số định danh cá nhân / CCCD).

    Digits 1–3: province of birth registration, 001–096. Digit 4: sex and century
    (0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s, 6/7 → 2200s, 8/9 → 2300s; even male, odd female).
    Digits 5–6: the last two digits of the birth year, which may not be in the future.
    """
    if not isinstance(value, str):
        return True  # the "type" keyword reports non-strings
    if not _CCCD.match(value):
        raise ValueError("Số CCCD phải gồm đúng 12 chữ số")
    province = int(value[:3])
    if not 1 <= province <= 96:
        raise ValueError(f"Mã tỉnh {value[:3]} trong số CCCD không hợp lệ (001–096)")
    century = 1900 + 100 * (int(value[3]) // 2)
    year = century + int(value[4:6])
    if year > (today or date.today()).year:
        raise ValueError(f"Năm sinh {year} suy ra từ số CCCD nằm trong tương lai")
    return True


def check_enterprise_code(value: Any) -> bool:
    """Check an enterprise code (mã số doanh nghiệp = tax code): 10 digits, branches -NNN."""
    if not isinstance(value, str):
        return True
    found = _ENTERPRISE.match(value)
    if not found:
        raise ValueError("Mã số doanh nghiệp phải gồm 10 chữ số, đơn vị phụ thuộc thêm -NNN")
    if found.group(1) == "000":
        raise ValueError("Mã đơn vị phụ thuộc (-NNN) phải từ 001 đến 999")
    return True


def check_phone_vn(value: Any) -> bool:
    """Check a Vietnamese phone number: mobile 0[35789]xxxxxxxx or landline 02xxxxxxxxx."""
    if not isinstance(value, str):
        return True
    if not _PHONE.match(_PHONE_SEPARATORS.sub("", value)):
        raise ValueError("Số điện thoại không hợp lệ (ví dụ 0912345678 hoặc +84912345678)")
    return True


def format_checker() -> FormatChecker:
    """Return jsonschema's standard format checker plus cccd, enterprise_code and phone_vn."""
    checker = FormatChecker()
    checker.checks("cccd", raises=ValueError)(check_cccd)
    checker.checks("enterprise_code", raises=ValueError)(check_enterprise_code)
    checker.checks("phone_vn", raises=ValueError)(check_phone_vn)
    return checker
