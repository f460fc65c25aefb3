# ruff: noqa: F811 - pytest fixtures imported from tests.engine.online_channel
"""Fees through the simulated gateway: pay, fail, pay twice, late and replayed callbacks."""

from __future__ import annotations

import json

import pytest

from adapters.payment import sign
from adapters.payment.simulator import settle
from engine import payments
from engine.errors import InvalidInput, NotFound
from engine.models import PaymentEvent
from tests.engine.conftest import TEST_PROC, count
from tests.engine.online_channel import clerks, online, registry  # noqa: F401


@pytest.fixture
def gateway(registry):
    return registry.adapter("payment").simulator()


def owed(online, clerks, amount: int = 50_000):
    d = clerks.submit(TEST_PROC)
    payments.set_fee(online, d.code, amount, "Lệ phí đăng ký")
    return d


def test_pay_once(online, clerks, gateway):
    d = owed(online, clerks)
    row = payments.start_online(online, d.code, return_url="/cong-dan/ho-so")
    assert row.state == "pending" and row.pay_url == f"/pay/{row.gateway_ref}"
    assert payments.start_online(online, d.code).gateway_ref == row.gateway_ref  # reused
    _, signature, body = settle(gateway, row.gateway_ref, "paid")
    result = payments.handle_callback(online, body, signature)
    assert (result.effect, result.state, result.dossier_code) == ("applied", "paid", d.code)
    fee = payments.fee(online, d.code)
    assert fee.channel == "online" and fee.paid_at is not None and fee.transaction_id
    with pytest.raises(InvalidInput, match="đã thanh toán"):
        payments.start_online(online, d.code)


def test_a_replayed_callback_changes_nothing(online, clerks, gateway):
    d = owed(online, clerks)
    row = payments.start_online(online, d.code)
    _, signature, body = settle(gateway, row.gateway_ref, "paid")
    assert payments.handle_callback(online, body, signature).effect == "applied"
    assert payments.handle_callback(online, body, signature).effect == "replayed"
    assert count(online, PaymentEvent) == 1
    assert payments.fee(online, d.code).duplicate_payments == 0


def test_fail_then_pay_with_a_new_gateway_payment(online, clerks, gateway):
    d = owed(online, clerks)
    first = payments.start_online(online, d.code)
    _, signature, body = settle(gateway, first.gateway_ref, "failed")
    assert payments.handle_callback(online, body, signature).state == "failed"
    second = payments.start_online(online, d.code)
    assert second.gateway_ref != first.gateway_ref and second.state == "pending"
    _, signature, body = settle(gateway, second.gateway_ref, "paid")
    assert payments.handle_callback(online, body, signature).state == "paid"


def test_paying_twice_is_counted_for_a_refund_never_applied_twice(online, clerks, gateway):
    d = owed(online, clerks)
    row = payments.start_online(online, d.code)
    for _ in range(2):
        _, signature, body = settle(gateway, row.gateway_ref, "paid")
        last = payments.handle_callback(online, body, signature)
    assert last.effect == "duplicate" and last.state == "paid"
    assert payments.fee(online, d.code).duplicate_payments == 1


def test_late_callbacks(online, clerks, gateway):
    d = owed(online, clerks)
    row = payments.start_online(online, d.code)
    _, fail_sig, fail_body = settle(gateway, row.gateway_ref, "failed")
    _, paid_sig, paid_body = settle(gateway, row.gateway_ref, "paid")
    # the success arrives first; the earlier failure, delivered late, is ignored
    assert payments.handle_callback(online, paid_body, paid_sig).state == "paid"
    late = payments.handle_callback(online, fail_body, fail_sig)
    assert (late.effect, late.state) == ("ignored", "paid")


def test_a_late_success_of_an_abandoned_attempt_still_pays(online, clerks, gateway):
    d = owed(online, clerks)
    first = payments.start_online(online, d.code)
    _, fail_sig, fail_body = settle(gateway, first.gateway_ref, "failed")
    payments.handle_callback(online, fail_body, fail_sig)
    payments.start_online(online, d.code)  # a second attempt is opened
    _, sig, body = settle(gateway, first.gateway_ref, "paid")  # the first one went through
    assert payments.handle_callback(online, body, sig).state == "paid"


def test_forged_or_tampered_callbacks_are_refused(online, clerks, gateway):
    d = owed(online, clerks)
    row = payments.start_online(online, d.code)
    _, signature, body = settle(gateway, row.gateway_ref, "paid")
    with pytest.raises(payments.BadSignature):
        payments.handle_callback(online, body, "0" * 64)
    with pytest.raises(payments.BadSignature):
        payments.handle_callback(online, body, None)
    tampered = json.loads(body) | {"amount": 1}
    with pytest.raises(payments.BadSignature):
        payments.handle_callback(online, json.dumps(tampered).encode(), signature)
    cheap = json.dumps(tampered).encode()  # signed with the right key but the wrong amount
    result = payments.handle_callback(online, cheap, sign(cheap, "sim-payment-secret"))
    assert (result.effect, result.state) == ("mismatch", "pending")
    with pytest.raises(InvalidInput, match="không phải JSON"):
        payments.handle_callback(online, b"{", sign(b"{", "sim-payment-secret"))


def test_counter_payment_and_bad_fees(online, clerks):
    d = owed(online, clerks, 30_000)
    paid = payments.record_counter_payment(online, d.code, actor="mc", receipt_no="BL-0001")
    assert (paid.state, paid.channel) == ("paid", "counter")
    with pytest.raises(InvalidInput):
        payments.set_fee(online, d.code, 0, "")
    with pytest.raises(InvalidInput, match="đã thanh toán"):
        payments.set_fee(online, d.code, 40_000, "")
    other = clerks.submit(TEST_PROC)
    with pytest.raises(NotFound, match="không có phí, lệ phí phải nộp"):
        payments.start_online(online, other.code)
