"""The dossier page's intermediary-step panel (issue 7): the dashboard's measures, per dossier.

The values come from ``engine.metrics_flows.dossier_measures`` over ``Engine.analyse_dossier``,
the same function whose averages the dashboard shows, so the two pages cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.analysis import CITIZEN, DossierFigures
from engine.metrics_flows import MEASURES, dossier_measures
from engine.reuse import ReuseItem

from .context import get_engine


@dataclass(frozen=True)
class AnalysisPanel:
    figures: DossierFigures
    measures: list[tuple[str, str, float]]  # (key, label, value), in the dashboard's order
    waited_on: list[tuple[str, str, float]]  # (party, who in words, working days), longest first
    handed_over: int  # files the applicant handed over (scans attached to the dossier)
    reused_documents: list[ReuseItem]  # documents taken from registries instead (eForm prefill)
    reused_fields: int
    handoffs: list[tuple[str, str, str, str]]  # (from agency, from step, to agency, to step), named


def analysis_panel(dossier: Any) -> AnalysisPanel:
    """Measure the dossier now (open dossiers are measured up to the engine's clock)."""
    engine = get_engine()
    figures = engine.analyse_dossier(dossier.id)
    values = dossier_measures(figures)
    reused = engine.dossier_reuse(dossier.id)
    waited = sorted(figures.waited_on.items(), key=lambda item: (-item[1], item[0]))
    return AnalysisPanel(
        figures=figures,
        measures=[(key, label, values[key]) for key, label in MEASURES],
        waited_on=[(party, _party(engine, party), days) for party, days in waited],
        handed_over=len(engine.dossier_documents(dossier.id)),
        reused_documents=[r for r in reused if r.kind == "document"],
        reused_fields=sum(1 for r in reused if r.kind == "field"),
        handoffs=[
            (_party(engine, h["from"]), h["from_step"], _party(engine, h["to"]), h["to_step"])
            for h in figures.handoffs
        ],
    )


def _party(engine: Any, party: str) -> str:
    """Say who a party is: the citizen, an agency by name, or an external system."""
    if party == CITIZEN:
        return "Công dân (chờ bổ sung, nộp phí)"
    name = engine.agency_name(party)  # its code when no agency has it
    if name != party:
        return f"{name} ({party})"
    if "." in party:
        return party
    return f"Hệ thống {party}"
