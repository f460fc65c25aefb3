"""Deploy a catalogue's models to the engine, so every procedure with a workflow can run.

Information-only procedures have no model: they stay published in the catalogue (``catalog
search``/``show``). A model the engine refuses is reported with the engine's message and the
rest are deployed; deploying an unchanged model again keeps its version (same content hash).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bpmn.catalog.entry import CatalogueEntry
from bpmn.catalog.parse_text import fold
from bpmn.catalog.store import CatalogStore
from engine.errors import LienThongError

if TYPE_CHECKING:
    from engine.runtime import Engine

ENGINE_UNITS = ("working_days", "working_hours", "days")  # engine.calendar.UNITS


@dataclass
class DeployReport:
    """What deploying a catalogue did, per outcome."""

    deployed: dict[str, int] = field(default_factory=dict)  # code → current version
    info_only: list[str] = field(default_factory=list)
    no_deadline: list[str] = field(default_factory=list)  # deployed, clock not set
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary_line(self) -> str:
        return (
            f"{len(self.deployed)} deployed, "
            f"{len(self.info_only)} information-only (no model), "
            f"{len(self.no_deadline)} without an engine deadline, {len(self.failed)} failed"
        )


def engine_deadline(entry: CatalogueEntry) -> tuple[float, str] | None:
    """Return the deadline the engine's clock can keep, or None (unit unknown or unsupported).

    Weeks are exact calendar days; months, years and plain hours have no faithful conversion
    and are left for a designer.
    """
    dl = entry.deadline()
    if dl is None or dl.amount is None or dl.unit is None:
        return None
    if dl.unit == "weeks":
        return (dl.amount * 7, "days")
    return (dl.amount, dl.unit) if dl.unit in ENGINE_UNITS else None


def catalogue_terms(entry: CatalogueEntry, agencies: Iterable[Any] = ()) -> dict[str, Any]:
    """Return what a procedure takes from its catalogue entry, as `Engine.deploy` keywords.

    One answer for the catalogue's bulk deploy and the studio's first version, so a procedure
    reads the same whichever way it arrived: the legal deadline, the online level (``mode``),
    the field, the level (the first the catalogue lists, as the engine keeps one) and the
    competent agency. Later versions pass none of these and keep them.
    """
    return {
        "deadline": engine_deadline(entry),
        "mode": entry.mode,
        "field": entry.field,
        "level": entry.level[0] if entry.level else None,
        "agency_code": competent_agency_code(entry, agencies),
    }


def competent_agency_code(entry: CatalogueEntry, agencies: Iterable[Any]) -> str | None:
    """Return the code of the one agency (``.code``, ``.name``) the entry names as competent.

    The catalogue names agencies in words ("Công an tỉnh"; several joined by "; "), often a
    kind rather than one office ("Ủy ban nhân dân cấp xã"): only a name that matches exactly
    one known agency, accents and case aside, gives a code — never a guess.
    """
    wanted = {fold(" ".join(n.split())) for n in (entry.competent_agency or "").split(";")}
    wanted.discard("")
    found = {a.code for a in agencies if fold(" ".join(a.name.split())) in wanted}
    return found.pop() if len(found) == 1 else None


def deploy_catalog(
    engine: Engine,
    store: CatalogStore,
    *,
    actor: str,
    codes: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> DeployReport:
    """Deploy the current model of every (or each named) procedure; never stops on one."""
    report = DeployReport()
    agencies = engine.agency_tree()
    for code in codes if codes is not None else store.codes():
        try:
            entry = store.load(code)
        except LienThongError as exc:
            report.failed.append((code, str(exc)))
            continue
        if entry.mode == "info":
            report.info_only.append(code)
            continue
        path = store.model_path(code)
        if not path.is_file():
            report.failed.append((code, f"no model at {path}"))
            continue
        terms = catalogue_terms(entry, agencies)
        try:
            version = engine.deploy(
                code,
                path.read_bytes(),
                name=entry.name,
                actor=actor,
                note=f"catalog deploy from {store.root}",
                **terms,
            )
        except LienThongError as exc:
            report.failed.append((code, str(exc)))
            continue
        report.deployed[code] = version.version
        if terms["deadline"] is None:
            report.no_deadline.append(code)
        if progress:
            progress(code)
    return report
