"""The personal-data access log: every time an officer opens a citizen's data, and who they are.

Written to the append-only audit log (action ``data_access``) so it cannot be edited; the
citizen reads it back on the public look-up page (which agencies and officers opened their
data, and when). A mixin of :class:`engine.runtime.Engine`, Flask-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from . import audit
from .errors import InvalidInput, NotFound
from .models import Agency, AuditEvent, Dossier, User

if TYPE_CHECKING:
    from .clock import Clock
    from .db import Database

ACTION = "data_access"
#: Longest description of what was opened ("hồ sơ", "giấy tờ: CCCD.pdf", …).
MAX_WHAT = 200


@dataclass(frozen=True)
class DataAccess:
    """One opening of a dossier's personal data."""

    at: datetime
    username: str
    full_name: str
    agency_code: str | None
    agency_name: str | None
    what: str


class DataAccessLog:
    """Record and read who opened a dossier's personal data."""

    db: Database
    clock: Clock

    def record_data_access(self, dossier_code: str, username: str, what: str) -> None:
        """Write that ``username`` opened ``what`` of the dossier, with their agency, now."""
        what = " ".join(str(what).split())
        if not what:
            raise InvalidInput("hãy ghi rõ đã mở nội dung gì", {"what": ["bắt buộc"]})
        with self.db.write() as s:
            dossier = s.execute(
                select(Dossier.id).where(Dossier.code == dossier_code)
            ).scalar_one_or_none()
            if dossier is None:
                raise NotFound(f"không có hồ sơ {dossier_code}")
            agency = s.execute(
                select(User.agency_code).where(User.username == username)
            ).scalar_one_or_none()
            audit.record(
                s,
                at=self.clock.now(),
                actor=username,
                action=ACTION,
                dossier_id=dossier,
                what=what[:MAX_WHAT],
                agency=agency,
            )

    def data_access_log(self, dossier_code: str) -> list[DataAccess]:
        """Return every recorded opening of the dossier's data, oldest first."""
        with self.db.read() as s:
            dossier = s.execute(
                select(Dossier.id).where(Dossier.code == dossier_code)
            ).scalar_one_or_none()
            if dossier is None:
                raise NotFound(f"không có hồ sơ {dossier_code}")
            rows = s.execute(
                select(AuditEvent, User.full_name)
                .outerjoin(User, User.username == AuditEvent.actor)
                .where(AuditEvent.dossier_id == dossier, AuditEvent.action == ACTION)
                .order_by(AuditEvent.id)
            ).all()
            codes = {e.detail.get("agency") for e, _ in rows} - {None}
            names = (
                dict(
                    s.execute(select(Agency.code, Agency.name).where(Agency.code.in_(codes))).all()
                )
                if codes
                else {}
            )
            return [
                DataAccess(
                    at=e.at,
                    username=e.actor,
                    full_name=full_name or e.actor,
                    agency_code=e.detail.get("agency"),
                    agency_name=names.get(e.detail.get("agency")),
                    what=str(e.detail.get("what", "")),
                )
                for e, full_name in rows
            ]
