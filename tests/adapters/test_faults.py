"""Inject each fault and check the client's answer: clear errors, retries, exactly-once writes."""

from __future__ import annotations

import time

import pytest

from adapters.breaker import CircuitBreaker
from engine.errors import AdapterError

PID_PARAMS = {"commune_code": "25741", "address_detail": "Số 3, Đường Bạch Đằng"}


def newborn(pid: str = "074225000321") -> dict:
    return {
        "personal_id": pid,
        **PID_PARAMS,
        "full_name": "Phạm Thu Hà",
        "sex": "F",
        "date_of_birth": "2025-01-05",
        "birth_extract_no": "KS.1",
    }


def events(adapter) -> int:
    return adapter.simulator().count("residence_events")


@pytest.fixture
def population(make_registry):
    registry = make_registry("population")
    return registry, registry.adapter("population")


def test_5xx_then_success_is_retried_and_writes_once(population):
    registry, adapter = population
    adapter.simulator().faults.set(error_next=2)
    result = registry.call("population.register_residence", newborn(), idempotency_key="k-5xx")
    assert result.record.attempts == 3 and result.record.outcome == "ok"
    assert events(adapter) == 1


def test_5xx_until_retries_run_out_is_a_retryable_error(population):
    registry, adapter = population
    adapter.simulator().faults.set(error_rate=1)
    with pytest.raises(AdapterError, match="HTTP 503") as err:
        registry.call("population.lookup_citizen", {"personal_id": "074096086598"})
    assert err.value.retryable is True
    assert err.value.record.attempts == 3 and err.value.record.outcome == "error"


def test_timeout_after_the_write_is_retried_and_writes_once(make_registry):
    registry = make_registry("population", LIENTHONG_ADAPTERS_TIMEOUT="0.2")
    adapter = registry.adapter("population")
    adapter.simulator().faults.set(timeout_next=1, hang_s=5)
    started = time.perf_counter()
    result = registry.call("population.register_residence", newborn(), idempotency_key="k-t")
    assert time.perf_counter() - started < 2
    assert result.record.attempts == 2 and result.record.outcome == "ok"
    assert events(adapter) == 1  # the first, timed-out attempt wrote; the retry replayed it


def test_timeout_every_time_is_reported_as_timeout(make_registry):
    registry = make_registry(
        "population", LIENTHONG_ADAPTERS_TIMEOUT="0.1", LIENTHONG_ADAPTERS_RETRIES="1"
    )
    registry.adapter("population").simulator().faults.set(timeout_rate=1, hang_s=5)
    with pytest.raises(AdapterError, match="không trả lời trong 0.1 giây") as err:
        registry.call("population.lookup_citizen", {"personal_id": "074096086598"})
    assert err.value.record.outcome == "timeout" and err.value.record.attempts == 2


def test_malformed_json_is_a_clear_garbage_error(population):
    registry, adapter = population
    adapter.simulator().faults.set(garbage_rate=1)
    with pytest.raises(AdapterError, match="trả về dữ liệu không phải JSON hợp lệ") as err:
        registry.call("population.lookup_citizen", {"personal_id": "074096086598"})
    assert err.value.record.outcome == "garbage" and err.value.record.attempts == 3


def test_garbage_once_then_the_stored_answer(population):
    registry, adapter = population
    adapter.simulator().faults.set(garbage_next=1)
    result = registry.call("population.register_residence", newborn(), idempotency_key="k-g")
    assert result.data["registration_no"] and result.record.attempts == 2
    assert events(adapter) == 1


def test_duplicate_delivery_with_the_same_key_writes_once(population):
    registry, adapter = population
    adapter.simulator().faults.set(duplicate_rate=1)
    first = registry.call("population.register_residence", newborn(), idempotency_key="k-dup")
    again = registry.call("population.register_residence", newborn(), idempotency_key="k-dup")
    assert first.data == again.data
    assert events(adapter) == 1


def test_same_key_for_another_request_is_refused(population):
    registry, adapter = population
    registry.call("population.register_residence", newborn(), idempotency_key="k-same")
    with pytest.raises(AdapterError, match="đã được dùng cho một yêu cầu khác") as err:
        registry.call(
            "population.register_residence", newborn("074325000322"), idempotency_key="k-same"
        )
    assert err.value.retryable is False and events(adapter) == 1


def test_circuit_opens_after_n_failures_then_half_opens(make_registry):
    registry = make_registry("population", LIENTHONG_ADAPTERS_RETRIES="0")
    adapter = registry.adapter("population")
    now = [1000.0]
    adapter.breaker = CircuitBreaker(3, 30, clock=lambda: now[0])
    faults = adapter.simulator().faults
    faults.set(error_rate=1)
    lookup = {"personal_id": "074096086598"}
    for _ in range(3):
        with pytest.raises(AdapterError, match="HTTP 503"):
            registry.call("population.lookup_citizen", lookup)
    assert adapter.breaker.state == "open"
    faults.reset()
    with pytest.raises(AdapterError, match=r"tạm ngừng gọi .* \(ngắt mạch\)") as err:
        registry.call("population.lookup_citizen", lookup)
    assert err.value.record.attempts == 0 and err.value.retryable is True
    now[0] += 31
    assert adapter.breaker.state == "half-open"
    faults.set(error_next=1)  # the trial call fails: open again
    with pytest.raises(AdapterError, match="HTTP 503"):
        registry.call("population.lookup_citizen", lookup)
    assert adapter.breaker.state == "open"
    now[0] += 31
    assert registry.call("population.lookup_citizen", lookup).record.outcome == "ok"
    assert adapter.breaker.state == "closed"


def test_business_errors_do_not_open_the_circuit(make_registry):
    registry = make_registry("population", LIENTHONG_ADAPTERS_BREAKER_FAILURES="2")
    for _ in range(4):
        with pytest.raises(AdapterError, match="không có công dân mang số định danh"):
            registry.call("population.lookup_citizen", {"personal_id": "074096000001"})
    assert registry.adapter("population").breaker.state == "closed"


def test_latency_is_added(population):
    registry, adapter = population
    adapter.simulator().faults.set(latency_ms=60)
    result = registry.call("population.lookup_citizen", {"personal_id": "074096086598"})
    assert result.record.duration_ms >= 60


def test_faults_are_settable_over_http_and_from_the_environment(make_registry):
    registry = make_registry("population", LIENTHONG_SIM_POPULATION_FAULTS="latency_ms=5")
    adapter = registry.adapter("population")
    assert adapter.simulator().faults.latency_ms == 5
    response = adapter.client.put("/_faults", json={"error_next": 1})
    assert response.status_code == 200 and response.json()["error_next"] == 1
    bad = adapter.client.put("/_faults", json={"explode": 1})
    assert bad.status_code == 400
    assert "không có lỗi giả lập 'explode'" in bad.json()["error"]["message"]
    ok, detail = adapter.health()
    assert not ok and detail == "HTTP 503"


def test_wrong_token_is_not_retried(make_registry):
    registry = make_registry("population", LIENTHONG_ADAPTER_POPULATION_TOKEN="wrong")
    adapter = registry.adapter("population")
    adapter.simulator().token = "right"
    with pytest.raises(AdapterError, match="từ chối mã truy cập của LiênThông") as err:
        registry.call("population.lookup_citizen", {"personal_id": "074096086598"})
    assert err.value.retryable is False and err.value.record.attempts == 1


def test_writes_without_the_key_header_are_refused_by_the_simulator(population):
    _, adapter = population
    response = adapter.client.post("/residences", json=newborn())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


def test_connection_refused_in_http_mode(make_registry):
    registry = make_registry(
        "population",
        LIENTHONG_ADAPTERS_MODE="http",
        LIENTHONG_ADAPTER_POPULATION_URL="http://127.0.0.1:9",
    )
    with pytest.raises(AdapterError, match="không kết nối được tới") as err:
        registry.call("population.lookup_citizen", {"personal_id": "074096086598"})
    assert err.value.record.outcome == "error" and err.value.record.attempts == 3
