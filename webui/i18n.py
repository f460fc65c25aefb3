"""Languages, dates and name order: Vietnamese first, English as the second language.

Messages are written in Vietnamese in the code and templates (the msgids), so a missing
catalogue still shows Vietnamese; ``translations/en`` holds the English catalogue. Its
``.po`` is committed and compiled to ``.mo`` when the app starts if the ``.mo`` is missing
or older (``ensure_compiled``), so a fresh checkout works without a build step.
Dates are shown dd/mm/yyyy in Vietnam time whatever the language.
"""

from __future__ import annotations

import os
import shutil
import threading
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from engine.codes import VN_TZ

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
#: Dossier statuses as citizens and officers read them (``{{ status|status_label }}``).
STATUS_LABELS = {
    "received": _l("Đã tiếp nhận"),
    "in_process": _l("Đang giải quyết"),
    "supplement_requested": _l("Chờ bổ sung hồ sơ"),
    "settled": _l("Đã có kết quả, chờ trả"),
    "result_returned": _l("Đã trả kết quả"),
    "refused": _l("Từ chối giải quyết"),
    "withdrawn": _l("Đã rút hồ sơ"),
}
DEFAULT = "vi"
TRANSLATIONS = Path(__file__).parent / "translations"

bp = Blueprint("i18n", __name__)
babel = Babel()


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(compiled_translations(app)))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["date_vn"] = format_date_vn
    app.jinja_env.filters["datetime_vn"] = format_datetime_vn
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = select_locale


def select_locale() -> str:
    """The language chosen with the switch, else Vietnamese."""
    lang = session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Switch the interface language (a form in the top bar; CSRF-protected)."""
    lang = request.form.get("lang", DEFAULT)
    session["lang"] = lang if lang in LANGUAGES else DEFAULT
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = url_for("auth.home")
    return redirect(back)


def compiled_translations(app: Flask) -> Path:
    """Compile the catalogues beside their ``.po``; in the instance folder if that is read-only."""
    try:
        ensure_compiled(TRANSLATIONS)
        return TRANSLATIONS
    except OSError:
        copy = Path(app.instance_path) / "translations"
        for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
            target = copy / po.relative_to(TRANSLATIONS)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_bytes() != po.read_bytes():
                shutil.copyfile(po, target)
        ensure_compiled(copy)
        return copy


def ensure_compiled(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``.po`` whose ``.mo`` is missing or older; return what was written."""
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        tmp = mo.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)  # atomic: another process never reads half a file
        written.append(mo)
    return written


def status_label(status: str | None) -> str:
    """The status in the interface language (the raw value when it is unknown)."""
    return str(STATUS_LABELS.get(status or "", status or ""))


def format_date_vn(value: date | datetime | None) -> str:
    """dd/mm/yyyy (in Vietnam time for a moment); empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ)
    return value.strftime("%d/%m/%Y")


def format_datetime_vn(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time; empty for None."""
    if value is None:
        return ""
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


# -- Vietnamese collation ------------------------------------------------------------------
# The Unicode default order (DUCET, what pyuca gives) treats ă, â, ê, ô, ơ, ư as accented a,
# e, o, u, so "ăn" sorts before "anh"; Vietnamese dictionaries treat them as letters of their
# own (a < ă < â < b … d < đ …) and compare tones only when the letters are equal, in the
# order ngang, huyền, hỏi, ngã, sắc, nặng. PyICU does this but needs the ICU C++ library;
# this key implements just that rule, on NFD-decomposed text.
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER = {letter: i for i, letter in enumerate(_ALPHABET)}
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: make a new letter
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vi_sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """Sort key for Vietnamese names: letters first, then tones, then case."""
    letters: list[int] = []
    tones: list[int] = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch.lower())
        base = decomposed[0]
        marks = decomposed[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _MODIFIERS))
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        if letter in _LETTER:
            letters.append(100 + _LETTER[letter])
        elif letter.isspace():
            letters.append(0)
        else:
            letters.append(200 + ord(letter))
        tones.append(tone)
    return tuple(letters), tuple(tones), text


def vi_name_key(full_name: str) -> tuple[Any, ...]:
    """Sort key for people the Vietnamese way: by given name (the last word), then in full."""
    words = full_name.split()
    return (vi_sort_key(words[-1] if words else ""), vi_sort_key(full_name))
