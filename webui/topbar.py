"""The top bar's counters: the bell (tasks escalated to me) and open incidents.

Every officer page shows them, so they cost one indexed count each (``ix_tasks_escalated``
for the bell, ``ix_service_jobs_state`` for incidents), computed only when a template asks
and at most once per request. Counts stop at :data:`CAP` and show as "99+".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, g, url_for

from .access import current_officer
from .context import get_engine

bp = Blueprint("topbar", __name__)
CAP = 99
#: Who has a task list (and so a bell), and who decides about incidents.
BELL_ROLES = ("one_stop_officer", "specialist", "head_of_unit", "leader", "admin")
INCIDENT_ROLES = ("head_of_unit", "admin")


@dataclass(frozen=True)
class Counts:
    bell: int | None  # None: this user has no task list
    incidents: int | None  # None: this user does not decide about incidents
    incidents_href: str | None = None  # the nav link the incident count sits in

    @staticmethod
    def badge(n: int | None) -> str:
        return "" if n is None else (f"{CAP}+" if n > CAP else str(n))


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"topbar_counts": topbar_counts, "badge": Counts.badge}


def topbar_counts() -> Counts:
    """The signed-in officer's counters, read once per request."""
    cached = g.get("_topbar_counts")
    if cached is not None:
        return cached
    officer = current_officer()
    bell = incidents = None
    if officer is not None:
        engine = get_engine()
        if officer.has_role(*BELL_ROLES):
            known = g.get("_topbar_bell")
            bell = known if known is not None else engine.escalated_count(officer.username)
        if officer.has_role(*INCIDENT_ROLES):
            agency = None if officer.has_role("admin") else officer.agency_code or ""
            incidents = engine.count_incidents(agency_code=agency, cap=CAP)
    href = url_for("incidents.index") if "incidents.index" in current_app.view_functions else None
    g._topbar_counts = counts = Counts(bell, incidents, href)
    return counts


def known_bell(count: int) -> None:
    """A page that already counted the bell (the task list does) saves the top bar's query."""
    g._topbar_bell = count
