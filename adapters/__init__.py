"""Adapters to the national registries: one protocol, one package per system, simulators.

The engine talks to them only through `adapters.registry.get_registry()`; see
`docs/integrators.md` for the contract and how to add an adapter from another package.
"""
