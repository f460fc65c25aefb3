"""Citizens' ratings of their dossiers: the satisfaction figures of the dashboard.

The citizen pages (and officers recording a counter survey) call :func:`record_rating`;
one rating per dossier, 1 to 5, kept with the moment it was given and written to the audit
log so the dashboard's satisfaction can be checked against the events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from . import audit
from .errors import Conflict, InvalidInput
from .models import Rating

if TYPE_CHECKING:
    from .runtime import Engine

RATING_CHANNELS = ("online", "counter", "sms")
MAX_COMMENT = 2000


def record_rating(
    engine: Engine,
    dossier_ref: str | int,
    score: int,
    *,
    comment: str = "",
    channel: str = "online",
    actor: str = "citizen",
) -> Rating:
    """Keep the citizen's rating of a dossier; a second rating of the same dossier is refused."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput("điểm đánh giá là số nguyên từ 1 đến 5", {"score": ["từ 1 đến 5"]})
    if channel not in RATING_CHANNELS:
        raise InvalidInput(
            f"kênh đánh giá {channel!r} không hợp lệ",
            {"channel": [f"một trong: {', '.join(RATING_CHANNELS)}"]},
        )
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        raise InvalidInput(
            f"nhận xét phải là văn bản, dài tối đa {MAX_COMMENT} ký tự",
            {"comment": [f"tối đa {MAX_COMMENT} ký tự"]},
        )
    now = engine.clock.now()
    with engine.db.write() as s:
        dossier = engine._find_dossier(s, dossier_ref)
        if s.execute(select(Rating.id).where(Rating.dossier_id == dossier.id)).first():
            raise Conflict(f"hồ sơ {dossier.code} đã được đánh giá")
        rating = Rating(
            dossier_id=dossier.id,
            score=score,
            comment=comment.strip(),
            channel=channel,
            rated_at=now,
        )
        s.add(rating)
        audit.record(
            s,
            at=now,
            actor=actor,
            action="rating",
            dossier_id=dossier.id,
            score=score,
            channel=channel,
        )
        return rating
