"""Prefill tests call the real simulators: share the adapters' registry fixtures."""

from tests.adapters.conftest import make_registry, people  # noqa: F401
