"""Task-board filters an officer saves under a name, to get back to a view in one click."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from .errors import InvalidInput
from .models import SavedFilter

if TYPE_CHECKING:
    from .runtime import Engine

MAX_FILTERS = 50
MAX_VALUE_CHARS = 200


class SavedFilters:
    def save_filter(self: Engine, username: str, name: str, query: dict[str, Any]) -> SavedFilter:
        """Save (or overwrite) the named filter of ``username``; values are kept as strings."""
        name = " ".join(str(name or "").split())
        if not name or len(name) > 120:
            raise InvalidInput(
                "tên bộ lọc chưa hợp lệ", {"name": ["Tên bộ lọc từ 1 đến 120 ký tự"]}
            )
        clean = {
            str(k)[:40]: str(v)[:MAX_VALUE_CHARS]
            for k, v in (query or {}).items()
            if v not in (None, "") and k not in ("page", "csrf_token")
        }
        now = self.clock.now()
        with self.db.write() as s:
            self._user(s, username)
            row = s.execute(
                select(SavedFilter).where(
                    SavedFilter.username == username, SavedFilter.name == name
                )
            ).scalar_one_or_none()
            if row is None:
                count = len(
                    s.execute(select(SavedFilter.id).where(SavedFilter.username == username)).all()
                )
                if count >= MAX_FILTERS:
                    raise InvalidInput(f"mỗi cán bộ chỉ lưu được tối đa {MAX_FILTERS} bộ lọc")
                row = SavedFilter(username=username, name=name, query=clean, created_at=now)
                s.add(row)
            else:
                row.query = clean
            s.flush()
            return row

    def saved_filters(self: Engine, username: str) -> list[SavedFilter]:
        with self.db.read() as s:
            return list(
                s.execute(
                    select(SavedFilter)
                    .where(SavedFilter.username == username)
                    .order_by(SavedFilter.name)
                ).scalars()
            )

    def delete_filter(self: Engine, username: str, filter_id: int) -> None:
        """Delete one of ``username``'s own filters (another officer's id deletes nothing)."""
        with self.db.write() as s:
            s.execute(
                delete(SavedFilter).where(
                    SavedFilter.id == filter_id, SavedFilter.username == username
                )
            )
