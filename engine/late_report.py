"""The daily late-dossier report: which agencies hold dossiers past their legal due date.

``lienthong scheduler`` runs it every morning (``late_report_hour``) through the Celery task
``lienthong.late_report``; it writes ``late-YYYY-MM-DD.json`` to ``report_dir`` (rewritten,
not duplicated, when the task runs twice) and hands the report to every plug-in of the
``lienthong.reports`` entry-point group, called as ``plugin(engine, report)`` — the
dashboard's PDF/Excel exporter plugs in there. A plug-in that fails is logged and skipped.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from .codes import VN_TZ
from .models import Agency, Dossier, Procedure

if TYPE_CHECKING:
    from .runtime import Engine

log = logging.getLogger(__name__)
PLUGIN_GROUP = "lienthong.reports"


class LateReports:
    def late_dossiers(
        self: Engine, now: datetime | None = None, *, agency_code: str | None = None
    ) -> list[dict[str, Any]]:
        """Open dossiers past their due date, grouped per agency (most late first)."""
        now = now or self.clock.now()
        q = (
            select(Dossier, Agency.name, Procedure.name)
            .join(Agency, Agency.code == Dossier.agency_code)
            .join(Procedure, Procedure.code == Dossier.procedure_code)
            .where(
                Dossier.finished_at.is_(None),
                Dossier.settled_at.is_(None),
                Dossier.paused_at.is_(None),
                or_(Dossier.late.is_(True), Dossier.due_at < now),
            )
            .order_by(Dossier.agency_code, Dossier.due_at, Dossier.id)
        )
        if agency_code is not None:
            q = q.where(Dossier.agency_code == agency_code)
        agencies: dict[str, dict[str, Any]] = {}
        with self.db.read() as s:
            for d, agency_name, procedure_name in s.execute(q).all():
                entry = agencies.setdefault(
                    d.agency_code,
                    {"agency_code": d.agency_code, "agency_name": agency_name, "dossiers": []},
                )
                overdue = (now - d.due_at).total_seconds() / 3600 if d.due_at else None
                entry["dossiers"].append(
                    {
                        "code": d.code,
                        "procedure_code": d.procedure_code,
                        "procedure_name": procedure_name,
                        "status": d.status,
                        "received_at": d.received_at.isoformat(),
                        "due_at": d.due_at.isoformat() if d.due_at else None,
                        "overdue_hours": round(overdue, 1) if overdue is not None else None,
                    }
                )
        out = list(agencies.values())
        for entry in out:
            entry["count"] = len(entry["dossiers"])
        return sorted(out, key=lambda e: (-e["count"], e["agency_code"]))

    def write_late_report(self: Engine, now: datetime | None = None) -> dict[str, Any]:
        """Build today's report, write it to ``report_dir``, pass it to the plug-ins."""
        now = now or self.clock.now()
        agencies = self.late_dossiers(now)
        day = now.astimezone(VN_TZ).date().isoformat()
        folder = Path(self.settings.report_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"late-{day}.json"
        report = {
            "date": day,
            "generated_at": now.isoformat(),
            "total": sum(a["count"] for a in agencies),
            "agencies": agencies,
            "file": str(path),
        }
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)  # atomic: a reader never sees half a report
        for ep in entry_points(group=PLUGIN_GROUP):
            try:
                ep.load()(self, report)
            except Exception:  # one broken exporter must not lose the report
                log.exception("late-report plug-in %s (%s) failed", ep.name, ep.value)
        return report
