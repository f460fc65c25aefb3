"""A procedure's eForm skeleton: applicant block plus one upload per required document."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from bpmn.catalog.entry import CatalogueEntry, RequiredDocument
from forms.registry import form_from_dict
from forms.skeleton import form_from_entry, form_id_for
from forms.validation import validate

ENTRY = CatalogueEntry(
    code="1.001193",
    name="Thủ tục đăng ký khai sinh",
    documents=[
        RequiredDocument(name="Tờ khai đăng ký khai sinh", originals=1, form_name="Mẫu TP/HT-01"),
        RequiredDocument(name="  Giấy chứng sinh\n(bản chính) ", originals=1),
    ],
)


def test_form_id_follows_procedure_code():
    assert form_id_for("1.001193") == "proc_1_001193_receive"


def test_skeleton_has_applicant_block_and_one_upload_per_document():
    skeleton = form_from_entry(ENTRY)
    Draft202012Validator.check_schema(skeleton["schema"])
    props = skeleton["schema"]["properties"]
    assert list(props["applicant"]["properties"]) == [
        "full_name", "cccd", "date_of_birth", "address", "phone",
    ]  # fmt: skip
    assert props["applicant"]["properties"]["cccd"]["format"] == "cccd"
    docs = props["documents"]["properties"]
    assert [d["title"] for d in docs.values()] == [
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh (bản chính)",
    ]
    ui = skeleton["ui"]["fields"]
    assert ui["documents.doc_01"] == {
        "label": "Tờ khai đăng ký khai sinh",
        "widget": "upload",
        "help": "1 bản chính",
        "template": "Mẫu TP/HT-01",
    }
    assert skeleton["ui"]["order"][-2:] == ["documents.doc_01", "documents.doc_02"]


def test_skeleton_validates_real_submissions():
    form = form_from_dict(form_id_for(ENTRY.code), form_from_entry(ENTRY))
    good = {
        "applicant": {"full_name": "Nguyễn Văn A", "cccd": "074099001234",
                      "address": "Thủ Dầu Một, Bình Dương", "phone": "0912345678"},
        "documents": {"doc_01": ["doc-1"], "doc_02": ["doc-2"]},
    }  # fmt: skip
    assert validate(form, good) == {}
    bad = {"applicant": {**good["applicant"], "cccd": "999"}, "documents": {"doc_01": ["d"]}}
    assert validate(form, bad) == {
        "applicant.cccd": ["Số CCCD phải gồm đúng 12 chữ số"],
        "documents.doc_02": ["Trường này là bắt buộc"],
    }


def test_entry_without_documents_still_gives_a_usable_form():
    skeleton = form_from_entry(CatalogueEntry(code="2.000815", name="Chứng thực bản sao"))
    assert skeleton["schema"]["properties"]["documents"]["properties"] == {}
    Draft202012Validator.check_schema(skeleton["schema"])
