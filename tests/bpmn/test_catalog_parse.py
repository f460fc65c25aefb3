"""The text parsers on messy strings shaped like the national portal's flattened tables."""

from __future__ import annotations

import pytest

from bpmn.catalog.parse_docs import (
    parse_documents,
    parse_legal_basis,
    parse_levels,
    parse_results,
    split_agencies,
)
from bpmn.catalog.parse_text import fold, parse_channel_table, parse_deadline, parse_fee

HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"


def test_channels_with_units_and_fees():
    rows, flags = parse_channel_table(
        HEADER + "Trực tuyến5 Ngày làm việc50,000 Việt Nam Đồng(đồng/hồ sơ)Nộp qua Cổng."
        "Dịch vụ bưu chính15 NgàyMiễn phíTrực tiếp8 GiờKhông có thông tin"
    )
    assert [r.channel for r in rows] == ["online", "post", "direct"]
    assert (rows[0].deadline.amount, rows[0].deadline.unit) == (5, "working_days")
    assert rows[0].fee_vnd == 50_000 and rows[0].description == "Nộp qua Cổng."
    assert (rows[1].deadline.amount, rows[1].deadline.unit, rows[1].fee_vnd) == (15, "days", 0)
    assert rows[2].deadline.unit == "hours" and rows[2].fee is None
    assert [f.field for f in flags] == ["fee.direct"]


def test_unit_lost_in_crawl_is_flagged_not_guessed():
    rows, flags = parse_channel_table(HEADER + "Trực tuyến1Miễn phíTrực tiếp1Miễn phí")
    assert all(r.deadline.amount == 1 and r.deadline.unit is None for r in rows)
    assert {f.field for f in flags} == {"deadline.online", "deadline.direct"}


def test_unit_recovered_only_from_the_rows_own_description():
    rows, flags = parse_channel_table(
        HEADER + "Trực tiếp3Miễn phíTrong thời hạn 03 ngày làm việc kể từ ngày nhận đủ hồ sơ."
    )
    assert rows[0].deadline.unit == "working_days" and not flags


def test_deadline_and_fee_digits_run_together_are_both_flagged():
    rows, flags = parse_channel_table(HEADER + "Trực tiếp1200 VNĐTrực tuyến140,000 Việt Nam Đồng")
    assert all(r.deadline is None and r.fee_vnd is None for r in rows)
    assert sum("run together" in f.message for f in flags) == 4


def test_channel_word_inside_a_description_does_not_start_a_row():
    rows, _ = parse_channel_table(
        HEADER + "Trực tuyến15 Ngày làm việcMiễn phí- Trực tiếp: tại Cục, - Bưu chính: qua bưu điện"
    )
    assert len(rows) == 1 and "Trực tiếp: tại Cục" in rows[0].description


def test_several_deadlines_for_one_channel_are_flagged():
    rows, flags = parse_channel_table(HEADER + "Trực tuyến3 NgàyMiễn phíTrực tuyến10 NgàyMiễn phí")
    assert len(rows) == 2
    assert any("2 different deadlines" in f.message for f in flags)


def test_no_table_at_all():
    rows, flags = parse_channel_table("Không có thông tin")
    assert rows == [] and flags[0].field == "channels"


@pytest.mark.parametrize(
    ("text", "fee_vnd", "flagged"),
    [
        ("Miễn phí", 0, False),
        ("Miễn phí(Không quy định)", 0, False),
        ("Miễn phí(- Dưới 5 tấn: 50.000 đồng/giấy; - Trên 5 tấn: 100.000 đồng)", None, True),
        ("1,500,000 VNĐ(đồng/lần)", 1_500_000, False),
        ("70,000 Việt Nam Đồng(trực tuyến giảm 50% mức thu)", None, True),
        ("100 USD(100 USD/thẻ.)", None, True),
        ("Không có thông tin", None, True),
        ("Theo thỏa thuận", None, True),
    ],
)
def test_fee_cells(text, fee_vnd, flagged):
    _, amount, flags = parse_fee(text)
    assert amount == fee_vnd
    assert bool(flags) is flagged


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [("05 ngày làm việc", 5, "working_days"), ("15 Ngày", 15, "days"), ("4 Tháng", 4, "months")],
)
def test_free_text_deadline(text, amount, unit):
    deadline, flags = parse_deadline(text)
    assert (deadline.amount, deadline.unit, flags) == (amount, unit, [])


def test_free_text_deadline_without_amount_is_flagged():
    deadline, flags = parse_deadline("theo Quy chế làm việc của Chính phủ")
    assert deadline is None and flags[0].field == "deadline"


def test_documents_with_originals_copies_forms_and_notes():
    docs, flags = parse_documents(
        "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Tờ khai theo mẫu;Mau01.docx"
        "1 bản chính- Giấy phép kinh doanh1 bản sao có chứng thực hoặc bản chính2 bản sao"
        "Trường hợp đã khai thác được dữ liệu thì không phải nộp.0 bản chính"
        "a) Danh sách thành viên1 bản chínhb) Báo cáo2 bản chính"
    )
    assert [d.name for d in docs] == [
        "Tờ khai theo mẫu",
        "Giấy phép kinh doanh1 bản sao có chứng thực hoặc bản chính",
        "a) Danh sách thành viên",
        "b) Báo cáo",
    ]
    assert docs[0].form_name == "Mau01.docx" and docs[0].originals == 1
    assert (docs[1].copies, docs[1].originals) == (2, None)
    assert docs[3].originals == 2
    assert [f.field for f in flags] == ["documents.note"]


def test_empty_document_list_is_flagged():
    docs, flags = parse_documents("Không có thông tin")
    assert docs == [] and flags[0].message == "no document list stated"


def test_results_and_codes():
    names, codes = parse_results(
        "Giấy khai sinhMã: KQ.G15.000031Từ khóaKhông có thông tinMô tảKhông có thông tin"
        "Trích lụcMã: KQ-G15.000040Từ khóaKhông có thông tinMô tảKhông có thông tin"
        "Chọn cơ quan thực hiệnTỉnh/ Thành phố"
    )
    assert names == ["Giấy khai sinh", "Trích lục"]
    assert codes == ["KQ.G15.000031", "KQ.G15.000040"]


def test_result_without_assigned_code_keeps_the_name_only():
    names, codes = parse_results("Mã số cơ sởMã: Chưa xác địnhTừ khóaKhông có thông tin")
    assert names == ["Mã số cơ sở"] and codes == []


def test_legal_basis_numbers_from_glued_cells():
    text = (
        "Tên văn bản pháp lýMã văn bảnNghị định hướng dẫn Luật Hộ tịch123/2015/NĐ-CPThông tư"
        " số 04/2020/TT-BTPHướng dẫn66.7/2025/NQ-CPLuật Hộ tịch60/2014/QH1360/2014/QH13"
    )
    assert parse_legal_basis(text) == [
        "123/2015/NĐ-CP",
        "04/2020/TT-BTP",
        "66.7/2025/NQ-CP",
        "60/2014/QH13",
    ]


def test_levels():
    assert parse_levels("Cấp bộ, Cấp tỉnh, Cấp xã") == (["ministry", "province", "commune"], [])
    levels, flags = parse_levels("Cấp thôn")
    assert levels == [] and {f.field for f in flags} == {"level"}


def test_agencies_and_fold():
    assert split_agencies("Sở Tư Pháp\nChủ tịch UBND  tỉnh") == ["Sở Tư Pháp", "Chủ tịch UBND tỉnh"]
    assert split_agencies("Không có thông tin") == []
    assert fold("Đăng ký KHAI SINH") == "dang ky khai sinh"
