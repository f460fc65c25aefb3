"""Dates as Vietnamese officers type and read them: dd/mm/yyyy, everywhere.

Browsers render ``<input type="date">`` in the browser's own locale (an English browser shows
mm/dd/yyyy), so date inputs are text inputs with a dd/mm/yyyy pattern and placeholder, and the
server parses what was typed. ISO ``yyyy-mm-dd`` is still accepted (old links, saved filters,
API clients); the engine and the eForm data keep ISO dates.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint

bp = Blueprint("dates", __name__)

#: What a date input accepts (HTML ``pattern``; the server checks again).
PATTERN = r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}"
PLACEHOLDER = "dd/mm/yyyy"
_VN = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(text: str) -> date:
    """Read dd/mm/yyyy (also d/m/yyyy, dd.mm.yyyy, dd-mm-yyyy) or ISO; ``ValueError`` if not."""
    value = (text or "").strip()
    if _ISO.match(value):
        return date.fromisoformat(value)
    found = _VN.match(value)
    if not found:
        raise ValueError(f"not a dd/mm/yyyy date: {value!r}")
    day, month, year = (int(part) for part in found.groups())
    return date(year, month, day)  # ValueError for 31/02/2026


def iso_or_raw(text: str) -> str:
    """The ISO form of a typed date, or the text unchanged (the validator then names it)."""
    try:
        return parse_day(text).isoformat()
    except ValueError:
        return text


@bp.app_template_filter("day_input")
def day_input(value: Any) -> str:
    """Show a stored or typed date in an input as dd/mm/yyyy; anything else unchanged."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = "" if value is None else str(value)
    if _ISO.match(text.strip()):
        try:
            return date.fromisoformat(text.strip()).strftime("%d/%m/%Y")
        except ValueError:
            return text
    return text


# Globals, not a context processor: imported macros (counter/_fields.html) see globals only.
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(
        DATE_PATTERN=PATTERN, DATE_PLACEHOLDER=PLACEHOLDER
    )
)
