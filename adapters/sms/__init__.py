"""Send SMS through the telecom gateway (brandname SMS) — notifications to applicants."""

from __future__ import annotations

import re

from adapters import validation as v
from adapters.http import HttpAdapter, lazy
from adapters.protocol import Operation

MAX_TEXT = 1000


def vn_phone(value: object) -> str:
    """A Vietnamese mobile number, 0xxxxxxxxx or +84xxxxxxxxx → stored as 84xxxxxxxxx."""
    digits = re.sub(r"[\s.\-()]", "", str(value))
    if digits.startswith("+84"):
        digits = "84" + digits[3:]
    elif digits.startswith("0"):
        digits = "84" + digits[1:]
    if not re.fullmatch(r"84[35789]\d{8}", digits):
        raise ValueError(f"{value}: không phải số điện thoại di động Việt Nam")
    return digits


def text(value: object) -> str:
    message = str(value).strip()
    if not message or len(message) > MAX_TEXT:
        raise ValueError(
            f"nội dung tin nhắn phải có từ 1 đến {MAX_TEXT} ký tự (đang có {len(message)})"
        )
    return message


class SmsAdapter(HttpAdapter):
    name = "sms"
    title = "Tổng đài SMS (SMS gateway)"
    install_simulator = staticmethod(lazy("adapters.sms.simulator"))
    operations = {
        "send": Operation(
            "send",
            "Gửi một tin nhắn SMS đến số di động Việt Nam",
            safe=False,
            method="POST",
            path="/messages",
            validate=v.params({"phone": vn_phone, "message": text}),
        ),
    }
