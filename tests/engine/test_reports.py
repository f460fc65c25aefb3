"""The daily late-dossier report: its content, its PDF and Excel files, and its e-mail.

Figures are checked against the hand-known history and against the dashboard's own
computation; the e-mail goes through a real SMTP server (aiosmtpd) on a free local port.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email import policy
from email.message import Message
from io import BytesIO

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook
from pypdf import PdfReader

from engine.metrics_backlog import backlog
from engine.reports import ReportError, build_daily_report, send_daily_report
from engine.reports_pdf import render_pdf
from engine.reports_xlsx import render_xlsx
from engine.runtime import Engine

from .conftest import AGENCY, setup_engine
from .metrics_history import NOW, History, build_history

#: Yesterday (Thursday 26/11) and the month to date, counted by hand from the history.
DAY = {"received": 1, "settled": 2, "settled_early": 0, "settled_on_time": 0, "settled_late": 2}
MONTH = {"received": 13, "settled": 7, "settled_early": 3, "settled_on_time": 1, "settled_late": 3}


@pytest.fixture
def history(make_engine) -> tuple[Engine, History]:  # noqa: ANN001
    e = setup_engine(make_engine(settings={"executor": "deferred"}))
    return e, build_history(e)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_report_content_matches_the_history(history) -> None:  # noqa: ANN001
    e, h = history
    report = build_daily_report(e, NOW)
    assert [r.code for r in report.late] == [h.codes["A7"]]
    assert [r.code for r in report.near_due] == [h.codes["A9"]]
    assert [(a.code, a.late, a.near_due) for a in report.agencies] == [(AGENCY, 1, 1)]
    assert {k: getattr(report.day_figures, k) for k in DAY} == DAY
    assert {k: getattr(report.month_figures, k) for k in MONTH} == MONTH
    assert report.day.label == "26/11/2026"
    assert [r.code for r in backlog(e, NOW)] == [r.code for r in report.late + report.near_due]


def test_pdf_says_what_the_report_says(history) -> None:  # noqa: ANN001
    e, h = history
    report = build_daily_report(e, NOW)
    reader = PdfReader(BytesIO(render_pdf(report)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Báo cáo hồ sơ trễ hạn ngày 27/11/2026" in text
    assert "Hồ sơ trễ hạn (1)" in text and "Hồ sơ sắp đến hạn (1)" in text
    assert h.codes["A7"] in text and h.codes["A9"] in text
    assert "mc (17,5 giờ)" in text  # A7's receive step, claimed by mc since Wednesday 08:30
    assert "Tỷ lệ đúng hạn 0,0% 57,1%" in text  # yesterday 0/2, the month 4/7
    assert reader.metadata.title == report.title


def test_excel_holds_every_figure_and_row(history) -> None:  # noqa: ANN001
    e, h = history
    report = build_daily_report(e, NOW)
    wb = load_workbook(BytesIO(render_xlsx(report)))
    assert wb.sheetnames == ["Tổng hợp", "Trễ hạn", "Sắp đến hạn"]
    rows = {r[0]: r[1:3] for r in wb["Tổng hợp"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert rows["Hồ sơ tiếp nhận"] == (DAY["received"], MONTH["received"])
    assert rows["Giải quyết trễ hạn"] == (DAY["settled_late"], MONTH["settled_late"])
    assert rows["Giải quyết đúng hạn"] == (DAY["settled_on_time"], MONTH["settled_on_time"])
    assert rows["Tỷ lệ đúng hạn"][1] == pytest.approx(4 / 7)
    late = list(wb["Trễ hạn"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3], r[9], r[10], r[11]) for r in late] == [
        (h.codes["A7"], AGENCY, "Tiếp nhận hồ sơ", "mc", 17.5)
    ]
    assert late[0][7].strftime("%d/%m/%Y %H:%M") == "26/11/2026 17:00"  # local due time
    near = list(wb["Sắp đến hạn"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in near] == [h.codes["A9"]]


def test_daily_report_is_mailed_with_both_files(make_engine, smtp) -> None:  # noqa: ANN001
    port, inbox = smtp
    settings = {
        "executor": "deferred",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "report_recipients": "lanhdao@tinh.gov.vn, vanphong@tinh.gov.vn",
    }
    e = setup_engine(make_engine(settings=settings))
    h = build_history(e)
    summary = send_daily_report(e, NOW)
    assert summary["sent"] is True and (summary["late"], summary["near_due"]) == (1, 1)
    [(to, msg)] = inbox.messages
    assert sorted(to) == ["lanhdao@tinh.gov.vn", "vanphong@tinh.gov.vn"]
    assert msg["Subject"] == "Báo cáo hồ sơ trễ hạn ngày 27/11/2026"
    files = {p.get_filename(): p.get_payload(decode=True) for p in msg.iter_attachments()}
    assert set(files) == {"bao-cao-tre-han-2026-11-27.pdf", "bao-cao-tre-han-2026-11-27.xlsx"}
    assert files["bao-cao-tre-han-2026-11-27.pdf"].startswith(b"%PDF")
    wb = load_workbook(BytesIO(files["bao-cao-tre-han-2026-11-27.xlsx"]))
    assert wb["Trễ hạn"]["A2"].value == h.codes["A7"]
    body = msg.get_body(("plain",)).get_content()
    assert "Hồ sơ trễ hạn đang xử lý: 1" in body


def test_no_recipients_builds_but_sends_nothing(history) -> None:  # noqa: ANN001
    e, _ = history
    assert send_daily_report(e, NOW) == {
        "day": "2026-11-27",
        "late": 1,
        "near_due": 1,
        "recipients": 0,
        "sent": False,
    }


def test_unreachable_smtp_is_a_clear_error(make_engine) -> None:  # noqa: ANN001
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    e = setup_engine(
        make_engine(
            settings={"smtp_host": "127.0.0.1", "smtp_port": port, "report_recipients": "a@b.vn"}
        )
    )
    with pytest.raises(ReportError, match="không gửi được báo cáo"):
        send_daily_report(e, NOW)
    e2 = setup_engine(make_engine(settings={"report_recipients": "a@b.vn"}))
    with pytest.raises(ReportError, match="smtp_host"):
        send_daily_report(e2, NOW)


def test_the_scheduler_mails_the_daily_report(make_engine, smtp) -> None:  # noqa: ANN001
    from celery.schedules import crontab

    from engine.celery_app import beat_schedule, bind_engine, daily_report
    from engine.settings import load

    schedule = beat_schedule(load({"late_report_hour": 6}))
    assert schedule["daily-report"] == {
        "task": "lienthong.daily_report",
        "schedule": crontab(hour=6, minute=10),
    }
    assert daily_report.name == "lienthong.daily_report"
    port, inbox = smtp
    settings = {"smtp_host": "127.0.0.1", "smtp_port": port, "report_recipients": "ld@tinh.vn"}
    e = setup_engine(make_engine(settings={"executor": "deferred", **settings}))
    build_history(e)
    bind_engine(e)
    try:
        summary = daily_report(NOW.isoformat())  # what a worker runs for the beat entry
    finally:
        bind_engine(None)
    assert summary["sent"] is True and summary["late"] == 1
    [(to, msg)] = inbox.messages
    assert to == ["ld@tinh.vn"] and msg["Subject"] == "Báo cáo hồ sơ trễ hạn ngày 27/11/2026"
