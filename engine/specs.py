"""Parsed process models, cached by content hash and process id: no step or restart re-parses.

Three levels: this process's memory (an LRU of parsed specs), the serialised spec stored
beside the model version (a restart restores it instead of parsing BPMN), and the BPMN
itself as the last resort.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from .model_parser import ElementInfo, LaneInfo, parse_model
from .models import ProcessVersion
from .state import dump_specs, load_specs


@dataclass
class LoadedModel:
    content_hash: str
    process_id: str
    spec: Any
    subprocess_specs: dict
    lanes: dict[str, LaneInfo]
    elements: dict[str, ElementInfo]


def lanes_to_json(lanes: dict[str, LaneInfo]) -> dict:
    return {k: {"name": v.name, "role": v.role, "agency": v.agency} for k, v in lanes.items()}


def elements_to_json(elements: dict[str, ElementInfo]) -> dict:
    return {
        k: {
            "bpmn_id": v.bpmn_id,
            "kind": v.kind,
            "name": v.name,
            "lane": v.lane,
            "form": v.form,
            "deadline_share": v.deadline_share,
            "actions": list(v.actions),
            "operation": v.operation,
            "timer_amount": v.timer_amount,
            "timer_unit": v.timer_unit,
        }
        for k, v in elements.items()
    }


def _lanes_from_json(raw: dict) -> dict[str, LaneInfo]:
    return {k: LaneInfo(**v) for k, v in raw.items()}


def _elements_from_json(raw: dict) -> dict[str, ElementInfo]:
    return {k: ElementInfo(**{**v, "actions": tuple(v["actions"])}) for k, v in raw.items()}


class ModelCache:
    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: OrderedDict[str, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, version: ProcessVersion) -> LoadedModel:
        key = f"{version.content_hash}:{version.process_id}"
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        model = self._load(version)
        with self._lock:
            self._items[key] = model
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return model

    def get_by_key(
        self, session: Session, version_id: int, content_hash: str, process_id: str
    ) -> LoadedModel:
        """The model of a version known by its content key: no row is read on a cache hit.

        Versions are immutable and the key is their content, so a hit is always right.
        """
        key = f"{content_hash}:{process_id}"
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        return self.get(session, session.get(ProcessVersion, version_id))

    def put_parsed(self, parsed: Any) -> LoadedModel:
        model = LoadedModel(
            parsed.content_hash,
            parsed.process_id,
            parsed.spec,
            parsed.subprocess_specs,
            parsed.lanes,
            parsed.elements,
        )
        with self._lock:
            self._items[f"{parsed.content_hash}:{parsed.process_id}"] = model
        return model

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def _load(self, version: ProcessVersion) -> LoadedModel:
        if version.spec_blob:
            spec, subs = load_specs(version.spec_blob)
            return LoadedModel(
                version.content_hash,
                version.process_id,
                spec,
                subs,
                _lanes_from_json(version.lanes),
                _elements_from_json(version.elements),
            )
        parsed = parse_model(version.bpmn_xml, process_id=version.process_id)
        return self.put_parsed(parsed)


def spec_blob_for(parsed: Any) -> bytes:
    return dump_specs(parsed.spec, parsed.subprocess_specs)
