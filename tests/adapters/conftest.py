"""Build registries onto fresh simulators, with fast retry settings for tests."""

from __future__ import annotations

import pytest

from adapters.registry import Registry
from adapters.settings import sim_people, sim_seed
from adapters.sim.world import world

FAST = {
    "LIENTHONG_ADAPTERS_MODE": "inprocess",
    "LIENTHONG_ADAPTERS_BACKOFF": "0",
    "LIENTHONG_ADAPTERS_RETRIES": "2",
    "LIENTHONG_ADAPTERS_TIMEOUT": "2",
    "LIENTHONG_ADAPTERS_BREAKER_FAILURES": "3",
    "LIENTHONG_ADAPTERS_BREAKER_RESET": "30",
    "LIENTHONG_SIM_PEOPLE": "300",
}


@pytest.fixture
def make_registry(monkeypatch, tmp_path):
    """Return `make(allow="population", **env)` → a Registry on fresh simulators."""
    built: list[Registry] = []

    def make(allow: str = "", **env: str) -> Registry:
        for key, value in {**FAST, "LIENTHONG_ADAPTERS_ALLOW": allow, **env}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path / f"sims{len(built)}"))
        registry = Registry.from_entry_points()
        built.append(registry)
        return registry

    yield make
    for registry in built:
        for adapter in registry.adapters.values():
            if adapter._simulator is not None:
                adapter._simulator.faults.reset()
            adapter.close()


@pytest.fixture(scope="module")
def shared_registry(tmp_path_factory):
    """One registry for the contract tests (reads change nothing; writes use fresh keys)."""
    mp = pytest.MonkeyPatch()
    for key, value in FAST.items():
        mp.setenv(key, value)
    mp.setenv("LIENTHONG_ADAPTERS_ALLOW", "")
    mp.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path_factory.mktemp("sims")))
    registry = Registry.from_entry_points()
    yield registry
    for adapter in registry.adapters.values():
        adapter.close()
    mp.undo()


@pytest.fixture(scope="session")
def people():
    """The generated world the simulators were seeded with (same seed and size)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LIENTHONG_SIM_PEOPLE", FAST["LIENTHONG_SIM_PEOPLE"])
    result = world(sim_seed(), sim_people())
    mp.undo()
    return result
