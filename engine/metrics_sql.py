"""SQL pieces the dashboard's queries share: the one place that knows SQLite from PostgreSQL.

Dates on the dashboard are the province's local dates (a dossier settled at 23:30 UTC is
settled "tomorrow" in Hà Nội), so date arithmetic is done in the database in that zone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from .metrics_period import Period, Scope
from .models import Dossier, DossierDocument


def local_date(column: Any, dialect: str, tz: tzinfo, at: datetime) -> ColumnElement[Any]:
    """The local calendar date of a stored UTC moment, as a comparable value."""
    if dialect == "postgresql":
        return func.date(func.timezone(str(tz), column))
    offset = at.astimezone(tz).utcoffset()
    seconds = int(offset.total_seconds()) if offset else 0
    return func.date(column, f"{seconds:+d} seconds")


def in_period(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def scope_filter(scope: Scope) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if scope.agency_codes is not None:
        conds.append(Dossier.agency_code.in_(sorted(scope.agency_codes)))
    if scope.procedure_code is not None:
        conds.append(Dossier.procedure_code == scope.procedure_code)
    return conds


def group_key(by: str | None) -> ColumnElement[Any]:
    if by == "agency":
        return Dossier.agency_code
    if by == "procedure":
        return Dossier.procedure_code
    if by is None:
        return literal_column("'*'")
    raise ValueError(f"unknown grouping {by!r}")


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def settled_early(dialect: str, tz: tzinfo, at: datetime) -> ColumnElement[bool]:
    """Settled before the due day (trước hạn): the result was ready a local day early or more."""
    return and_(
        Dossier.due_at.is_not(None),
        local_date(Dossier.settled_at, dialect, tz, at)
        < local_date(Dossier.due_at, dialect, tz, at),
    )


def settled_late(_dialect: str = "", *_: Any) -> ColumnElement[bool]:
    """Settled after the due moment in force (the due date moved by supplementation pauses)."""
    return and_(Dossier.due_at.is_not(None), Dossier.settled_at > Dossier.due_at)


def reused_document(link: Any = DossierDocument) -> ColumnElement[bool]:
    """The document was attached to another dossier before this one: reuse (tái sử dụng)."""
    other = aliased(DossierDocument)
    return exists(
        select(other.document_id).where(
            other.document_id == link.document_id,
            other.dossier_id != link.dossier_id,
            or_(
                other.attached_at < link.attached_at,
                and_(other.attached_at == link.attached_at, other.dossier_id < link.dossier_id),
            ),
        )
    )


def kept_reuse_of(dossier_id: Any) -> ColumnElement[bool]:
    """The dossier has a document that was attached to an earlier dossier."""
    link = aliased(DossierDocument)
    return exists(
        select(link.dossier_id).where(link.dossier_id == dossier_id, reused_document(link))
    )
