"""Every engine setting, its default and what it is for, in one place.

Values come from ``LIENTHONG_<NAME>`` environment variables, then from the mapping passed
to :func:`load` (tests, the web app's config). ``tests/engine/test_docs.py`` fails when a
setting here is missing from ``docs/settings.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Settings:
    #: SQLAlchemy URL; SQLite (WAL) for the embedded default, PostgreSQL for a province.
    database_url: str = "sqlite:///instance/lienthong.sqlite"
    #: "celery" queues service tasks as Celery tasks after the step commits; "inprocess" runs
    #: them directly in the caller's thread; "deferred" collects them for ``tick``/tests.
    executor: str = "celery"
    #: Run Celery tasks eagerly in the calling process (the embedded default: no broker, no
    #: worker); set to false for the distributed mode with separate workers.
    celery_eager: bool = True
    #: Celery broker for the distributed mode.
    broker_url: str = "redis://127.0.0.1:6379/0"
    #: Largest BPMN file accepted, in bytes (a hostile 50 MB upload is refused before parsing).
    max_bpmn_bytes: int = 5_000_000
    #: Province calendar (make-up working days, extra days off) loaded at start, YAML.
    calendar_file: str = ""
    #: Share of a step's time left at which the step is flagged near-due.
    warn_share: float = 0.25
    #: Role that late steps are escalated to.
    escalation_role: str = "head_of_unit"
    #: Attempts for a failing service task before it becomes an incident for a person.
    service_max_attempts: int = 5
    #: Seconds between service-task retries (doubled each attempt).
    service_retry_base_s: float = 30.0
    #: Agency code used for demo data and for procedures that name none.
    default_agency: str = "000.00.00.H56"


def load(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build settings from defaults, then the environment, then ``overrides``."""
    values: dict[str, Any] = {}
    for f in fields(Settings):
        env = os.environ.get(f"LIENTHONG_{f.name.upper()}")
        if env is not None:
            values[f.name] = _coerce(env, type(f.default))
    for key, value in (overrides or {}).items():
        if key not in {f.name for f in fields(Settings)}:
            raise KeyError(f"unknown setting {key!r}")
        values[key] = value
    return Settings(**values)


def _coerce(raw: str, kind: type) -> Any:
    if kind is bool:
        return raw.lower() in {"1", "true", "yes", "on"}
    return kind(raw)
