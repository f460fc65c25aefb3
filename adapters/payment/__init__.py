"""Collect dossier fees through the payment gateway (a VNPay/PayGov-style redirect flow).

The product creates a payment (amount, its own order reference, where to send the citizen
back and where to call back), sends the citizen to the gateway's ``pay_url``, and learns
the outcome from a callback signed with HMAC-SHA256 of the raw body under the shared
secret (``LIENTHONG_ADAPTER_PAYMENT_SECRET`` here, ``payment_secret`` in the engine).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping

from adapters import validation as v
from adapters.http import HttpAdapter, lazy
from adapters.protocol import Operation

SIGNATURE_HEADER = "X-Payment-Signature"
MAX_AMOUNT = 10_000_000_000


def secret(env: Mapping[str, str] | None = None) -> str:
    """The secret both sides sign callbacks with (the gateway's merchant hash key)."""
    env = os.environ if env is None else env
    return env.get("LIENTHONG_ADAPTER_PAYMENT_SECRET") or "sim-payment-secret"


def sign(body: bytes, key: str) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def amount(value: object) -> int:
    whole = not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, str) and value.strip().isdecimal())
    )
    if not whole:
        raise ValueError(f"{value!r}: số tiền phải là số nguyên đồng (VND)")
    number = int(value)  # type: ignore[arg-type]
    if not 0 < number <= MAX_AMOUNT:
        raise ValueError(
            f"số tiền {number} đồng nằm ngoài khoảng cho phép: "
            f"từ 1 đồng đến {MAX_AMOUNT // 10**9} tỷ đồng"
        )
    return number


def text(limit: int):
    def convert(value: object) -> str:
        out = str(value).strip()
        if not out or len(out) > limit:
            raise ValueError(f"phải có từ 1 đến {limit} ký tự (đang có {len(out)})")
        return out

    return convert


def url(value: object) -> str:
    out = str(value)
    if not out.startswith(("http://", "https://", "/")) or len(out) > 500:
        raise ValueError(
            "phải là địa chỉ http(s):// hoặc đường dẫn bắt đầu bằng /, tối đa 500 ký tự"
        )
    return out


class PaymentAdapter(HttpAdapter):
    name = "payment"
    title = "Cổng thanh toán (payment gateway)"
    install_simulator = staticmethod(lazy("adapters.payment.simulator"))
    operations = {
        "create_payment": Operation(
            "create_payment",
            "Tạo giao dịch thanh toán phí, lệ phí của hồ sơ; trả về pay_url để công dân thanh toán",
            safe=False,
            method="POST",
            path="/payments",
            validate=v.params(
                {"order_ref": text(80), "amount": amount, "description": text(255)},
                {"return_url": url, "callback_url": url},
            ),
        ),
        "get_payment": Operation(
            "get_payment",
            "Xem trạng thái giao dịch tại cổng (chờ thanh toán, đã thanh toán, thất bại)",
            safe=True,
            path="/payments/{payment_id}",
            validate=v.params({"payment_id": text(80)}),
        ),
    }
