"""Hostile XML never gets past engine.xml_safety.parse_xml."""

from pathlib import Path

import pytest
from lxml import etree

from engine.errors import InvalidModel
from engine.xml_safety import parse_xml

DATA = Path(__file__).parent / "data" / "bpmn"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_valid_model_parses_to_a_definitions_tree():
    tree = parse_xml(read("small_valid.bpmn"))
    assert etree.QName(tree.getroot()).localname == "definitions"
    assert tree.xpath("//*[@id='receive']")


@pytest.mark.parametrize(
    "name", ["xxe_file.bpmn", "xxe_network.bpmn", "billion_laughs.bpmn", "external_dtd.bpmn"]
)
def test_doctype_and_entities_are_refused(name):
    with pytest.raises(InvalidModel, match="khai báo DOCTYPE hoặc entity"):
        parse_xml(read(name))


def test_xxe_hidden_in_utf16_is_refused():
    data = read("xxe_file.bpmn").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    with pytest.raises(InvalidModel, match="DOCTYPE"):
        parse_xml(data.encode("utf-16"))


def test_entity_is_never_expanded_even_if_present_in_text():
    # A stray entity reference without a declaration is simply malformed.
    data = read("small_valid.bpmn").replace(b'name="Receive dossier"', b'name="&secret;"')
    with pytest.raises(InvalidModel, match="sai cú pháp XML"):
        parse_xml(data)


def test_fifty_megabyte_file_is_refused_before_parsing():
    data = b"<bpmn:definitions>" + b" " * 50_000_000 + b"</bpmn:definitions>"
    with pytest.raises(InvalidModel, match=r"quá lớn: 50\.000\.037 byte"):
        parse_xml(data)


def test_size_limit_is_configurable():
    with pytest.raises(InvalidModel, match="giới hạn 100 byte"):
        parse_xml(read("small_valid.bpmn"), max_bytes=100)


@pytest.mark.parametrize("data", [b"", b"   \n", b"this is not XML", b"<a><b></a>", b"\x00\xff"])
def test_empty_or_malformed_input_is_refused(data):
    with pytest.raises(InvalidModel, match="trống|sai cú pháp XML|không đọc được"):
        parse_xml(data)


def test_text_instead_of_bytes_is_refused():
    with pytest.raises(InvalidModel, match="bytes, không phải str"):
        parse_xml("<bpmn:definitions/>")  # type: ignore[arg-type]


def test_wrong_root_element_is_refused():
    with pytest.raises(InvalidModel, match="phần tử gốc của tệp BPMN phải là bpmn:definitions"):
        parse_xml(read("wrong_root.xml"))


def test_definitions_in_the_wrong_namespace_is_refused():
    with pytest.raises(InvalidModel, match="tệp có {urn:other}definitions"):
        parse_xml(b'<definitions xmlns="urn:other"/>')
