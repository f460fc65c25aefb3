# ruff: noqa: F811 - pytest fixtures imported from tests.engine.online_channel
"""Notifications: email over a real local SMTP server, SMS through the simulated gateway."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email import policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from adapters.sms.simulator import sent
from engine import notifications
from tests.engine.conftest import TEST_PROC, setup_engine
from tests.engine.online_channel import registry  # noqa: F401

APPLICANT = {
    "full_name": "Trần Văn Minh",
    "id_number": "074096086598",
    "email": "minh@example.vn",
    "phone": "0912 345 678",
}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
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


@pytest.fixture
def mailer(make_engine, registry, smtp):
    port, _ = smtp
    settings = {"smtp_host": "127.0.0.1", "smtp_port": port}
    return setup_engine(make_engine(settings=settings, service_caller=registry.call))


def test_the_applicant_hears_of_receipt_supplementation_new_date_and_result(
    mailer, smtp, registry, clock
):
    from tests.engine.conftest import Officers

    officers = Officers(mailer)
    d = officers.submit(TEST_PROC, applicant=dict(APPLICANT))
    officers.walk(d, ["receive", ("appraise", "supplement")])
    clock.advance(days=1)
    officers.walk(d, ["supplement", "appraise", "approve"])
    report = mailer.tick()
    assert report["notify_sent"] == 8
    rows = notifications.for_dossier(mailer, d.id)
    assert [(r.event, r.channel) for r in rows] == [
        (event, channel)
        for event in ("received", "supplement_requested", "new_due_date", "settled")
        for channel in ("email", "sms")
    ]
    assert all(r.state == "sent" and r.attempts == 1 for r in rows)
    _, inbox = smtp
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects == [
        f"Đã tiếp nhận hồ sơ {d.code}",
        f"Yêu cầu bổ sung hồ sơ {d.code}",
        f"Hẹn lại ngày trả kết quả hồ sơ {d.code}",
        f"Đã có kết quả hồ sơ {d.code}",
    ]
    first = inbox.messages[0]
    assert first["To"] == "minh@example.vn"
    assert "Ngày hẹn trả kết quả: 17:00 ngày 09/12/2026" in first.get_content()
    assert "Bản sao CCCD" in inbox.messages[1].get_content()
    texts = sent(registry.adapter("sms").simulator())
    assert [t["phone"] for t in texts] == ["84912345678"] * 4
    assert texts[0]["message"].startswith(f"Hồ sơ {d.code} của Ông/Bà đã được tiếp nhận")
    assert mailer.tick().get("notify_sent", 0) == 0


def test_an_smtp_outage_is_retried_and_nothing_is_lost(make_engine, registry, clock):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]  # nobody listens here
    settings = {"smtp_host": "127.0.0.1", "smtp_port": dead, "sms_notifications": False}
    e = setup_engine(make_engine(settings=settings, service_caller=registry.call))
    from tests.engine.conftest import Officers

    d = Officers(e).submit(TEST_PROC, applicant=dict(APPLICANT))
    assert e.tick()["notify_retry"] == 1
    [row] = notifications.for_dossier(e, d.id)
    assert row.channel == "email" and row.state == "pending" and "không gửi được" in row.last_error


def test_without_smtp_the_email_is_recorded_as_failed(make_engine, registry):
    e = setup_engine(make_engine(service_caller=registry.call))
    from tests.engine.conftest import Officers

    d = Officers(e).submit(TEST_PROC, applicant={**APPLICANT, "phone": ""})
    e.tick()
    [row] = notifications.for_dossier(e, d.id)
    assert row.state == "failed" and "SMTP chưa được cấu hình" in row.last_error


def test_no_contact_no_notification(engine, officers):
    d = officers.submit(TEST_PROC)
    assert notifications.for_dossier(engine, d.id) == []


def test_templates_are_vietnamese_and_name_the_missing_documents():
    subject, body = notifications.render(
        "supplement_requested",
        {"dossier_code": "X-1", "missing_documents": ["Tờ khai", "Bản sao CCCD"], "note": ""},
    )
    assert subject == "Yêu cầu bổ sung hồ sơ X-1"
    assert "Tờ khai; Bản sao CCCD" in body
    assert notifications.render("in_process", {}) is None
