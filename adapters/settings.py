"""Read every adapter and simulator setting from the environment; each is documented here.

Per-adapter settings are named `LIENTHONG_ADAPTER_<NAME>_<KEY>` (NAME is the adapter name in
upper case, e.g. `SOCIAL_INSURANCE`); when unset, `LIENTHONG_ADAPTERS_<KEY>` applies to all
adapters, then the default below. `docs/integrators.md` lists them all (a test checks it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from engine.errors import InvalidInput

# name → (default, meaning). Keys marked <NAME> exist once per adapter and once as a global.
SETTINGS: dict[str, tuple[str, str]] = {
    # `inprocess`: clients talk to the simulators embedded in this process (httpx over WSGI,
    # the real client code path); `http`: clients call the base URLs over the network.
    "LIENTHONG_ADAPTERS_MODE": ("inprocess", "inprocess | http"),
    # Comma-separated adapter names to load from the `lienthong.adapters` entry points;
    # empty loads all of them (like datasette's DATASETTE_LOAD_PLUGINS).
    "LIENTHONG_ADAPTERS_ALLOW": ("", "allow-list of adapter names"),
    # Base URL of the real (or started) service; default: the simulator's loopback port.
    "LIENTHONG_ADAPTER_<NAME>_URL": ("http://127.0.0.1:<port>", "base URL"),
    # Bearer token sent in `Authorization`; the simulators accept exactly this value.
    "LIENTHONG_ADAPTER_<NAME>_TOKEN": ("sim-<name>-token", "credential"),
    # Seconds to wait for connect and for each read before the attempt counts as a timeout.
    "LIENTHONG_ADAPTER_<NAME>_TIMEOUT": ("5", "seconds per attempt"),
    # Extra attempts after the first on timeouts, 5xx, 429, garbage and connection errors.
    "LIENTHONG_ADAPTER_<NAME>_RETRIES": ("2", "retries"),
    # First backoff wait in seconds; doubles on each retry (capped at 30 × this value).
    "LIENTHONG_ADAPTER_<NAME>_BACKOFF": ("0.2", "seconds"),
    # Consecutive failed calls that open the circuit (calls then fail fast).
    "LIENTHONG_ADAPTER_<NAME>_BREAKER_FAILURES": ("5", "failures"),
    # Seconds the circuit stays open before one trial call is let through (half-open).
    "LIENTHONG_ADAPTER_<NAME>_BREAKER_RESET": ("30", "seconds"),
    # Directory holding each simulator's SQLite database; default: a fresh temporary dir.
    "LIENTHONG_SIM_DATA_DIR": ("", "directory"),
    # Seed of the deterministic generator of people, parcels and enterprises.
    "LIENTHONG_SIM_SEED": ("20240701", "integer"),
    # Number of generated people (households, parcels and enterprises scale with it).
    "LIENTHONG_SIM_PEOPLE": ("600", "integer"),
    # Faults a simulator starts with, e.g. `latency_ms=50,error_rate=0.1` (see sim/faults.py).
    "LIENTHONG_SIM_<NAME>_FAULTS": ("", "fault spec"),
}

PORTS = {
    "population": 8761,
    "civil_status": 8762,
    "land": 8763,
    "business": 8764,
    "social_insurance": 8765,
    "tax": 8766,
    "judicial_records": 8767,
    "portal": 8768,
    "payment": 8769,
    "sms": 8770,
}
_FALLBACK_PORT = 8790
#: How a bad setting's message names the number it wanted (the registry is built lazily, so
#: the message can end on an incident officers read).
NUMBER_KINDS = {int: "số nguyên", float: "số (dùng dấu chấm thập phân, ví dụ 0.5)"}


@dataclass(frozen=True)
class AdapterSettings:
    """Hold the resolved settings of one adapter."""

    name: str
    base_url: str
    token: str
    timeout_s: float
    retries: int
    backoff_s: float
    breaker_failures: int
    breaker_reset_s: float
    mode: str
    faults: str


def _lookup(env: Mapping[str, str], name: str, key: str, default: str) -> str:
    own = env.get(f"LIENTHONG_ADAPTER_{name.upper()}_{key}")
    if own not in (None, ""):
        return own
    shared = env.get(f"LIENTHONG_ADAPTERS_{key}")
    return shared if shared not in (None, "") else default


def _number(kind: type, env_name: str, raw: str) -> float | int:
    try:
        value = kind(raw)
    except ValueError:
        raise InvalidInput(f"{env_name}: {raw!r} không phải {NUMBER_KINDS[kind]}") from None
    if value < 0:
        raise InvalidInput(f"{env_name}: không được là số âm (đang là {raw!r})")
    return value


def mode(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    value = env.get("LIENTHONG_ADAPTERS_MODE") or "inprocess"
    if value not in ("inprocess", "http"):
        raise InvalidInput(
            f"LIENTHONG_ADAPTERS_MODE phải là 'inprocess' hoặc 'http' (đang là {value!r})"
        )
    return value


def allowed(env: Mapping[str, str] | None = None) -> set[str] | None:
    env = os.environ if env is None else env
    raw = env.get("LIENTHONG_ADAPTERS_ALLOW", "")
    names = {n.strip() for n in raw.split(",") if n.strip()}
    return names or None


def for_adapter(name: str, env: Mapping[str, str] | None = None) -> AdapterSettings:
    """Resolve one adapter's settings: its own variable, then the shared one, then the default."""
    env = os.environ if env is None else env
    port = PORTS.get(name, _FALLBACK_PORT)

    def num(kind: type, key: str, default: str) -> float | int:
        raw = _lookup(env, name, key, default)
        return _number(kind, f"LIENTHONG_ADAPTER_{name.upper()}_{key}", raw)

    return AdapterSettings(
        name=name,
        base_url=_lookup(env, name, "URL", f"http://127.0.0.1:{port}").rstrip("/"),
        token=_lookup(env, name, "TOKEN", f"sim-{name}-token"),
        timeout_s=float(num(float, "TIMEOUT", "5")),
        retries=int(num(int, "RETRIES", "2")),
        backoff_s=float(num(float, "BACKOFF", "0.2")),
        breaker_failures=max(1, int(num(int, "BREAKER_FAILURES", "5"))),
        breaker_reset_s=float(num(float, "BREAKER_RESET", "30")),
        mode=mode(env),
        faults=env.get(f"LIENTHONG_SIM_{name.upper()}_FAULTS", ""),
    )


def sim_data_dir(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    return env.get("LIENTHONG_SIM_DATA_DIR") or None


def sim_seed(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    return int(_number(int, "LIENTHONG_SIM_SEED", env.get("LIENTHONG_SIM_SEED") or "20240701"))


def sim_people(env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    return int(_number(int, "LIENTHONG_SIM_PEOPLE", env.get("LIENTHONG_SIM_PEOPLE") or "600"))
