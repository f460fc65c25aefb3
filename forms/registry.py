"""Find and load eForms (JSON Schema + UI hints) so tasks, lint and the web UI share one source.

A form is a JSON file ``<id>.json`` holding ``{"schema": {...}, "ui": {...}}``: ``schema`` is
JSON Schema draft 2020-12 for the task data, ``ui`` gives the field order, Vietnamese labels and
widgets (``{"order": [...], "fields": {"path.to.field": {"label": ..., "widget": ...}}}``).
Forms are looked up by id along a search path: the directories given by the caller, else the
``LIENTHONG_FORMS_PATH`` directories (``os.pathsep``-separated), then this package's own
directory and its ``generated/`` folder. Forms of catalogue procedures live beside their model
(``<catalogue>/<code>/form.json``, id ``proc_<code>_receive``): a directory on the path that
holds such folders is searched that way too, and the default path ends with the catalogue
(``LIENTHONG_CATALOG_DIR``, else ``./instance/catalog``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.errors import InvalidInput, NotFound
from engine.numbers_vi import grouped

FORMS_DIR = Path(__file__).resolve().parent
GENERATED_DIR = FORMS_DIR / "generated"
FORM_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,127}$")
MAX_FORM_BYTES = 1_000_000


@dataclass(frozen=True)
class Form:
    """One loaded eForm: its id, JSON Schema, UI hints and where it came from."""

    id: str
    schema: dict[str, Any]
    ui: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def catalog_root() -> Path:
    """Return the catalogue directory: ``LIENTHONG_CATALOG_DIR`` or ``./instance/catalog``."""
    return Path(os.environ.get("LIENTHONG_CATALOG_DIR") or "instance/catalog")


def default_search_path() -> list[Path]:
    """Return the directories searched when the caller gives none."""
    extra = [Path(p) for p in os.environ.get("LIENTHONG_FORMS_PATH", "").split(os.pathsep) if p]
    return [*extra, FORMS_DIR, GENERATED_DIR, catalog_root()]


def check_form_id(form_id: Any) -> str:
    """Return `form_id` if it is a safe form id (lower-case letters, digits, '_'), else raise."""
    if not isinstance(form_id, str) or not FORM_ID.match(form_id):
        raise InvalidInput(
            f"mã biểu mẫu {form_id!r} không hợp lệ: chỉ dùng chữ thường, chữ số và '_'",
            {"form": ["Mã biểu mẫu không hợp lệ"]},
        )
    return form_id


def find_form(form_id: str, *, search_path: list[Path] | None = None) -> Path | None:
    """Return the file that holds `form_id`, or None when no directory has it."""
    check_form_id(form_id)
    for directory in search_path if search_path is not None else default_search_path():
        candidate = Path(directory) / f"{form_id}.json"
        if candidate.is_file():
            return candidate
        candidate = _catalogue_forms(str(directory)).get(form_id)
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _catalogue_forms(directory: str) -> dict[str, Path]:
    """Map form ids to ``<code>/form.json`` files of a catalogue directory (else empty)."""
    try:
        stamp = os.stat(directory).st_mtime_ns  # a new procedure folder changes the mtime
    except OSError:
        return {}
    return _catalogue_index(directory, stamp)


@lru_cache(maxsize=32)
def _catalogue_index(directory: str, _stamp: int) -> dict[str, Path]:
    from forms.skeleton import form_id_for

    index = {}
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.is_dir():  # form.json may appear later: checked at lookup
                index[form_id_for(entry.name)] = Path(entry.path) / "form.json"
    return index


def form_exists(form_id: str, *, search_path: list[Path] | None = None) -> bool:
    """Tell whether a form with this id can be found (False for an invalid id)."""
    try:
        return find_form(form_id, search_path=search_path) is not None
    except InvalidInput:
        return False


def load_form(form_id: str, *, search_path: list[Path] | None = None) -> Form:
    """Load form `form_id`; raise `NotFound` if absent, `InvalidInput` if the file is broken."""
    path = find_form(form_id, search_path=search_path)
    if path is None:
        raise NotFound(f"không tìm thấy biểu mẫu {form_id!r} (tệp {form_id}.json)")
    stat = path.stat()
    if stat.st_size > MAX_FORM_BYTES:
        raise InvalidInput(f"tệp biểu mẫu {path} lớn hơn {grouped(MAX_FORM_BYTES)} byte")
    return _load_file(form_id, str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4096)
def _load_file(form_id: str, path: str, _mtime_ns: int, _size: int) -> Form:
    """Read and check a form file once per version (checking a schema costs milliseconds).

    The returned `Form` is shared between callers: treat its schema and ui as read-only.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"tệp biểu mẫu {path} không phải JSON UTF-8 hợp lệ: {exc}") from None
    return form_from_dict(form_id, raw, path=Path(path))


def form_from_dict(form_id: str, raw: Any, *, path: Path | None = None) -> Form:
    """Build a `Form` from its JSON content, checking the shape and the JSON Schema itself."""
    where = str(path) if path else f"biểu mẫu {form_id!r}"
    problems = form_problems(raw)
    if problems:
        raise InvalidInput(f"{where}: {'; '.join(problems)}", {"schema": problems})
    return Form(id=form_id, schema=raw["schema"], ui=raw.get("ui") or {}, path=path)


def form_problems(raw: Any) -> list[str]:
    """List what is wrong with a form's JSON content (empty when it is a usable form)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("schema"), dict):
        return ['biểu mẫu phải là một đối tượng JSON có đối tượng "schema"']
    if "ui" in raw and not isinstance(raw["ui"], dict):
        return ['"ui" phải là một đối tượng JSON']
    try:
        Draft202012Validator.check_schema(raw["schema"])
    except SchemaError as exc:
        location = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        return [f"schema không phải JSON Schema hợp lệ tại {location}: {exc.message}"]
    if raw["schema"].get("type", "object") != "object":
        return ['schema phải mô tả một đối tượng ("type": "object")']
    from forms.prefill import prefill_problems

    return prefill_problems(raw["schema"])
