"""Officers' comments on a dossier, kept in the append-only audit log beside its history.

A comment is an audit event (``comment``) so it can never be edited or deleted afterwards,
and it shows in the dossier's timeline in order with the steps it talks about.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from . import audit
from .errors import InvalidInput
from .models import AuditEvent

if TYPE_CHECKING:
    from .runtime import Engine

MAX_COMMENT_CHARS = 4000


class Comments:
    def add_comment(self: Engine, dossier_ref: str | int, *, user: str, text: str) -> AuditEvent:
        """Record a comment; the text is stored as typed and escaped wherever it is shown."""
        text = str(text or "").strip()
        if not text:
            raise InvalidInput("ý kiến phải có nội dung", {"text": ["Nội dung ý kiến là bắt buộc"]})
        if len(text) > MAX_COMMENT_CHARS:
            raise InvalidInput(
                f"ý kiến dài tối đa {MAX_COMMENT_CHARS} ký tự",
                {"text": [f"Không được quá {MAX_COMMENT_CHARS} ký tự"]},
            )
        now = self.clock.now()
        with self.db.write() as s:
            dossier = self._find_dossier(s, dossier_ref)
            self._user(s, user)
            return audit.record(
                s, at=now, actor=user, action="comment", dossier_id=dossier.id, text=text
            )

    def comments(self: Engine, dossier_id: int) -> list[AuditEvent]:
        with self.db.read() as s:
            return list(
                s.execute(
                    select(AuditEvent)
                    .where(AuditEvent.dossier_id == dossier_id, AuditEvent.action == "comment")
                    .order_by(AuditEvent.id)
                ).scalars()
            )
