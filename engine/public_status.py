"""What anyone may learn about a dossier from its code and the applicant's phone or ID suffix.

Only the status, its milestones, the dates and who opened the applicant's data — never the
applicant's name, form data or documents. A wrong code and a wrong secret give the same
answer (None), so codes cannot be enumerated; secrets are compared in constant time.
A mixin of :class:`engine.runtime.Engine`, Flask-free.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .models import AuditEvent, Dossier, Procedure

if TYPE_CHECKING:
    from .data_access import DataAccess
    from .db import Database

#: Applicant keys that may hold the citizen ID (CCCD) number, in the order tried.
ID_KEYS = ("cccd", "id_number", "personal_id")
#: Audit actions that move the dossier's status (other events' states are tasks').
STATUS_ACTIONS = ("submit", "status", "withdraw")
#: Longest code or secret looked at; anything longer is simply a miss.
MAX_INPUT = 80


@dataclass(frozen=True)
class Milestone:
    at: datetime
    status: str


@dataclass(frozen=True)
class PublicStatus:
    code: str
    procedure_name: str
    status: str
    received_at: datetime
    due_at: datetime | None
    finished_at: datetime | None
    late: bool
    milestones: tuple[Milestone, ...]
    accesses: tuple[DataAccess, ...]


class PublicLookup:
    """The citizen's status look-up."""

    db: Database

    def public_status(self, code: str, secret: str) -> PublicStatus | None:
        """Return the public status when ``secret`` matches the applicant; else None."""
        code = (code or "").strip().upper()
        if not code or len(code) > MAX_INPUT or len(secret or "") > MAX_INPUT:
            return None
        with self.db.read() as s:
            row = s.execute(
                select(Dossier, Procedure.name)
                .join(Procedure, Procedure.code == Dossier.procedure_code)
                .where(Dossier.code == code)
            ).first()
            applicant = row[0].applicant if row is not None else {}
            if not secret_matches(applicant or {}, secret) or row is None:
                return None
            d, procedure_name = row
            events = s.execute(
                select(AuditEvent.at, AuditEvent.to_state)
                .where(
                    AuditEvent.dossier_id == d.id,
                    AuditEvent.action.in_(STATUS_ACTIONS),
                    AuditEvent.to_state.is_not(None),
                )
                .order_by(AuditEvent.id)
            ).all()
        milestones: list[Milestone] = []
        for at, status in events:
            if not milestones or milestones[-1].status != status:
                milestones.append(Milestone(at, status))
        return PublicStatus(
            code=d.code,
            procedure_name=procedure_name,
            status=d.status,
            received_at=d.received_at,
            due_at=d.due_at,
            finished_at=d.finished_at,
            late=bool(d.late),
            milestones=tuple(milestones),
            accesses=tuple(self.data_access_log(d.code)),  # type: ignore[attr-defined]
        )


def secret_matches(applicant: dict[str, Any], secret: str) -> bool:
    """Tell whether ``secret`` is the applicant's phone or the last 4 digits of their ID."""
    digits = "".join(ch for ch in str(secret or "") if ch.isdigit())
    ok = False
    if len(digits) == 4:
        for key in ID_KEYS:
            id_digits = "".join(ch for ch in str(applicant.get(key) or "") if ch.isdigit())
            if len(id_digits) >= 4:
                ok |= hmac.compare_digest(id_digits[-4:], digits)
    elif len(digits) >= 9:
        phone = normalise_phone(str(applicant.get("phone") or ""))
        ok |= bool(phone) and hmac.compare_digest(phone, normalise_phone(digits))
    return ok


def normalise_phone(raw: str) -> str:
    """Keep digits; +84/84 becomes the leading 0 Vietnamese numbers are written with."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits
