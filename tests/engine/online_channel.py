"""Helpers the online-channel tests share: an engine wired to the portal, payment and SMS
simulators through the real adapter clients (in-process, fast retries)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters.payment import PaymentAdapter
from adapters.portal import PortalAdapter
from adapters.registry import Registry
from adapters.settings import for_adapter
from adapters.sms import SmsAdapter
from engine.runtime import Engine
from tests.engine.conftest import Officers, setup_engine

FAST = {
    "LIENTHONG_ADAPTERS_MODE": "inprocess",
    "LIENTHONG_ADAPTERS_BACKOFF": "0",
    "LIENTHONG_ADAPTERS_RETRIES": "0",
    "LIENTHONG_ADAPTERS_TIMEOUT": "2",
    "LIENTHONG_ADAPTERS_BREAKER_FAILURES": "1000",
}


def online_registry(tmp_path: Any) -> Registry:
    """A registry of the three online-channel adapters on fresh simulators in ``tmp_path``."""
    adapters = [
        cls(for_adapter(cls.name, FAST)) for cls in (PortalAdapter, PaymentAdapter, SmsAdapter)
    ]
    for adapter in adapters:
        adapter.simulator(str(tmp_path / "sims"))
    return Registry(adapters)


@pytest.fixture
def registry(tmp_path: Any) -> Iterator[Registry]:
    reg = online_registry(tmp_path)
    yield reg
    for adapter in reg.adapters.values():
        adapter.simulator().faults.reset()
        adapter.close()


@pytest.fixture
def online(make_engine: Callable[..., Engine], registry: Registry) -> Engine:
    """An engine with portal sync on, calling the simulators through ``registry``."""
    return setup_engine(make_engine(settings={"portal_sync": True}, service_caller=registry.call))


@pytest.fixture
def clerks(online: Engine) -> Officers:
    return Officers(online)
