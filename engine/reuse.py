"""Reuse what the state already holds: eForm prefill from the registries, counted per dossier.

"Submit once": at the counter an officer types a citizen ID or an enterprise code; the form's
declared registry is asked (`Engine.prefill`, a read through the adapters' registry, recorded
like every call); the officer confirms the proposed values and the documents the registry
holds, and the engine keeps what was reused (`Engine.record_reuse`, table ``dossier_reuse``).

Counting for the dashboard — one row per dossier and target, so::

    SELECT COUNT(*) FROM dossier_reuse WHERE kind = 'document'          -- reused documents
    SELECT COUNT(DISTINCT dossier_id) FROM dossier_reuse                -- dossiers that reused

optionally restricted by ``recorded_at`` (or by joining ``dossiers`` for the agency);
`Engine.reuse_counts` runs exactly these. No network call happens inside a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import distinct, func, select

from . import audit
from .errors import InvalidInput
from .models import Dossier, DossierReuse

if TYPE_CHECKING:
    from forms.prefill import PrefillResult
    from forms.registry import Form

    from .runtime import Engine

ACTION = "reuse_recorded"
#: A lookup's outcome as the refusal to reuse it says it (``forms.prefill.Status``).
LOOKUP_STATES = {"not_found": "không có thông tin", "unavailable": "hệ thống không trả lời"}


@dataclass(frozen=True)
class ReuseItem:
    """One thing a dossier took from a registry."""

    kind: str  # document | field
    target: str
    label: str
    operation: str
    reference: str
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class ReuseCounts:
    """Reuse over a period: documents and fields taken from registries, and the dossiers."""

    documents: int
    fields: int
    dossiers: int


class Reuse:
    """Engine methods for eForm prefill and reuse counting (mixed into `Engine`)."""

    def prefill(
        self: Engine,
        form_id: str,
        field: str,
        value: Any,
        *,
        user: str,
        dossier_code: str | None = None,
        form: Form | None = None,
    ) -> PrefillResult:
        """Ask the registry the form's `field` declares and propose values; writes nothing.

        The call goes through the adapters' registry with the officer and purpose in its
        context (the registry's access log) and its record is returned in the result, for
        `record_reuse` to keep in the dossier's history. `form` is the form itself when the
        caller built it (the counter's catalogue skeleton is not a file on the search path).
        """
        from adapters.protocol import CallContext
        from forms.prefill import propose
        from forms.registry import load_form

        if form is None:
            form = load_form(form_id, search_path=self.form_search_path())
        context = CallContext(dossier_code=dossier_code, user=user, purpose="prefill")
        return propose(form, field, value, lambda op, params: self._lookup(op, params, context))

    def _lookup(self: Engine, operation: str, params: dict, context: Any) -> Any:
        from adapters.registry import get_registry

        return get_registry().call(operation, params, context=context)

    def record_reuse(
        self: Engine,
        dossier_ref: str | int,
        result: PrefillResult,
        *,
        user: str,
        fields: Iterable[str] | None = None,
        documents: Iterable[str] | None = None,
    ) -> list[ReuseItem]:
        """Keep what the officer confirmed from a prefill; counted once per dossier and target.

        `fields`/`documents` name the confirmed proposals and held documents (default: all of
        them). Naming one the result did not propose is refused: nothing is recorded.
        """
        if result.status != "found":
            outcome = LOOKUP_STATES.get(result.status, result.status)
            raise InvalidInput(f"không có gì để dùng lại: tra cứu {outcome}")
        proposals = {p.field: p for p in result.proposals}
        held = {d.field: d for d in result.held_documents}
        chosen_fields = list(proposals if fields is None else fields)
        chosen_docs = list(held if documents is None else documents)
        unknown = [f for f in chosen_fields if f not in proposals]
        unknown += [d for d in chosen_docs if d not in held]
        if unknown:
            raise InvalidInput(
                f"không có trong kết quả tra cứu: {', '.join(unknown)}",
                {u: ["Không có trong kết quả tra cứu"] for u in unknown},
            )
        wanted = [("field", f, proposals[f].label) for f in chosen_fields]
        wanted += [("document", d, held[d].title) for d in chosen_docs]
        reference = _reference(result)
        now = self.clock.now()
        with self.db.write() as s:
            dossier = self._find_dossier(s, dossier_ref)
            existing = set(
                s.execute(
                    select(DossierReuse.kind, DossierReuse.target).where(
                        DossierReuse.dossier_id == dossier.id
                    )
                ).all()
            )
            fresh = [w for w in wanted if (w[0], w[1]) not in existing]
            for kind, target, label in fresh:
                s.add(
                    DossierReuse(
                        dossier_id=dossier.id,
                        kind=kind,
                        target=target,
                        label=label[:2000],
                        operation=result.operation,
                        reference=reference,
                        recorded_at=now,
                        recorded_by=user,
                    )
                )
            audit.record(
                s,
                at=now,
                actor=user,
                action=ACTION,
                dossier_id=dossier.id,
                operation=result.operation,
                fields=[t for k, t, _ in fresh if k == "field"],
                documents=[t for k, t, _ in fresh if k == "document"],
                call=result.record,
            )
            dossier_id = dossier.id
        return self.dossier_reuse(dossier_id)

    def dossier_reuse(self: Engine, dossier_ref: str | int) -> list[ReuseItem]:
        """List what a dossier took from registries, oldest first."""
        with self.db.read() as s:
            dossier = self._find_dossier(s, dossier_ref)
            rows = s.execute(
                select(DossierReuse)
                .where(DossierReuse.dossier_id == dossier.id)
                .order_by(DossierReuse.id)
            ).scalars()
            return [
                ReuseItem(r.kind, r.target, r.label, r.operation, r.reference, r.recorded_at,
                          r.recorded_by)
                for r in rows
            ]  # fmt: skip

    def reuse_counts(
        self: Engine,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        agency_code: str | None = None,
    ) -> ReuseCounts:
        """Count reuse recorded in [since, until), optionally for one agency's dossiers."""
        query = select(
            func.count().filter(DossierReuse.kind == "document"),
            func.count().filter(DossierReuse.kind == "field"),
            func.count(distinct(DossierReuse.dossier_id)),
        )
        if since is not None:
            query = query.where(DossierReuse.recorded_at >= since)
        if until is not None:
            query = query.where(DossierReuse.recorded_at < until)
        if agency_code is not None:
            query = query.join(Dossier, Dossier.id == DossierReuse.dossier_id).where(
                Dossier.agency_code == agency_code
            )
        with self.db.read() as s:
            documents, fields, dossiers = s.execute(query).one()
        return ReuseCounts(int(documents), int(fields), int(dossiers))


def _reference(result: PrefillResult) -> str:
    """The key that was looked up, masked as the call record keeps it."""
    request = (result.record or {}).get("request") or {}
    value = next(iter(request.values()), "") if isinstance(request, dict) else ""
    return str(value)[:120]
