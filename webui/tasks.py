"""The task list: my tasks, my group's, my unit's, what was escalated to me; claim and assign.

Filters travel in the query string (bookmarkable, and what a saved filter stores); every
value is checked before it reaches the engine's query (``engine.task_board``), which never
loads workflow state. Claiming is exclusive: the second officer gets a clear message.

Those who decide about incidents (heads of unit, admins) also get the tab of dossiers stuck on
a failing service call, each row with its error, a retry button and a link to the incident,
and on the other tabs a line saying how many there are (the top bar's count, not counted again).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from engine.errors import LienThongError
from engine.task_board import SCOPES, SORTS, BoardFilter

from .access import roles_required
from .context import get_engine
from .dates import parse_day
from .i18n import vi_sort_key
from .incidents import STATE_LABELS, may_decide
from .officer_views import (
    CHANNEL_LABELS,
    STAFF,
    STATUS_LABELS,
    SUPERVISORS,
    back,
    me,
    urgency,
)
from .topbar import known_bell, topbar_counts

bp = Blueprint("tasks", __name__, url_prefix="/cong-viec")

SCOPE_LABELS = {
    "mine": "Việc của tôi",
    "group": "Việc của nhóm",
    "unit": "Toàn đơn vị",
    "escalated": "Việc quá hạn chuyển đến tôi",
    "incidents": "Hồ sơ lỗi kết nối",
}
SORT_LABELS = {
    "due": "Hạn xử lý gần nhất",
    "-due": "Hạn xử lý xa nhất",
    "received": "Tiếp nhận sớm nhất",
    "-received": "Tiếp nhận mới nhất",
    "code": "Mã hồ sơ",
}
FILTER_KEYS = (
    "scope", "procedure", "status", "channel", "received_from", "received_to", "due_from",
    "due_to", "urgency", "assignee", "code", "sort", "per_page",
)  # fmt: skip


def board_filter(args: MultiDict) -> tuple[BoardFilter, list[str]]:
    """Read a filter from the query string; unusable values are dropped and named."""
    problems: list[str] = []

    def pick(name: str, allowed: Any = None) -> str | None:
        value = (args.get(name) or "").strip()
        if not value:
            return None
        if allowed is not None and value not in allowed:
            problems.append(f"Giá trị lọc “{name}” không hợp lệ, đã bỏ qua.")
            return None
        return value[:100]

    def day(name: str) -> date | None:
        value = pick(name)
        if value is None:
            return None
        try:
            return parse_day(value)
        except ValueError:
            problems.append(f"Ngày “{value}” không đúng định dạng ngày/tháng/năm, đã bỏ qua.")
            return None

    def number(name: str, default: int, high: int) -> int:
        value = pick(name)
        if value is None:
            return default
        if not value.isdigit() or not 1 <= int(value) <= high:
            problems.append(f"Giá trị “{name}” không hợp lệ, đã bỏ qua.")
            return default
        return int(value)

    flt = BoardFilter(
        scope=pick("scope", SCOPES) or "group",
        procedure_code=pick("procedure"),
        status=pick("status", STATUS_LABELS),
        channel=pick("channel", CHANNEL_LABELS),
        received_from=day("received_from"),
        received_to=day("received_to"),
        due_from=day("due_from"),
        due_to=day("due_to"),
        urgency=pick("urgency", ("overdue", "near_due")),
        assignee=pick("assignee"),
        dossier_code=pick("code"),
        sort=pick("sort", SORTS) or "due",
        page=number("page", 1, 100_000),
        per_page=number("per_page", 50, 200),
    )
    return flt, problems


@bp.get("/")
@roles_required(*STAFF)
def board() -> str:
    engine = get_engine()
    officer = me()
    flt, problems = board_filter(request.args)
    for problem in problems:
        flash(problem, "warning")
    page = engine.task_board(officer.username, flt)
    known_bell(page.escalated)  # counted with the page: the top bar need not count again
    procedures, colleagues, saved = engine.board_choices(officer.username)
    now = engine.clock.now()
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return render_template(
        "tasks/board.html",
        page=page,
        flt=flt,
        args=args,
        now=now,
        urgency=urgency,
        scopes=SCOPE_LABELS,
        sorts=SORT_LABELS,
        procedures=procedures,
        colleagues=sorted(colleagues, key=lambda u: vi_sort_key(u.full_name)),
        saved=saved,
        supervisor=officer.has_role(*SUPERVISORS),
        deciders=may_decide(),
        stuck=topbar_counts().incidents,
        incident_labels=STATE_LABELS,
    )


@bp.post("/<task_id>/nhan")
@roles_required(*STAFF)
def claim(task_id: str) -> Response:
    return _act(lambda e, u: e.claim(task_id, user=u), "Đã nhận xử lý công việc.")


@bp.post("/<task_id>/tra-lai")
@roles_required(*STAFF)
def release(task_id: str) -> Response:
    return _act(lambda e, u: e.release(task_id, user=u), "Đã trả công việc về nhóm.")


@bp.post("/<task_id>/giao")
@roles_required(*STAFF)
def assign(task_id: str) -> Response:
    to = (request.form.get("to") or "").strip()
    return _act(lambda e, u: e.assign(task_id, to=to, user=u), f"Đã giao công việc cho {to}.")


@bp.post("/hang-loat")
@roles_required(*STAFF)
def bulk() -> Response:
    """Claim or assign many tasks at once; each succeeds or fails on its own, all reported."""
    engine, officer = get_engine(), me()
    ids = [i for i in request.form.getlist("task") if i][:200]
    action = request.form.get("action")
    to = (request.form.get("to") or "").strip()
    if not ids or action not in ("claim", "assign") or (action == "assign" and not to):
        flash("Chọn công việc và thao tác (nhận xử lý, hoặc giao cho cán bộ).", "error")
        return back("tasks.board")
    done, failed = 0, []
    for task_id in ids:
        try:
            if action == "claim":
                engine.claim(task_id, user=officer.username)
            else:
                engine.assign(task_id, to=to, user=officer.username)
            done += 1
        except LienThongError as exc:
            failed.append(str(exc))
    if done:
        flash(f"Đã xử lý {done} công việc.", "success")
    if failed:
        flash(f"{len(failed)} công việc không thực hiện được: " + "; ".join(failed[:5]), "error")
    return back("tasks.board")


@bp.post("/chuyen-giao")
@roles_required(*SUPERVISORS)
def reassign_absent() -> Response:
    """Give every open task an absent officer holds to a colleague (heads of unit)."""
    engine, officer = get_engine(), me()
    absent = (request.form.get("from") or "").strip()
    to = (request.form.get("to") or "").strip()
    if not absent or not to or absent == to:
        flash("Chọn cán bộ vắng mặt và cán bộ nhận thay.", "error")
        return back("tasks.board")
    moved, failed = 0, {}
    while True:  # assigned tasks leave the filter, so the first page is always the rest
        page = engine.task_board(
            officer.username, BoardFilter(scope="unit", assignee=absent, per_page=200)
        )
        fresh = [row for row in page.rows if row.task.id not in failed]
        if not fresh:
            break
        for row in fresh:
            try:
                engine.assign(row.task.id, to=to, user=officer.username)
                moved += 1
            except LienThongError as exc:
                failed[row.task.id] = str(exc)
    flash(f"Đã chuyển {moved} công việc của {absent} cho {to}.", "success")
    if failed:
        reasons = "; ".join(list(failed.values())[:5])
        flash(f"{len(failed)} công việc không chuyển được: {reasons}", "error")
    return back("tasks.board")


@bp.post("/bo-loc")
@roles_required(*STAFF)
def save_filter() -> Response:
    engine, officer = get_engine(), me()
    query = {k: request.form.get(k, "") for k in FILTER_KEYS}
    try:
        engine.save_filter(officer.username, request.form.get("name", ""), query)
        flash("Đã lưu bộ lọc.", "success")
    except LienThongError as exc:
        flash(_first_message(exc), "error")
    return redirect(url_for("tasks.board", **{k: v for k, v in query.items() if v}))


@bp.post("/bo-loc/<int:filter_id>/xoa")
@roles_required(*STAFF)
def delete_filter(filter_id: int) -> Response:
    get_engine().delete_filter(me().username, filter_id)
    flash("Đã xóa bộ lọc.", "success")
    return redirect(url_for("tasks.board"))


def _act(call: Any, ok: str) -> Response:
    try:
        call(get_engine(), me().username)
        flash(ok, "success")
    except LienThongError as exc:
        flash(_first_message(exc), "error")
    return back("tasks.board")


def _first_message(exc: LienThongError) -> str:
    errors = getattr(exc, "errors", None) or {}
    for messages in errors.values():
        if messages:
            return f"{exc} — {messages[0]}"
    return str(exc)
