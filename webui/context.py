"""Reach the engine the app was built with, from any view (no module-level engine)."""

from __future__ import annotations

from flask import current_app

from engine.runtime import Engine

EXTENSION = "lienthong.engine"


def get_engine() -> Engine:
    """Return the :class:`~engine.runtime.Engine` of the current app."""
    return current_app.extensions[EXTENSION]
