"""Importers: the product's YAML/CSV, portal JSON pages, xlsx lists, and how they merge."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from bpmn.catalog.importer import import_path
from bpmn.catalog.importer_portal_json import entry_from_portal, load_portal_file
from bpmn.catalog.importer_table import dump_yaml, entry_from_dict, load_csv, load_yaml
from bpmn.catalog.importer_xlsx import read_list_xlsx
from engine.errors import InvalidInput

DATA = Path(__file__).parent / "data" / "catalog"


def write_list_xlsx(path: Path, rows: list[tuple]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nDANH SÁCH THỦ TỤC HÀNH CHÍNH"])
    ws.append([])
    ws.append(["Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực"])
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def test_yaml_list_of_procedures():
    first, info = load_yaml(DATA / "procedures.yaml")
    assert first.code == "1.000001" and first.deadline().amount == 1
    assert first.documents[1].name == "Giấy chứng sinh" and first.partners == ["civil_status"]
    assert info.mode == "info" and info.documents[0].name == "Văn bản đề nghị"


def test_csv_row_gives_every_channel_the_deadline_and_fee():
    (entry,) = load_csv(DATA / "procedures.csv")
    assert entry.mode == "full" and [c.channel for c in entry.channels] == ["online", "direct"]
    assert all(c.deadline.amount == 3 and c.fee_vnd == 0 for c in entry.channels)
    assert (entry.documents[0].originals, entry.documents[1].copies) == (1, 1)


def test_yaml_round_trip_keeps_everything():
    entry = load_portal_file(DATA / "portal" / "1.000005.json")
    import yaml

    again = entry_from_dict(yaml.safe_load(dump_yaml(entry)), "round trip")
    assert again == entry


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("bad_mode.yaml", "mode"),
        ("bad_code.csv", "d.dddddd"),
        ("not_yaml.yaml", "not a readable YAML"),
    ],
)
def test_bad_product_files_name_the_problem(name, needle):
    with pytest.raises(InvalidInput) as err:
        import_path(DATA / name)
    assert needle in str(err.value) and name in str(err.value)


def test_bad_level_is_reported_with_the_mode():
    with pytest.raises(InvalidInput) as err:
        load_yaml(DATA / "bad_mode.yaml")
    assert set(err.value.errors) == {"mode", "level"}


def test_portal_page_parses_reliable_fields_and_flags_the_rest():
    entry = load_portal_file(DATA / "portal" / "1.000005.json")
    assert entry.level == ["province", "commune"]
    assert entry.competent_agency == "Ủy ban nhân dân cấp xã"
    online, direct = entry.channels
    assert (online.deadline.amount, online.deadline.unit, online.fee_vnd) == (
        3,
        "working_days",
        50_000,
    )
    assert direct.deadline.unit is None  # "5" without a unit: kept, not completed
    assert [d.name for d in entry.documents] == ["Tờ khai theo mẫu", "Bản sao giấy tờ tùy thân"]
    assert entry.documents[0].form_name == "Mau01.docx"
    assert entry.result_codes == ["KQ.G15.000999"]
    assert entry.legal_basis == ["23/2015/NĐ-CP", "01/2020/TT-BTP"]
    assert entry.partners == ["population", "tax"]
    assert entry.coordinating_agencies == ["Cơ quan thuế"]
    fields = {f.field for f in entry.flags}
    assert {"deadline.direct", "mode", "documents.note"} <= fields


def test_portal_page_with_bad_code_is_rejected():
    with pytest.raises(InvalidInput, match="not d.dddddd"):
        entry_from_portal({"ma_thu_tuc": "abc", "ten_thu_tuc": "x"}, "page")


def test_xlsx_rows_after_title_block(tmp_path):
    path = write_list_xlsx(
        tmp_path / "list.xlsx",
        [
            (
                "1.000005",
                "Tên trong danh sách",
                "Bộ Tư pháp",
                "Sở Tư pháp\nUBND cấp xã",
                "Chứng thực",
            )
        ],
    )
    (row,) = read_list_xlsx(path)
    assert row.competent_agencies == ["Sở Tư pháp", "UBND cấp xã"]
    assert row.issuing_agency == "Bộ Tư pháp"


def test_xlsx_without_header_is_rejected(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Something else"])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(InvalidInput, match="no header row"):
        read_list_xlsx(tmp_path / "x.xlsx")


def test_directory_merges_list_pages_and_own_format(tmp_path):
    shutil.copytree(DATA / "portal", tmp_path / "json")
    shutil.copy(DATA / "procedures.yaml", tmp_path)
    write_list_xlsx(
        tmp_path / "list.xlsx",
        [
            ("1.000005", "Tên trong danh sách", "Bộ Tư pháp", "Sở Tư pháp", "Chứng thực"),
            ("1.000006", "Chỉ có trong danh sách", "Bộ Tư pháp", "UBND cấp xã", "Hộ tịch"),
        ],
    )
    batch = import_path(tmp_path)
    by_code = {e.code: e for e in batch.entries}
    assert sorted(by_code) == ["1.000001", "1.000002", "1.000005", "1.000006"]
    page = by_code["1.000005"]
    assert page.name == "Thủ tục thử nghiệm cấp giấy xác nhận"  # the detail page wins
    assert page.issuing_agency == "Bộ Tư pháp"  # only the list states it
    listed = by_code["1.000006"]
    assert listed.channels == [] and listed.documents == []
    assert any(f.field == "detail" for f in listed.flags)
    assert batch.errors == [f"{tmp_path / 'json' / '9.999999.json'}: not a portal procedure page "
                            "(no 'ma_thu_tuc')"]  # fmt: skip


def test_missing_path_and_unknown_file_type(tmp_path):
    with pytest.raises(InvalidInput, match="no such file"):
        import_path(tmp_path / "nope")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InvalidInput, match="unknown source type"):
        import_path(tmp_path / "notes.txt")


def test_report_asks_a_designer_to_map_partner_calls_the_generator_could_not():
    from bpmn.catalog.entry import CatalogueEntry
    from bpmn.catalog.report import procedure_report

    entry = CatalogueEntry(code="1.013831", name="Chuyển nhượng", partners=["land", "population"])
    needs = procedure_report(entry).needs_designer
    assert "map the parameters of land.lookup_parcel" in needs
    assert not any("population" in n for n in needs)  # its citizen ID is mapped
