"""A small province the liên thông flows run in end to end: agencies, officers, simulators.

A flow names its partner lanes by key (``police``, ``social_insurance``, ``tax``); each
deployment maps the keys to its own agencies and gives every lane an officer. This module is
one complete deployment — a commune with its police, and the province's social insurance,
business registration, land and tax offices — so the engine tests, the web tests and the
load benchmark (``bench/load.py``) all run the real flows with the same officers against
the registries' in-process simulators instead of each building its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol

from bpmn.flows import MODELS

#: agency code → (name, level)
AGENCIES = {
    "000.25.41.H56": ("UBND phường Phú Cường", "commune"),
    "000.25.41.H56.CA": ("Công an phường Phú Cường", "commune"),
    "000.00.74.BHXH": ("Bảo hiểm xã hội tỉnh Bình Dương", "province"),
    "000.00.06.H56": ("Phòng Đăng ký kinh doanh – Sở Tài chính", "province"),
    "000.00.07.H56": ("Văn phòng Đăng ký đất đai tỉnh", "province"),
    "000.00.74.THUE": ("Thuế tỉnh Bình Dương", "province"),
}
COMMUNE, POLICE, SOCIAL, BUSINESS, LAND, TAX = AGENCIES
#: username → (agency, roles): one officer for each role a lane of a flow needs
OFFICERS = {
    "motcua.phucuong": (COMMUNE, ["one_stop_officer"]),
    "hotich.phucuong": (COMMUNE, ["specialist"]),
    "chutich.phucuong": (COMMUNE, ["leader"]),
    "congan.cutru": (POLICE, ["specialist"]),
    "bhxh.motcua": (SOCIAL, ["one_stop_officer"]),
    "bhxh.chuyenvien": (SOCIAL, ["specialist"]),
    "bhxh.lanhdao": (SOCIAL, ["leader"]),
    "dkkd.motcua": (BUSINESS, ["one_stop_officer"]),
    "dkkd.chuyenvien": (BUSINESS, ["specialist"]),
    "dkkd.lanhdao": (BUSINESS, ["leader"]),
    "datdai.motcua": (LAND, ["one_stop_officer"]),
    "datdai.chuyenvien": (LAND, ["specialist"]),
    "datdai.lanhdao": (LAND, ["leader"]),
    "thue.motcua": (TAX, ["one_stop_officer"]),  # receives the declarations done alone
    "thue.chuyenvien": (TAX, ["specialist"]),
}
#: lane key of a flow → agency code in this province
LANE_AGENCIES = {"police": POLICE, "social_insurance": SOCIAL, "tax": TAX}
#: procedure code → the agency whose counter receives it (the commune's, when not listed)
RECEIVING = {"1.004222": POLICE, "L.000103": SOCIAL, "2.001583": BUSINESS, "1.013831": LAND,
             "L.000301": BUSINESS, "L.000302": TAX, "L.000303": SOCIAL, "L.000401": TAX,
             "L.000402": LAND}  # fmt: skip
#: the registries the four liên thông flows call
SYSTEMS = ("civil_status", "population", "social_insurance", "business", "tax", "land")
#: adapter settings for the in-process simulators: a failed call is an outage at once (one
#: retry, no backoff), and the circuit stays closed, so a fault shows as the flows handle it.
SIMULATOR_ENV = {
    "LIENTHONG_ADAPTERS_MODE": "inprocess",
    "LIENTHONG_ADAPTERS_BACKOFF": "0",
    "LIENTHONG_ADAPTERS_RETRIES": "1",
    "LIENTHONG_ADAPTERS_TIMEOUT": "2",
    "LIENTHONG_ADAPTERS_BREAKER_FAILURES": "50",
    "LIENTHONG_ADAPTERS_ALLOW": "",
    "LIENTHONG_SIM_PEOPLE": "300",
}


class _Row(Protocol):
    agency_code: str | None
    role: str | None


def receiving(code: str) -> str:
    """The agency whose one-stop counter receives procedure ``code`` here."""
    return RECEIVING.get(code, COMMUNE)


def deploy(engine) -> None:  # noqa: ANN001 - an engine.runtime.Engine (bpmn does not import it)
    """Create the agencies and officers, deploy every flow of `bpmn.flows`, map its lanes."""
    for code, (name, level) in AGENCIES.items():
        engine.ensure_agency(code, name, level=level)
    for username, (agency, roles) in OFFICERS.items():
        engine.ensure_user(username, username, agency, roles)
    for model in MODELS.values():
        engine.deploy(model.code, model.xml(), name=model.name, deadline=model.deadline,
                      agency_code=receiving(model.code), level=model.level)  # fmt: skip
        keys = {k: LANE_AGENCIES[k] for k in model.lane_keys}
        if keys:
            engine.set_lane_agencies(model.code, keys)


def officer(row: _Row) -> str:
    """The officer whose task list shows ``row``: of the row's agency, with the row's role."""
    return officer_of(row.agency_code, row.role)


def officer_of(agency_code: str | None, role: str | None) -> str:
    for username, (agency, roles) in OFFICERS.items():
        if agency == agency_code and role in roles:
            return username
    raise LookupError(f"no officer of {agency_code} with role {role}")


def counter(agency_code: str) -> str:
    """The one-stop officer who receives dossiers at ``agency_code``'s counter."""
    return officer_of(agency_code, "one_stop_officer")


def simulator_env(data_dir: str, people: int | None = None) -> dict[str, str]:
    """The environment that points the adapters at simulators keeping their data in ``data_dir``.

    Every process given it (a test, each Celery worker) builds its own simulators on the same
    SQLite files, so they answer as one registry would.
    """
    env = {**SIMULATOR_ENV, "LIENTHONG_SIM_DATA_DIR": data_dir}
    if people is not None:
        env["LIENTHONG_SIM_PEOPLE"] = str(people)
    return env


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """Set ``env`` in this process for the block (the simulators read it when they seed)."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def seed_simulators(env: Mapping[str, str]) -> None:
    """Build the flows' simulators once, seeding their databases, before workers share them.

    Two processes seeding the same empty file at once would both insert the world; seeding it
    here first leaves the workers only opening it.
    """
    from adapters.registry import Registry

    with environment(env):
        registry = Registry.from_entry_points()
        for name in SYSTEMS:
            registry.adapter(name).simulator()
        for adapter in registry.adapters.values():
            adapter.close()
