"""Forms are found by id along a search path; broken or unsafe ones get clear errors."""

from __future__ import annotations

import json

import pytest

from engine.errors import InvalidInput, NotFound
from forms.registry import FORMS_DIR, form_exists, load_form

TEMPLATE_FORMS = ["receive", "appraise", "approve", "supplement", "apology"]


@pytest.mark.parametrize("form_id", TEMPLATE_FORMS)
def test_template_forms_load_with_ordered_vietnamese_labels(form_id):
    form = load_form(form_id)
    assert form.id == form_id and form.path == FORMS_DIR / f"{form_id}.json"
    assert form.schema["$schema"].endswith("2020-12/schema")
    order = form.ui["order"]
    assert order and set(order) <= set(form.schema["properties"])
    for name in order:
        assert form.ui["fields"][name]["label"]


def test_search_path_is_used_first(tmp_path):
    (tmp_path / "receive.json").write_text(
        json.dumps({"schema": {"type": "object", "title": "mine"}}), encoding="utf-8"
    )
    assert load_form("receive", search_path=[tmp_path]).schema["title"] == "mine"
    assert form_exists("receive", search_path=[tmp_path])
    assert not form_exists("appraise", search_path=[tmp_path])


def test_missing_form_is_not_found(tmp_path):
    with pytest.raises(NotFound, match="nope"):
        load_form("nope", search_path=[tmp_path])


@pytest.mark.parametrize("form_id", ["../etc/passwd", "Receive", "", "a/b", None, "x" * 200])
def test_unsafe_ids_are_refused(form_id):
    with pytest.raises(InvalidInput, match="không hợp lệ"):
        load_form(form_id)
    assert form_exists(form_id) is False


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "không phải JSON UTF-8 hợp lệ"),
        ("[]", 'đối tượng "schema"'),
        ('{"schema": {"type": "object", "properties": {"a": {"type": "strung"}}}}', "JSON Schema"),
        ('{"schema": {"type": "array"}}', "phải mô tả một đối tượng"),
        ('{"schema": {}, "ui": []}', '"ui" phải là'),
    ],
)
def test_broken_form_files_get_clear_errors(tmp_path, content, message):
    (tmp_path / "bad.json").write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_form("bad", search_path=[tmp_path])


def test_edited_form_file_is_reloaded(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"schema": {"type": "object", "title": "v1"}}), encoding="utf-8")
    assert load_form("mine", search_path=[tmp_path]).schema["title"] == "v1"
    path.write_text(json.dumps({"schema": {"type": "object", "title": "v2 longer"}}), "utf-8")
    assert load_form("mine", search_path=[tmp_path]).schema["title"] == "v2 longer"


def test_catalogue_forms_are_on_the_search_path(tmp_path, monkeypatch):
    from bpmn.catalog.entry import CatalogueEntry, RequiredDocument
    from bpmn.catalog.store import CatalogStore
    from forms.skeleton import form_id_for

    monkeypatch.setenv("LIENTHONG_CATALOG_DIR", str(tmp_path / "catalog"))
    store = CatalogStore()
    birth = [RequiredDocument("Giấy chứng sinh", originals=1)]
    entry = CatalogueEntry(code="1.001193", name="Thủ tục đăng ký khai sinh", documents=birth)
    store.write(entry, generate=True)
    form = load_form(form_id_for("1.001193"))
    assert form.path == tmp_path / "catalog" / "1.001193" / "form.json"
    assert form.schema["title"] == "Thủ tục đăng ký khai sinh"
    assert not form_exists(form_id_for("1.000656"))
    info = CatalogueEntry(code="1.000656", name="Thủ tục đăng ký khai tử", mode="info")
    store.write(info, generate=True)  # a new folder without a form: still not found
    assert not form_exists(form_id_for("1.000656"))
    info.mode = "partial"
    store.write(info, generate=True)  # the form appears inside an existing folder
    assert form_exists(form_id_for("1.000656"))
