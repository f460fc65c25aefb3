"""What the officer pages share: who is working, which dossiers they may open, how to print.

A dossier another agency handles is answered with 404, exactly as a code that does not exist,
so a guessed URL tells nothing. Jinja filters print dates the Vietnamese way (dd/mm/yyyy, in
Hà Nội time) and mask identity numbers in lists.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from engine.accounts import Account
from engine.errors import NotFound
from engine.models import Dossier

from .access import current_officer
from .context import get_engine
from .documents.pdf import mask_id

VN = ZoneInfo("Asia/Ho_Chi_Minh")
STAFF = ("one_stop_officer", "specialist", "head_of_unit", "leader", "admin")
SUPERVISORS = ("head_of_unit", "leader", "admin")

STATUS_LABELS = {
    "received": "Đã tiếp nhận",
    "in_process": "Đang giải quyết",
    "supplement_requested": "Chờ bổ sung",
    "settled": "Đã có kết quả",
    "result_returned": "Đã trả kết quả",
    "refused": "Từ chối",
    "withdrawn": "Công dân rút hồ sơ",
}
CHANNEL_LABELS = {"counter": "Trực tiếp", "online": "Trực tuyến", "post": "Bưu chính"}
ROLE_LABELS = {
    "one_stop_officer": "Cán bộ một cửa",
    "specialist": "Chuyên viên",
    "head_of_unit": "Trưởng phòng",
    "leader": "Lãnh đạo",
    "admin": "Quản trị",
    "designer": "Thiết kế quy trình",
}
EVENT_LABELS = {
    "submit": "Nộp/tiếp nhận hồ sơ",
    "status": "Đổi trạng thái",
    "claim": "Nhận xử lý",
    "release": "Trả lại nhóm",
    "assign": "Giao việc",
    "complete": "Hoàn thành bước",
    "comment": "Ý kiến",
    "attach_document": "Đính kèm giấy tờ",
    "data_access": "Xem dữ liệu cá nhân",
    "near_due": "Sắp đến hạn",
    "escalated": "Quá hạn, báo cấp trên",
    "late": "Hồ sơ trễ hạn",
    "clock_paused": "Tạm dừng tính thời gian",
    "clock_resumed": "Tính tiếp thời gian",
    "withdraw": "Rút hồ sơ",
    "apology_letter": "Lập phiếu xin lỗi",
}
DECISION_LABELS = {
    "complete": "Hoàn thành",
    "supplement": "Yêu cầu bổ sung",
    "refuse": "Từ chối",
    "forward": "Chuyển cơ quan tiếp theo",
}

bp = Blueprint("officer", __name__)


def me() -> Account:
    """The signed-in officer (views are behind ``login_required``/``roles_required``)."""
    officer = current_officer()
    if officer is None:
        abort(401)
    return officer


def visible_dossier(code: str) -> Dossier:
    """Return the dossier if the officer's agency handles it; 404 otherwise, whatever the cause."""
    engine = get_engine()
    try:
        dossier = engine.dossier(code)
    except NotFound:
        abort(404)
    if not engine.dossier_visible_to(me().username, dossier.id):
        abort(404)
    return dossier


def back(default: str) -> Response:
    """Return to the page a form was posted from (its ``next``, a local path only), else to
    ``default``'s page: the task list's row buttons post to other pages' actions."""
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for(default)
    return redirect(target)


@bp.app_template_filter("vn_date")
def vn_date(value: datetime | None) -> str:
    return value.astimezone(VN).strftime("%d/%m/%Y") if value else ""


@bp.app_template_filter("vn_datetime")
def vn_datetime(value: datetime | None) -> str:
    return value.astimezone(VN).strftime("%d/%m/%Y %H:%M") if value else ""


@bp.app_template_filter("masked")
def masked(value: Any) -> str:
    return mask_id(value)


_ID_LIKE = re.compile(r"(?<!\d)\d{9,12}(?!\d)")


@bp.app_template_filter("mask_ids")
def mask_ids(text: Any) -> str:
    """Mask identity-like numbers (9–12 digits) inside free text, such as an external error."""
    return _ID_LIKE.sub(lambda m: mask_id(m.group()), str(text or ""))


@bp.app_template_filter("label")
def label(value: Any, kind: str) -> str:
    table = {
        "status": STATUS_LABELS,
        "channel": CHANNEL_LABELS,
        "role": ROLE_LABELS,
        "event": EVENT_LABELS,
        "decision": DECISION_LABELS,
    }[kind]
    return table.get(str(value), str(value or ""))


def urgency(due_at: datetime | None, warn_at: datetime | None, now: datetime) -> str:
    """``late``, ``near`` or ``ok``: the colour of a task's row."""
    if due_at is not None and due_at < now:
        return "late"
    if warn_at is not None and warn_at < now:
        return "near"
    return "ok"
