"""Late dossiers: the leaders' late and near-due list, and the apology letter's PDF.

Completing the apology task (form ``apology``) writes the letter as a PDF and attaches it to
the dossier (kind ``apology_letter``), so the letter sent is the letter kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template

from engine.models import TaskRow

from .access import roles_required
from .context import get_engine
from .documents.apology import ApologyData, render_apology
from .officer_views import me

bp = Blueprint("letters", __name__, url_prefix="/tre-han")

APOLOGY_KIND = "apology_letter"
WATCHERS = ("leader", "head_of_unit", "admin")


def is_apology_task(row: TaskRow) -> bool:
    return row.bpmn_id == "apology_letter" or row.form == "apology"


def complete_apology(row: TaskRow, data: dict[str, Any], user: str) -> bytes:
    """Complete the apology task with ``data``, then write and attach the letter it states."""
    engine = get_engine()
    engine.complete(row.id, user=user, data=data)  # validates the form first
    letter = apology_pdf(row.dossier_id, data, user)
    engine.attach_document(
        row.dossier_id,
        letter,
        filename=f"phieu-xin-loi-{engine.dossier(row.dossier_id).code}.pdf",
        kind=APOLOGY_KIND,
        actor=user,
    )
    return letter


def apology_pdf(dossier_id: int, data: dict[str, Any], user: str) -> bytes:
    engine = get_engine()
    d = engine.dossier(dossier_id)
    account = engine.account(user)
    return render_apology(
        ApologyData(
            agency_name=engine.agency_name(d.agency_code),
            dossier_code=d.code,
            applicant_name=str(d.applicant.get("full_name", "")),
            procedure_name=engine.procedure(d.procedure_code).name,
            received_at=d.received_at,
            due_at=d.due_at,
            new_due_date=date.fromisoformat(str(data["new_due_date"])),
            delay_reason=str(data.get("delay_reason", "")),
            written_at=engine.clock.now(),
            letter_number=str(data.get("letter_number", "")),
            officer_name=account.full_name if account else user,
        )
    )


@bp.get("/")
@roles_required(*WATCHERS)
def late_list() -> str:
    engine = get_engine()
    rows = engine.agency_late_dossiers(me().username)
    return render_template(
        "dossiers/late.html",
        rows=rows,
        late=[r for r in rows if r.late],
        near=[r for r in rows if not r.late],
        now=engine.clock.now(),
    )
