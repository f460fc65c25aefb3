"""Deploy the shipped liên thông flows (`bpmn/flows`) into the demo province.

The section ``lienthong`` of ``demo_data/seed.yaml`` names each flow's code, the agency that
receives and settles it, and the demo agency that works each partner lane. Kept apart from
``engine.demo`` because these procedures run on their own models, not on the template, and
the demo runner does not push dossiers through them (their forms need real registry data).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import InvalidInput

if TYPE_CHECKING:
    from .runtime import Engine


def deploy_flows(engine: Engine, seed_file: Path, *, actor: str) -> dict[str, int]:
    """Deploy every flow the seed file lists; return code → deployed version (idempotent)."""
    from bpmn.flows import MODELS

    try:
        raw = yaml.safe_load(seed_file.read_text(encoding="utf-8")) or {}
        entries: list[dict[str, Any]] = list(raw.get("lienthong") or [])
    except (OSError, yaml.YAMLError, TypeError) as exc:
        raise InvalidInput(f"demo data {seed_file} is unreadable: {exc}") from exc
    versions = {}
    for entry in entries:
        code = str(entry.get("code"))
        if code not in MODELS:
            raise InvalidInput(f"demo data: {code} is not a flow of bpmn/flows")
        flow = MODELS[code]
        version = engine.deploy(code, flow.xml(), name=flow.name, agency_code=entry.get("agency"),
                                deadline=flow.deadline, level=flow.level, actor=actor,
                                note="demo seed: liên thông flow")  # fmt: skip
        lanes = dict(entry.get("lanes") or {})
        if lanes:
            engine.set_lane_agencies(code, lanes, actor=actor)
        versions[code] = version.version
    return versions
