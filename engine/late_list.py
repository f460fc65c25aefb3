"""The late list: an agency's unfinished dossiers past or near their legal due date.

Leaders watch it to have apology letters sent in time; the dashboard's own
late-dossier report (``late_report.py``) counts across agencies, this lists one agency's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from .models import Dossier, Procedure

if TYPE_CHECKING:
    from .runtime import Engine


@dataclass(frozen=True)
class LateRow:
    dossier: Dossier
    procedure_name: str
    late: bool  # past its due date; otherwise due within ``near_due_days`` working days


class LateList:
    def agency_late_dossiers(self: Engine, username: str, *, limit: int = 500) -> list[LateRow]:
        """The unfinished dossiers of the officer's agency that are late or soon due.

        Leaders watch this list to have apology letters sent in time.
        """
        now = self.clock.now()
        soon = self.calendar.due_date(now, self.settings.near_due_days, "working_days")
        with self.db.read() as s:
            user = self._user(s, username)
            q = (
                select(Dossier, Procedure.name)
                .join(Procedure, Procedure.code == Dossier.procedure_code)
                .where(
                    Dossier.finished_at.is_(None),
                    Dossier.settled_at.is_(None),
                    or_(Dossier.late.is_(True), Dossier.due_at <= soon),
                )
                .order_by(Dossier.due_at, Dossier.id)
                .limit(limit)
            )
            if user.agency_code is not None:
                q = q.where(Dossier.agency_code == user.agency_code)
            elif "admin" not in user.roles:
                return []  # an officer of no agency watches no agency's dossiers
            return [
                LateRow(d, name, bool(d.late or (d.due_at is not None and d.due_at < now)))
                for d, name in s.execute(q)
            ]
