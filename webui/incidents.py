"""Failed service calls (incidents): officers see them, heads of unit and admins decide.

Admins see every agency's incidents, other officers those of their own agency's dossiers.
Retry and cancel go through the engine, which checks the role and agency again and writes
the decision to the audit log; this page only shows the outcome. Nothing is dropped: a
cancelled call becomes an incident task in the agency's task list.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import InvalidInput, LienThongError, NotFound
from engine.incidents import INCIDENT_KIND

from .access import roles_required
from .context import get_engine
from .officer_views import STAFF, back, me, visible_dossier

bp = Blueprint("incidents", __name__, url_prefix="/su-co")

#: The list's tabs: URL value -> engine states shown.
VIEWS: dict[str, tuple[str, ...]] = {
    "dang-mo": ("retrying", "failed"),
    "da-huy": ("cancelled",),
}
STATE_LABELS = {
    "retrying": "Đang thử lại",
    "failed": "Đã hết lượt thử",
    "cancelled": "Đã dừng gọi, chuyển xử lý thủ công",
    "done": "Đã thành công",
}
PAGE_SIZE = 100


def _agency_filter() -> str | None:
    """Admins see every agency; everyone else their own agency's dossiers only."""
    officer = me()
    return None if officer.has_role("admin") else officer.agency_code or ""


def may_decide() -> bool:
    """Heads of unit (the escalation role) and admins retry and cancel; the engine checks too."""
    return me().has_role("admin", get_engine().settings.escalation_role)


@bp.get("/")
@roles_required(*STAFF)
def index() -> str:
    view = request.args.get("xem", "dang-mo")
    if view not in VIEWS:
        view = "dang-mo"
    code = (request.args.get("ma") or "").strip()[:60]
    try:
        incidents = get_engine().list_incidents(
            states=VIEWS[view], agency_code=_agency_filter(), dossier=code or None, limit=PAGE_SIZE
        )
    except NotFound:
        incidents = []
    open_tasks = {i.task_id for i in incidents if view == "da-huy" and _open_incident(i.task_id)}
    return render_template(
        "incidents/index.html",
        incidents=incidents,
        view=view,
        state_labels=STATE_LABELS,
        may_decide=may_decide(),
        page_size=PAGE_SIZE,
        code=code,
        open_tasks=open_tasks,
    )


def _visible(job_id: int) -> None:
    """404 for an incident of another agency, as for one that does not exist."""
    try:
        incident = get_engine().incident(job_id)
    except NotFound:
        abort(404)
    agency = _agency_filter()
    if agency is not None and incident.agency_code != agency:
        abort(404)


@bp.post("/<int:job_id>/thu-lai")
@roles_required(*STAFF)
def retry(job_id: int) -> Response:
    _visible(job_id)
    try:
        state = get_engine().retry_incident(job_id, user=me().username)
    except LienThongError as exc:
        flash(f"Không thử lại được: {exc}", "error")
    else:
        if state == "done":
            flash("Đã gọi lại hệ thống: thành công, hồ sơ được xử lý tiếp.", "success")
        elif state == "failed":
            flash("Đã gọi lại hệ thống nhưng vẫn lỗi.", "warning")
        else:
            flash("Đã xếp lượt gọi lại hệ thống.", "info")
    return back("incidents.index")  # the task board's stuck rows retry from there too


@bp.post("/<int:job_id>/huy")
@roles_required(*STAFF)
def cancel(job_id: int) -> Response:
    _visible(job_id)
    try:
        get_engine().cancel_incident(
            job_id, user=me().username, reason=request.form.get("reason", "")
        )
    except InvalidInput as exc:
        message = "Vui lòng ghi lý do dừng gọi hệ thống." if exc.errors else str(exc)
        flash(f"Không dừng được: {message}", "error")
    except LienThongError as exc:
        flash(f"Không dừng được: {exc}", "error")
    else:
        flash(
            "Đã dừng gọi hệ thống; bước này chuyển thành việc xử lý thủ công trong danh sách "
            "công việc.",
            "success",
        )
    return redirect(url_for("incidents.index"))


def _open_incident(task_id: str) -> bool:
    try:
        row = get_engine().task(task_id)
    except NotFound:
        return False
    return row.kind == INCIDENT_KIND and row.state == "open"


@bp.route("/viec/<task_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def resolve(task_id: str) -> Any:
    """Enter by hand what the stopped system would have answered, so the dossier moves on."""
    engine = get_engine()
    try:
        row = engine.task(task_id)
    except NotFound:
        abort(404)
    if row.kind != INCIDENT_KIND:
        abort(404)
    dossier = visible_dossier(engine.dossier(row.dossier_id).code)
    cancelled = engine.list_incidents(states=("cancelled",), dossier=dossier.id, limit=1000)
    incident = next((i for i in cancelled if i.task_id == task_id), None)
    answer, error = request.form.get("answer", "{\n}"), ""
    if request.method == "POST":
        try:
            data = json.loads(answer)
        except json.JSONDecodeError as exc:
            error = f"Kết quả phải là một đối tượng JSON hợp lệ ({exc.msg}, dòng {exc.lineno})."
        else:
            if not isinstance(data, dict) or not data:
                error = 'Kết quả phải là một đối tượng JSON có ít nhất một mục, ví dụ {"ma": "…"}.'
            else:
                try:
                    engine.resolve_incident(task_id, user=me().username, data=data)
                except LienThongError as exc:
                    error = str(exc)
                else:
                    flash("Đã ghi kết quả thay hệ thống; hồ sơ được xử lý tiếp.", "success")
                    return redirect(url_for("dossiers.show", code=dossier.code))
    status = 400 if error else 200
    return render_template(
        "incidents/resolve.html",
        row=row,
        d=dossier,
        incident=incident,
        answer=answer,
        error=error,
        may_decide=may_decide(),
    ), status
