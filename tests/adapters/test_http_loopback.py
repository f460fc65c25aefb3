"""Run clients against simulators over real HTTP on loopback ports (werkzeug make_server)."""

from __future__ import annotations

import time

import pytest

from adapters.sim.serve import serve
from engine.errors import AdapterError


@pytest.fixture
def over_http(make_registry):
    """Start the population, land and tax simulators on free ports; registry in http mode."""
    builder = make_registry("population,land,tax")
    running = [
        serve(name, builder.adapter(name).simulator()) for name in ("population", "land", "tax")
    ]
    env = {f"LIENTHONG_ADAPTER_{r.name.upper()}_URL": r.url for r in running}
    registry = make_registry(
        "population,land,tax",
        LIENTHONG_ADAPTERS_MODE="http",
        LIENTHONG_ADAPTERS_TIMEOUT="0.3",
        **env,
    )
    yield registry, {r.name: r for r in running}
    for r in running:
        r.stop()


def test_lookup_and_write_over_a_socket(over_http, people):
    registry, running = over_http
    assert running["population"].url.startswith("http://127.0.0.1:")
    person = people.people[0]
    data = registry.call("population.lookup_citizen", {"personal_id": person.personal_id}).data
    assert data["full_name"] == person.full_name
    params = {"personal_id": person.personal_id, "reason": "moved_abroad"}
    first = registry.call("population.deregister_residence", params, idempotency_key="h-1")
    again = registry.call("population.deregister_residence", params, idempotency_key="h-1")
    assert first.data == again.data
    assert running["population"].simulator.count("residence_events") == 1


def test_composite_land_obligations_over_http(over_http, people):
    registry, running = over_http
    parcel = people.parcels[4]
    params = {
        "commune_code": parcel.commune_code,
        "map_sheet": parcel.map_sheet,
        "parcel_no": parcel.parcel_no,
        "seller_id": parcel.owner_id,
        "buyer_id": people.people[2].personal_id,
        "declared_price": 9_000_000_000,
        "kind": "transfer",
    }
    data = registry.call("land.compute_obligations", params, idempotency_key="h-2").data
    assert data["items"][0]["amount"] == max(9_000_000_000, data["state_value"]) * 0.02
    assert running["tax"].simulator.count("notices") == 1


def test_socket_timeout_then_replayed_write(over_http, people):
    registry, running = over_http
    running["population"].simulator.faults.set(timeout_next=1, hang_s=3)
    params = {"personal_id": people.people[1].personal_id, "reason": "other"}
    started = time.perf_counter()
    result = registry.call("population.deregister_residence", params, idempotency_key="h-3")
    assert result.record.attempts == 2 and time.perf_counter() - started < 2
    assert running["population"].simulator.count("residence_events") == 1


def test_stopped_simulator_is_unreachable_and_health_says_so(over_http):
    registry, running = over_http
    running["tax"].stop()
    ok, detail = registry.adapter("tax").health()
    assert not ok and detail.startswith("không kết nối được: ")
    with pytest.raises(AdapterError, match="không kết nối được tới"):
        registry.call(
            "tax.business_obligations",
            {"enterprise_code": "3700000000", "charter_capital": 1},
            idempotency_key="h-4",
        )
