"""Parse untrusted BPMN XML without letting it reach files, the network or unbounded memory.

Every uploaded or imported diagram goes through `parse_xml` before SpiffWorkflow sees it
(SpiffWorkflow itself parses with lxml's permissive default parser). A document is refused
outright if it carries a DOCTYPE at all: BPMN never needs one, and refusing it closes XXE,
external DTDs and entity-expansion bombs in one rule instead of relying on each parser flag.
"""

from __future__ import annotations

import re

from lxml import etree

from engine.errors import InvalidModel
from engine.numbers_vi import grouped

BPMN_MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DEFAULT_MAX_BYTES = 5_000_000

# A DOCTYPE (and so any DTD or entity declaration) must come before the root element; a
# document-wide search also catches one hidden after comments or processing instructions.
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ENCODINGS_TO_SNIFF = ("utf-16", "utf-32")


def _parser() -> etree.XMLParser:
    """Build a fresh parser: lxml parsers are not thread-safe, so never share one."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
        collect_ids=False,
    )


def _declares_doctype(data: bytes) -> bool:
    """Tell whether the bytes declare a DOCTYPE or entity, in UTF-8 or a wide encoding."""
    if _DOCTYPE.search(data):
        return True
    # UTF-16/32 documents hide the ASCII pattern between zero bytes; decode to look.
    if data[:4].count(0) or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        for encoding in _ENCODINGS_TO_SNIFF:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if re.search(r"<!\s*(DOCTYPE|ENTITY)", text, re.IGNORECASE):
                return True
    return False


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Parse BPMN bytes with a hardened parser; refuse anything that is not plain BPMN XML.

    Raises `InvalidModel` for: non-bytes input, empty input, input over `max_bytes` (checked
    before parsing), any DOCTYPE/ENTITY declaration, malformed XML and a root element that is
    not `bpmn:definitions`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidModel(f"mô hình BPMN phải ở dạng bytes, không phải {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise InvalidModel(
            f"tệp BPMN quá lớn: {grouped(len(data))} byte (giới hạn {grouped(max_bytes)} byte)"
        )
    if not data.strip():
        raise InvalidModel("tệp BPMN trống")
    if _declares_doctype(data):
        raise InvalidModel("tệp BPMN khai báo DOCTYPE hoặc entity; không được dùng DTD và entity")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidModel(f"tệp BPMN sai cú pháp XML: {exc}") from None
    except (etree.LxmlError, ValueError) as exc:
        raise InvalidModel(f"không đọc được tệp BPMN như XML: {exc}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InvalidModel("tệp BPMN khai báo DOCTYPE; không được dùng DTD")
    if not isinstance(root.tag, str) or etree.QName(root).text != f"{{{BPMN_MODEL_NS}}}definitions":
        found = root.tag if isinstance(root.tag, str) else type(root).__name__
        raise InvalidModel(
            f"phần tử gốc của tệp BPMN phải là bpmn:definitions trong namespace "
            f"{BPMN_MODEL_NS}, nhưng tệp có {found}"
        )
    return tree
