"""What the officers' web pages need from the engine beyond steps and task rows, as one mixin.

Documents, comments, saved filters, the task board and the late list each live in their own
module; ``Engine`` takes them all through this one base so ``runtime.py`` names it once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from .comments import Comments
from .documents import Documents
from .errors import NotFound
from .late_list import LateList
from .models import Agency, Procedure, ProcessVersion
from .saved_filters import SavedFilters
from .task_board import TaskBoard

if TYPE_CHECKING:
    from .runtime import Engine


class OfficerDesk(Documents, Comments, SavedFilters, TaskBoard, LateList):
    def receivable_procedures(self: Engine) -> list[Procedure]:
        """The deployed procedures a counter can receive (information-only ones excluded)."""
        with self.db.read() as s:
            return list(
                s.execute(
                    select(Procedure)
                    .where(Procedure.current_version_id.is_not(None), Procedure.mode != "info")
                    .order_by(Procedure.code)
                ).scalars()
            )

    def procedure(self: Engine, code: str) -> Procedure:
        with self.db.read() as s:
            proc = s.get(Procedure, code)
            if proc is None:
                raise NotFound(f"không có thủ tục {code}")
            return proc

    def process_xml(self: Engine, version_id: int) -> bytes:
        """Return the BPMN XML a dossier runs on, for the diagram on its page."""
        with self.db.read() as s:
            xml = s.execute(
                select(ProcessVersion.bpmn_xml).where(ProcessVersion.id == version_id)
            ).scalar_one_or_none()
            if xml is None:
                raise NotFound(f"không có phiên bản quy trình {version_id}")
            return bytes(xml)

    def agency_name(self: Engine, code: str | None) -> str:
        """The agency's name for printed papers (its code when it has no row)."""
        with self.db.read() as s:
            agency = s.get(Agency, code) if code else None
            return agency.name if agency is not None else str(code or "")
