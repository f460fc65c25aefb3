"""Live workflows this process left behind, kept for its next step of the same dossier.

Rebuilding a workflow from its stored state is the largest single cost of a step that is
not the database's (SpiffWorkflow's converters walk every task). When the same process
steps the same dossier again — an officer working through a dossier, a worker running its
service jobs — the workflow it saved last time is still in memory, so it is reused instead.

Reuse is decided by the stored state itself, not by a version number: an entry holds the
exact bytes the step wrote, and the next step takes the object only when the row it has
just locked holds those same bytes (and the same model version). Whatever changed the row
in between — another process, a restore, a migration, a hand edit — makes the bytes differ
and the state is read from the row as before. An entry is also made only for a workflow
whose stored form reads back equal to it (``StoredState.faithful``): data that JSON would
change on the way (tuples, sets, non-string keys) never lets a cached object behave
differently from a loaded one.

Taking an entry removes it: a step that fails after changing the workflow cannot leave
that half-changed object for the next one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kept:
    """A saved workflow and what its step found it waiting on (the next step's "before")."""

    version_id: int
    format_version: int
    blob: bytes
    workflow: Any
    #: BPMN timers (task id → due) and message waits of the saved workflow.
    timers: dict[str, Any]
    waits: list[tuple[str, Any]]


class WorkflowCache:
    """A bounded, thread-safe map of dossier id → the workflow its last step saved here."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[int, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def take(
        self, dossier_id: int, version_id: int, format_version: int, blob: bytes
    ) -> Kept | None:
        """What was saved as exactly ``blob`` for this dossier, or None; the entry goes."""
        if self.size <= 0:
            return None
        with self._lock:
            entry = self._entries.pop(dossier_id, None)
        if (
            entry is not None
            and entry.version_id == version_id
            and entry.format_version == format_version
            and entry.blob == blob
        ):
            self.hits += 1
            return entry
        self.misses += 1
        return None

    def put(self, dossier_id: int, entry: Kept) -> None:
        """Keep what a step saved (call after its write committed)."""
        if self.size <= 0:
            return
        with self._lock:
            self._entries[dossier_id] = entry
            self._entries.move_to_end(dossier_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
