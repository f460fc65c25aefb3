"""Push dossier status to the national/provincial public-service portal, in its own words.

The engine's outbox rows are neutral (``dossier_code``, ``status``, ISO dates); the portal
wants its field names (MaHoSo, MaTTHC, NgayTiepNhan, NgayHenTra, TrangThaiHoSo,
NgayHenTraMoi…), its status codes and dates as ``yyyyMMddHHmmss`` in Vietnam time. That
translation lives here, so a province whose portal speaks differently replaces this adapter
(through the ``lienthong.adapters`` entry point) and nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from adapters.errors import InvalidParams
from adapters.http import HttpAdapter, lazy
from adapters.protocol import Call, CallResult, Operation
from adapters.validation import NOT_A_MAPPING, REQUIRED, describe

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y%m%d%H%M%S"
DATE_NEEDED = "cần ngày giờ ISO 8601 có múi giờ, ví dụ 2025-07-01T08:00:00+07:00"

#: engine status → the portal's TrangThaiHoSo code.
STATUS_CODES = {
    "received": "1",  # Đã tiếp nhận
    "in_process": "2",  # Đang xử lý
    "supplement_requested": "3",  # Yêu cầu bổ sung
    "settled": "4",  # Đã có kết quả
    "result_returned": "5",  # Đã trả kết quả
    "refused": "6",  # Từ chối giải quyết
    "withdrawn": "7",  # Công dân rút hồ sơ
}
#: engine event → the portal's LoaiCapNhat.
EVENTS = {status: status.upper() for status in STATUS_CODES} | {"new_due_date": "HEN_LAI"}
#: neutral payload field → portal field (dates are converted).
FIELDS = {
    "dossier_code": "MaHoSo",
    "procedure_code": "MaTTHC",
    "agency_code": "MaDonVi",
    "channel": "KenhNop",
    "received_at": "NgayTiepNhan",
    "due_at": "NgayHenTra",
    "finished_at": "NgayKetThuc",
    "changed_at": "ThoiDiemCapNhat",
}
DATES = {"received_at", "due_at", "finished_at", "changed_at", "appointment_at", "old_due_at"}


def portal_date(value: Any) -> str:
    """ISO 8601 (aware) → ``yyyyMMddHHmmss`` in Vietnam time, as the portal reads dates."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r}: {DATE_NEEDED}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r}: {DATE_NEEDED}")
    return moment.astimezone(VN).strftime(DATE_FORMAT)


def to_portal(payload: dict[str, Any]) -> dict[str, Any]:
    """Translate one outbox payload into the portal's status-update document."""
    errors: dict[str, list[str]] = {}
    for name in ("dossier_code", "procedure_code", "status", "event", "received_at"):
        if not payload.get(name):
            errors[name] = [REQUIRED]
    for name, known in (("status", STATUS_CODES), ("event", EVENTS)):
        if payload.get(name) and payload[name] not in known:
            errors[name] = [
                f"{payload[name]!r} không thuộc các giá trị cho phép: {', '.join(sorted(known))}"
            ]
    doc: dict[str, Any] = {}
    for name in DATES:
        if payload.get(name):
            try:
                portal_date(payload[name])
            except (TypeError, ValueError) as exc:
                errors[name] = [str(exc)]
    if errors:
        raise InvalidParams(f"bản cập nhật trạng thái không hợp lệ: {describe(errors)}", errors)
    for name, field in FIELDS.items():
        value = payload.get(name)
        if value:
            doc[field] = portal_date(value) if name in DATES else str(value)
    doc["TrangThaiHoSo"] = STATUS_CODES[payload["status"]]
    doc["LoaiCapNhat"] = EVENTS[payload["event"]]
    if payload["event"] == "new_due_date" and payload.get("appointment_at"):
        doc["NgayHenTraMoi"] = portal_date(payload["appointment_at"])
    if payload.get("missing_documents"):
        doc["DanhSachGiayToBoSung"] = [str(x) for x in payload["missing_documents"]]
        doc["NoiDungYeuCauBoSung"] = str(payload.get("note") or "")
    if payload.get("reasons"):
        doc["LyDoTuChoi"] = "; ".join(str(x) for x in payload["reasons"])
    return doc


def _validate(params: dict) -> dict:
    if not isinstance(params, dict):
        raise InvalidParams(NOT_A_MAPPING, {"": [NOT_A_MAPPING]})
    to_portal(params)  # raises InvalidParams naming each bad field
    return dict(params)


def _dossier_code(params: dict) -> dict:
    code = str(params.get("dossier_code") or "").strip() if isinstance(params, dict) else ""
    if not code:
        raise InvalidParams(f"dossier_code: {REQUIRED}", {"dossier_code": [REQUIRED]})
    return {"dossier_code": code}


class PortalAdapter(HttpAdapter):
    name = "portal"
    title = "Cổng dịch vụ công (national/provincial portal)"
    install_simulator = staticmethod(lazy("adapters.portal.simulator"))
    operations = {
        "push_status": Operation(
            "push_status",
            "Đồng bộ trạng thái hồ sơ (tiếp nhận, bổ sung, hẹn lại ngày trả, có kết quả, từ chối)",
            safe=False,
            method="POST",
            path="/dossiers/status",
            validate=_validate,
        ),
        "get_dossier": Operation(
            "get_dossier",
            "Xem hồ sơ như Cổng dịch vụ công đang ghi nhận (MaHoSo)",
            safe=True,
            path="/dossiers/{dossier_code}",
            validate=_dossier_code,
        ),
    }

    def execute(self, call: Call) -> CallResult:
        if call.operation.name == "push_status":
            return self.send(call, "POST", "/dossiers/status", body=to_portal(call.params))
        return super().execute(call)
