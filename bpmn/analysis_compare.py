"""Set a liên thông model against the separate procedures it replaces: what the citizen saves.

The separate procedures are added up (the citizen goes through each of them in turn), the
liên thông model is counted once, and each figure's reduction is the difference. Legal
deadlines add up only when every one is known and in working days; otherwise the total is
unknown and said so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bpmn.analysis import ModelFigures

#: figure key → Vietnamese label, in print order
FIGURES = {
    "submissions": "Lần nộp hồ sơ",
    "visits": "Lần đến cơ quan (nộp, nhận kết quả)",
    "payments": "Lần nộp tiền",
    "documents": "Giấy tờ phải nộp",
    "carried_results": "Kết quả công dân phải tự mang sang cơ quan khác",
    "touchpoints": "Tổng số lần tiếp xúc của công dân",
    "agency_handoffs": "Chuyển giao giữa các cơ quan (trong hệ thống)",
    "citizen_handoffs": "Chuyển giao do công dân tự làm",
    "human_steps": "Bước do người thực hiện",
    "system_steps": "Bước do hệ thống thực hiện",
    "external_exchanges": "Trao đổi dữ liệu với hệ thống ngoài",
}


def figures_of(m: ModelFigures) -> dict[str, int | None]:
    t = m.touchpoints
    return {
        "submissions": t.submissions,
        "visits": t.visits,
        "payments": t.payments,
        "documents": t.documents,
        "carried_results": t.carried_results,
        "touchpoints": t.total,
        "agency_handoffs": len(m.handoffs),
        "citizen_handoffs": t.carried_results,
        "human_steps": len(m.human_steps),
        "system_steps": len(m.system_steps),
        "external_exchanges": len(m.external_exchanges),
    }


@dataclass
class Comparison:
    lienthong: ModelFigures
    separate: list[ModelFigures]
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    deadline_lienthong: float | None = None
    deadline_separate: float | None = None  # sum, None when any is unknown
    deadline_parts: list[tuple[str, float | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "lienthong": {"code": self.lienthong.code, "name": self.lienthong.name},
            "separate": [{"code": m.code, "name": m.name} for m in self.separate],
            "figures": self.rows,
            "deadline_working_days": {
                "lienthong": self.deadline_lienthong,
                "separate_total": self.deadline_separate,
                "separate": [{"code": c, "days": d} for c, d in self.deadline_parts],
            },
        }


def compare(lienthong: ModelFigures, separate: list[ModelFigures]) -> Comparison:
    """Return, figure by figure, the separate total, the liên thông value and the reduction."""
    one = figures_of(lienthong)
    many = [figures_of(m) for m in separate]
    rows = {}
    for key, label in FIGURES.items():
        parts = [f[key] for f in many]
        total = None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]
        value = one[key]
        saved = None if total is None or value is None else total - value
        pct = None if saved is None or not total else round(100 * saved / total, 1)
        rows[key] = {"label": label, "separate": total, "lienthong": value,
                     "reduction": saved, "reduction_pct": pct}  # fmt: skip
    parts = [(m.code or m.process_id, _working_days(m)) for m in separate]
    known = [d for _, d in parts]
    return Comparison(
        lienthong, separate, rows,
        deadline_lienthong=_working_days(lienthong),
        deadline_separate=None if any(d is None for d in known) else sum(known),  # type: ignore[misc]
        deadline_parts=parts,
    )  # fmt: skip


def _working_days(m: ModelFigures) -> float | None:
    if m.deadline is None:
        return None
    amount, unit = m.deadline
    return float(amount) if unit == "working_days" else None
