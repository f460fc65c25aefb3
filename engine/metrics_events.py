"""What each dashboard figure counts: one SQL statement per family of figures.

Every figure is a count of *events*, each at a moment: a receipt, a result ready, a finish,
a supplementation request, a rating, a document linked to a dossier, a registry reuse
recorded, a fee raised. An event is filed under a *key moment*: its own, or — for what is
counted per received dossier (documents, reuse, fees) — the dossier's receipt. The key
moment's local day and the dossier's agency, procedure and channel say where it counts.

``families(keys, window, where, …)`` gives the statements. ``keys`` groups the rows (the
summary: local day and group; the live counts: agency, procedure or nothing); ``window``
bounds the events' *own* moments (the summary's days between two watermarks; for the live
counts, since the watermark — or everything when no summary is used); ``period`` bounds
the key moments. The summary (``engine.metrics_summary``) and the live counts
(``engine.metrics_live``) run these same statements, so they cannot disagree on what a
figure is, and every event is on exactly one side of the watermark.

Figures that count dossiers rather than events are counted at the dossier's first event of
the kind, so that they add up across the watermark: a dossier is digitised at its first
document, reusing at its first reused document. Supplementation requests are filed under
their own day, so "dossiers sent back in a period" counts each request that is its
dossier's first since ``first_from`` (the period's start); the summary, which cannot know
the period, counts first requests and keeps the later ones apart (see metrics_summary).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, true, union_all
from sqlalchemy.orm import aliased

from .metrics_period import Period
from .metrics_sql import count_if, in_period, reused_document, settled_early, settled_late
from .models import Dossier, DossierDocument, DossierReuse, FeePayment, Rating, TaskRow

#: A rating at or above this score counts as satisfied (hài lòng).
SATISFIED_SCORE = 4
Window = tuple[datetime | None, datetime | None]
#: Each counted column: the part of the dashboard it serves and the figures
#: (``engine.metrics.Figures``) it adds to.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "received": ("received", ("received",)),
    "received_online": ("received", ("received_online",)),
    "received_counter": ("received", ("received_counter",)),
    "received_post": ("received", ("received_post",)),
    "settled": ("settled", ("settled",)),
    "settled_early": ("settled", ("settled_early",)),
    "settled_late": ("settled", ("settled_late",)),
    "refused": ("finished", ("refused",)),
    "withdrawn": ("finished", ("withdrawn",)),
    "finished_unsettled": ("finished", ()),  # for "in process" (engine.metrics_summary_read)
    "supplement_requests": ("supplementation", ("supplement_requests",)),
    "supplemented_dossiers": ("supplementation", ("supplemented_dossiers",)),
    # the summary's: a dossier's first request (its later ones are repeats, counted apart)
    "first_supplements": ("supplementation", ("supplemented_dossiers",)),
    "documents": ("documents", ("documents",)),
    "digitised_dossiers": ("documents", ("digitised_dossiers",)),
    "kept_documents": ("documents", ("reused_documents",)),
    "registry_documents": ("documents", ("registry_documents", "reused_documents")),
    "prefilled_fields": ("documents", ("prefilled_fields",)),
    "reusing_dossiers": ("documents", ("reusing_dossiers",)),
    "ratings": ("ratings", ("ratings",)),
    "rating_sum": ("ratings", ("rating_sum",)),
    "satisfied": ("ratings", ("satisfied",)),
    "fee_dossiers": ("payments", ("fee_dossiers",)),
    "paid_online": ("payments", ("paid_online",)),
}
INTO = {name: figures for name, (_, figures) in COLUMNS.items()}


@dataclass(frozen=True)
class Keys:
    """How counted rows are grouped: ``of(key_moment)`` gives the grouping columns.

    ``grouped=False``: one row for everything (the province's total), no GROUP BY.
    """

    of: Callable[[Any], list[Any]]
    grouped: bool = True


@dataclass(frozen=True)
class Family:
    """One statement: its rows are the keys (``k0``, ``k1`` …) then ``names``' counts."""

    part: str  # the part of the dashboard it serves (engine.metrics_live.PARTS)
    names: tuple[str, ...]
    statement: Any


def families(
    keys: Keys,
    window: Window,
    where: list[Any],
    *,
    dialect: str,
    tz: tzinfo,
    at: datetime,
    period: Period | None = None,
    first_from: datetime | None = None,
) -> list[Family]:
    """The statements counting the events in ``window`` whose key moment is in ``period``.

    ``where`` adds conditions on the dossier (scope, the dossiers a change touched).
    ``first_from`` None counts each dossier's first supplementation request ever
    (``first_supplements``, the summary's), else its first since that moment
    (``supplemented_dossiers``, a period's).
    """
    lo, hi = window

    def build(part: str, key_moment: Any, values: dict[str, Any], stmt: Any, *conds: Any) -> None:
        columns = [c.label(f"k{i}") for i, c in enumerate(keys.of(key_moment))]
        stmt = stmt.add_columns(*columns, *(v.label(n) for n, v in values.items()))
        stmt = stmt.where(key_moment.is_not(None), *conds, *where)
        if period is not None:
            stmt = stmt.where(in_period(key_moment, period))
        out.append(Family(part, tuple(values), stmt.group_by(*columns) if keys.grouped else stmt))

    out: list[Family] = []
    received = Dossier.received_at
    channels = {f"received_{c}": count_if(Dossier.channel == c) for c in CHANNELS}
    dossiers = select().select_from(Dossier)
    receipts = {"received": func.count(), **channels}
    build("received", received, receipts, dossiers, *_in(received, lo, hi))
    settled = Dossier.settled_at
    build(
        "settled",
        settled,
        {
            "settled": func.count(),
            "settled_early": count_if(settled_early(dialect, tz, at)),
            "settled_late": count_if(settled_late()),
        },
        dossiers,
        *_in(settled, lo, hi),
    )
    finished = Dossier.finished_at
    build(
        "finished",
        finished,
        {
            "refused": count_if(Dossier.outcome == "refused"),
            "withdrawn": count_if(Dossier.outcome == "withdrawn"),
            "finished_unsettled": count_if(Dossier.settled_at.is_(None)),
        },
        dossiers,
        *_in(finished, lo, hi),
    )
    _documents(build, lo, hi)
    _registry(build, lo, hi)
    out.append(_reusing(keys, lo, hi, where, period))
    paid = and_(FeePayment.state == "paid", FeePayment.channel == "online")
    build(
        "payments",
        received,
        {"fee_dossiers": func.count(), "paid_online": count_if(paid)},
        _joined(FeePayment),
        FeePayment.amount > 0,
        *_in(FeePayment.created_at, lo, hi),
    )
    build(
        "ratings",
        Rating.rated_at,
        {
            "ratings": func.count(),
            "rating_sum": func.coalesce(func.sum(Rating.score), 0),
            "satisfied": count_if(Rating.score >= SATISFIED_SCORE),
        },
        _joined(Rating),
        *_in(Rating.rated_at, lo, hi),
    )
    first = "first_supplements" if first_from is None else "supplemented_dossiers"
    build(
        "supplementation",
        TaskRow.completed_at,
        {"supplement_requests": func.count(), first: count_if(~earlier_request(first_from))},
        _joined(TaskRow),
        TaskRow.action == "supplement",
        *_in(TaskRow.completed_at, lo, hi),
    )
    return out


CHANNELS = ("online", "counter", "post")


def _in(column: Any, lo: datetime | None, hi: datetime | None) -> list[Any]:
    return [c for c in (column >= lo if lo else None, column < hi if hi else None) if c is not None]


def _joined(model: Any) -> Any:
    return select().select_from(model).join(Dossier, Dossier.id == model.dossier_id)


def earlier_request(since: datetime | None = None, task: Any = TaskRow) -> Any:
    """The same dossier has a supplementation request before ``task`` (and since ``since``).

    Ties on the moment are broken by the row's id, so exactly one request is a dossier's
    first.
    """
    other = aliased(TaskRow)
    conds = [
        other.dossier_id == task.dossier_id,
        other.action == "supplement",
        or_(
            other.completed_at < task.completed_at,
            and_(other.completed_at == task.completed_at, other.id < task.id),
        ),
    ]
    if since is not None:
        conds.append(other.completed_at >= since)
    return exists(select(other.id).where(*conds))


def _documents(build: Callable[..., None], lo: datetime | None, hi: datetime | None) -> None:
    """Documents linked to received dossiers, reused ones (kept from an earlier dossier),
    and the dossiers digitised: counted at their first document."""
    link = DossierDocument
    before = aliased(DossierDocument)
    first = true()
    if lo:
        earlier = before.dossier_id == link.dossier_id, before.attached_at < lo
        first = ~exists(select(before.dossier_id).where(*earlier))
    build(
        "documents",
        Dossier.received_at,
        {
            "documents": func.count(),
            "kept_documents": count_if(reused_document()),
            "digitised_dossiers": func.count(func.distinct(case((first, link.dossier_id)))),
        },
        _joined(link),
        *_in(link.attached_at, lo, hi),
    )


def _registry(build: Callable[..., None], lo: datetime | None, hi: datetime | None) -> None:
    """Documents and form values taken from registries instead of asked for."""
    r = DossierReuse
    build(
        "documents",
        Dossier.received_at,
        {
            "registry_documents": count_if(r.kind == "document"),
            "prefilled_fields": count_if(r.kind == "field"),
        },
        _joined(r),
        *_in(r.recorded_at, lo, hi),
    )


def _reusing(
    keys: Keys, lo: datetime | None, hi: datetime | None, where: list[Any], period: Period | None
) -> Family:
    """Dossiers reusing a document (a kept scan or a registry's): counted at their first.

    Each reusing event in the window comes with its dossier's keys; a dossier is counted
    once among them, and not at all if it reused one before the window.
    """
    r = DossierReuse
    received = Dossier.received_at
    columns = [c.label(f"k{i}") for i, c in enumerate(keys.of(received))]
    scope = [*where, received.is_not(None)]
    if period is not None:
        scope.append(in_period(received, period))
    if lo:
        scope.append(~_reusing_before(lo))
    kept = (
        select(*columns, DossierDocument.dossier_id.label("id"))
        .join(Dossier, Dossier.id == DossierDocument.dossier_id)
        .where(reused_document(), *_in(DossierDocument.attached_at, lo, hi), *scope)
    )
    registry = (
        select(*columns, r.dossier_id.label("id"))
        .join(Dossier, Dossier.id == r.dossier_id)
        .where(r.kind == "document", *_in(r.recorded_at, lo, hi), *scope)
    )
    events = union_all(kept, registry).subquery()
    ks = [events.c[f"k{i}"] for i in range(len(columns))]
    stmt = select(*ks, func.count(events.c.id.distinct()).label("reusing_dossiers"))
    # grouped even for one total: the key is a column of the union here, not a constant
    return Family("documents", ("reusing_dossiers",), stmt.group_by(*ks))


def _reusing_before(moment: datetime) -> Any:
    """The dossier reused a document before ``moment`` (a kept scan or a registry's)."""
    link = aliased(DossierDocument)
    r = aliased(DossierReuse)
    return or_(
        exists(
            select(link.dossier_id).where(
                link.dossier_id == Dossier.id, link.attached_at < moment, reused_document(link)
            )
        ),
        exists(
            select(r.id).where(
                r.dossier_id == Dossier.id, r.kind == "document", r.recorded_at < moment
            )
        ),
    )
