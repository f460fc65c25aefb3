"""Persisted workflow state: compact, versioned, and free of history.

The process model (spec) lives once per model version, so the state of a dossier stores
only its live task tree. Completed history is pruned after every step (it is kept in the
task rows and the audit log), which keeps load time flat however many rounds a dossier
went through and avoids SpiffWorkflow's depth-1000 iterator stall (SPIFFWORKFLOW.md, trap 2).
"""

from __future__ import annotations

import contextvars
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .errors import LienThongError

#: Bump when the stored layout changes; add a migration to ``MIGRATIONS`` for the old one.
STATE_FORMAT = 1

_specs: contextvars.ContextVar[tuple[Any, dict]] = contextvars.ContextVar("lienthong_specs")


class StateError(LienThongError):
    code = "state_error"


class _SpecRefWorkflowConverter(BpmnWorkflowConverter):
    """Leave the spec out of the state and take it from the model-version cache on load."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict) -> BpmnWorkflow:
        spec, subprocess_specs = _specs.get()
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpecRefWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


SERIALIZER = _make_serializer()
_SPEC_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def dump_specs(spec: Any, subprocess_specs: dict) -> bytes:
    """Serialise parsed specs so a restart can skip the BPMN parse (the parsed-spec cache)."""
    registry = _SPEC_SERIALIZER.registry
    dct = {
        "spec": registry.convert(spec),
        "subprocess_specs": {k: registry.convert(v) for k, v in subprocess_specs.items()},
    }
    return zlib.compress(json.dumps(dct, separators=(",", ":")).encode(), 3)


def load_specs(blob: bytes) -> tuple[Any, dict]:
    registry = _SPEC_SERIALIZER.registry
    dct = json.loads(zlib.decompress(blob))
    spec = registry.restore(dct["spec"])
    subs = {k: registry.restore(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subs


@dataclass
class StoredState:
    format_version: int
    blob: bytes
    #: The blob reads back as exactly what was serialised: no value was changed on the way
    #: to JSON (a tuple made a list, a set or a date made a string, an int key a string).
    #: Only then may the saved object stand in for a load (``engine.workflow_cache``).
    faithful: bool = False


def save_state(workflow: BpmnWorkflow, *, check_faithful: bool = True) -> StoredState:
    """Prune and serialise; ``check_faithful`` reads the JSON back (a process that keeps no
    workflows has no use for ``faithful`` and skips the read)."""
    prune_history(workflow)
    dct = SERIALIZER.to_dict(workflow)
    raw = json.dumps(dct, separators=(",", ":"), default=str).encode()
    faithful = check_faithful and json.loads(raw) == dct
    return StoredState(STATE_FORMAT, zlib.compress(raw, 3), faithful=faithful)


def load_state(
    stored: StoredState, spec: Any, subprocess_specs: dict, script_engine: Any
) -> BpmnWorkflow:
    """Rebuild a workflow; the script engine is not serialised, so it is attached here."""
    try:
        dct = json.loads(zlib.decompress(stored.blob))
    except (zlib.error, ValueError) as exc:
        raise StateError(f"stored workflow state is unreadable: {exc}") from exc
    version = stored.format_version
    while version < STATE_FORMAT:
        migrate = MIGRATIONS.get(version)
        if migrate is None:
            raise StateError(f"no migration from state format {version}")
        dct, version = migrate(dct), version + 1
    if version > STATE_FORMAT:
        raise StateError(f"state format {version} is newer than this code ({STATE_FORMAT})")
    token = _specs.set((spec, subprocess_specs))
    try:
        workflow = SERIALIZER.from_dict(dct)
    finally:
        _specs.reset(token)
    workflow.script_engine = script_engine
    return workflow


#: format version → function upgrading a state dict to the next version.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}

_LIVE = TaskState.NOT_FINISHED_MASK


def prune_history(workflow: BpmnWorkflow) -> int:
    """Drop finished tasks above the lowest common ancestor of every live task.

    Everything a live task can still consult (its parent chain up to the split it came
    from, the waiting joins of sibling branches) sits below that ancestor, so cutting
    above it changes no behaviour. Returns the number of tasks removed.
    """
    removed = _prune(workflow)
    for sub in list(workflow.subprocesses.values()):
        removed += _prune(sub)
    return removed


def _prune(wf: Any) -> int:
    root = wf.task_tree
    live = [t for t in wf.tasks.values() if t.state & _LIVE]
    if not live:
        return 0
    anchor = _common_ancestor(live)
    # A live task still inherits data from its parent when it runs: root at a finished task.
    while anchor is not None and anchor.state & _LIVE:
        anchor = anchor.parent
    if anchor is None or anchor is root or anchor.parent is None:
        return 0
    keep: set[UUID] = set()
    stack = [anchor]
    while stack:
        task = stack.pop()
        keep.add(task.id)
        stack.extend(task.children)
    dropped = [tid for tid in wf.tasks if tid not in keep]
    top = wf.top_workflow if hasattr(wf, "top_workflow") else wf
    for tid in dropped:
        task = wf.tasks.pop(tid)
        if isinstance(task.task_spec, SubWorkflowTask):
            _drop_subprocess(top, tid)
    anchor._parent = None
    wf.task_tree = anchor
    if wf.last_task is not None and wf.last_task.id not in keep:
        wf.last_task = anchor
    return len(dropped)


def _drop_subprocess(top: Any, task_id: UUID) -> None:
    sub = top.subprocesses.pop(task_id, None)
    if sub is None:
        return
    for tid, task in sub.tasks.items():
        if isinstance(task.task_spec, SubWorkflowTask):
            _drop_subprocess(top, tid)


def _common_ancestor(tasks: list[Any]) -> Any:
    def chain(task: Any) -> list[Any]:
        out = []
        while task is not None:
            out.append(task)
            task = task.parent
        return out[::-1]

    paths = [chain(t) for t in tasks]
    anchor = None
    for level in zip(*paths, strict=False):
        first = level[0]
        if all(t is first for t in level):
            anchor = first
        else:
            break
    return anchor
