"""Dossier codes in the national format: agency code – yyMMdd – daily sequence.

The sequence row is incremented with a single UPDATE inside the submitting transaction,
so two concurrent submissions can never draw the same number (the row lock serialises
them on PostgreSQL; SQLite serialises writers anyway).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import CodeSequence

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def next_dossier_code(session: Session, agency_code: str, when: datetime) -> str:
    day = when.astimezone(VN_TZ).strftime("%y%m%d")
    number = _increment(session, agency_code, day)
    if number is None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(CodeSequence).values(agency_code=agency_code, day=day, last=0)
                )
        except IntegrityError:
            pass  # another transaction created it first
        number = _increment(session, agency_code, day)
    assert number is not None
    return f"{agency_code}-{day}-{number:04d}"


_SEQUENCES = CodeSequence.__table__
#: A Core statement on the session's connection: the ORM's bulk-UPDATE machinery (session
#: synchronisation, autoflush) has nothing to do for a row no object of the session holds.
_INCREMENT = (
    update(_SEQUENCES)
    .where(
        _SEQUENCES.c.agency_code == bindparam("of_agency"), _SEQUENCES.c.day == bindparam("of_day")
    )
    .values(last=_SEQUENCES.c.last + 1)
    .returning(_SEQUENCES.c.last)
)


def _increment(session: Session, agency_code: str, day: str) -> int | None:
    params = {"of_agency": agency_code, "of_day": day}
    return session.connection().execute(_INCREMENT, params).scalar_one_or_none()


def current_sequence(session: Session, agency_code: str, day: str) -> int:
    row = session.execute(
        select(CodeSequence.last).where(
            CodeSequence.agency_code == agency_code, CodeSequence.day == day
        )
    ).scalar_one_or_none()
    return row or 0
