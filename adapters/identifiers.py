"""Check the structure of Vietnamese identifiers before a registry is bothered with them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from adapters.sim.places import PROVINCES

# Digit 4 of a personal ID: (century start, sex) — Circular 07/2016/TT-BCA, art. 7.
CENTURY_SEX = {
    "0": (1900, "M"),
    "1": (1900, "F"),
    "2": (2000, "M"),
    "3": (2000, "F"),
    "4": (2100, "M"),
    "5": (2100, "F"),
    "6": (2200, "M"),
    "7": (2200, "F"),
    "8": (2300, "M"),
    "9": (2300, "F"),
}
TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_ENTERPRISE = re.compile(r"^(\d{10})(?:-(\d{3}))?$")


@dataclass(frozen=True)
class PersonalId:
    number: str
    province_code: str
    province: str
    sex: str
    birth_year: int


def parse_personal_id(value: object, today: date | None = None) -> PersonalId:
    """Return the parts of a 12-digit personal ID, or raise ValueError saying what is wrong.

    The message is Vietnamese: citizens read it at the VNeID sign-in, officers under a form
    field and on incidents.
    """
    text = str(value or "").strip()
    if not re.fullmatch(r"\d{12}", text):
        raise ValueError(f"{text!r}: số định danh cá nhân phải có đúng 12 chữ số")
    province = PROVINCES.get(text[:3])
    if province is None:
        raise ValueError(f"{text}: {text[:3]} (3 chữ số đầu) không phải mã tỉnh, thành phố")
    century, sex = CENTURY_SEX[text[3]]
    year = century + int(text[4:6])
    if year > (today or date.today()).year:
        raise ValueError(f"{text}: chữ số thứ 4–6 cho năm sinh {year}, là năm trong tương lai")
    return PersonalId(text, text[:3], province, sex, year)


def personal_id(year: int, sex: str, province_code: str, serial: int) -> str:
    """Compose a personal ID that passes `parse_personal_id`."""
    digit = next(d for d, (c, s) in CENTURY_SEX.items() if c == year // 100 * 100 and s == sex)
    return f"{province_code}{digit}{year % 100:02d}{serial:06d}"


def tax_check_digit(first9: str) -> int | None:
    """Check digit N10 of a tax/enterprise code; None when no valid code has these digits."""
    digit = 10 - sum(int(d) * w for d, w in zip(first9, TAX_WEIGHTS, strict=True)) % 11
    return None if digit == 10 else digit


def check_enterprise_code(value: object) -> str:
    """Return the normalised enterprise code (10 digits, or 13 as NNNNNNNNNN-NNN for branches)."""
    text = str(value or "").strip()
    match = _ENTERPRISE.fullmatch(text)
    if not match:
        raise ValueError(
            f"{text!r}: mã số doanh nghiệp gồm 10 chữ số, hoặc NNNNNNNNNN-NNN (chi nhánh)"
        )
    main, branch = match.groups()
    if tax_check_digit(main[:9]) != int(main[9]):
        raise ValueError(f"{text}: chữ số kiểm tra (chữ số thứ 10) không khớp")
    if branch == "000":
        raise ValueError(f"{text}: số thứ tự chi nhánh bắt đầu từ 001")
    return text


def parse_date(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} không phải ngày hợp lệ (định dạng YYYY-MM-DD)") from None
