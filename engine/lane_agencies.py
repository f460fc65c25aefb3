"""Which agency owns a lane of a liên thông model: a key in the model, a code per deployment.

A liên thông model names its partner agencies by role (``lt:agency="police"``,
``"social_insurance"``), not by code, so one model serves every province. The procedure's
``meta["lane_agencies"]`` maps each key to the agency code whose officers take the lane's
tasks; `StepContext.resolve_agency` consults it. A key with no mapping is used as the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import audit
from .errors import InvalidInput, UnknownProcedure
from .models import Agency, Procedure

if TYPE_CHECKING:
    from .runtime import Engine

META_KEY = "lane_agencies"
RESERVED = frozenset({"receiving", "competent", "system"})


def lane_agency(procedure: Procedure | None, key: str) -> str:
    """Return the agency code a lane key stands for in this procedure (the key itself if none)."""
    mapping = ((procedure.meta or {}) if procedure is not None else {}).get(META_KEY) or {}
    return mapping.get(key) or key


class LaneAgencies:
    def set_lane_agencies(
        self: Engine, procedure_code: str, mapping: dict[str, str], *, actor: str = "system"
    ) -> dict[str, str]:
        """Say which agency's officers work each partner lane of a procedure; return the map."""
        if not isinstance(mapping, dict) or not mapping:
            raise InvalidInput("cần ít nhất một cặp làn → mã cơ quan", {"mapping": ["trống"]})
        with self.db.write() as s:
            proc = s.get(Procedure, procedure_code)
            if proc is None:
                raise UnknownProcedure(f"thủ tục {procedure_code} chưa được triển khai")
            errors: dict[str, list[str]] = {}
            for key, code in mapping.items():
                if not isinstance(key, str) or not key.strip() or key in RESERVED:
                    errors[str(key)] = ["tên làn phải khác rỗng và khác "
                                        f"{', '.join(sorted(RESERVED))}"]  # fmt: skip
                elif not isinstance(code, str) or s.get(Agency, code) is None:
                    errors[key] = [f"không có cơ quan {code!r}"]
            if errors:
                detail = "; ".join(f"{k}: {v[0]}" for k, v in errors.items())
                message = f"không gán được làn của thủ tục {procedure_code}: {detail}"
                raise InvalidInput(message, errors)
            current = dict((proc.meta or {}).get(META_KEY) or {})
            merged = {**current, **mapping}
            if merged == current:
                return merged  # nothing changes: no write, no audit (seeding is idempotent)
            proc.meta = {**(proc.meta or {}), META_KEY: merged}  # a new dict: JSON change seen
            audit.record(s, at=self.clock.now(), actor=actor, action="lane_agencies",
                         procedure=procedure_code, mapping=merged)  # fmt: skip
            return dict(merged)
