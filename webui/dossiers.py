"""The dossier page and working a task: data, documents, history, comments, the diagram.

Only officers of an agency the dossier was received by or routed to may open it (else 404);
every page or file that shows the applicant's personal data is written to the data-access
log first. Task actions go through the engine, which checks role, agency and holder again.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from engine.errors import InvalidInput, LienThongError, NotFound
from engine.models import Dossier, TaskRow
from engine.online import RESULT_KIND

from . import letters
from .access import roles_required
from .context import get_engine
from .counter import read_files
from .counter_forms import fields_of, read_form, task_form, unplaced_errors
from .dossier_analysis import analysis_panel
from .officer_views import STAFF, SUPERVISORS, me, urgency, visible_dossier

bp = Blueprint("dossiers", __name__, url_prefix="/ho-so")

#: Audit actions shown in the timeline (data accesses are listed on the citizen's page).
HIDDEN_EVENTS = frozenset({"data_access", "comment"})
ACTIONS = ("complete", "supplement", "refuse", "forward")
#: Fields answered by their own forms (supplement, refuse), not the completion form.
ACTION_FIELDS = ("decision", "missing_documents", "reasons")
#: The file input of the supplementation step: the scans the citizen brought.
SUPPLEMENT_FILES = "supplement_files"
#: The file input of the steps that produce the result: the leader's approve step issues the
#: signed (electronic) decision, the counter's return step may add the scan of what was handed
#: over. Their files are attached as kind ``result``, which the citizen pages and the API serve.
RESULT_FILES = "result_files"
RESULT_STEPS = frozenset({"approve", "return_result"})


@bp.get("/<code>")
@roles_required(*STAFF)
def show(code: str) -> str:
    engine, officer = get_engine(), me()
    dossier = visible_dossier(code)
    engine.record_data_access(dossier.code, officer.username, "hồ sơ")
    view = engine.dossier_view(dossier.id)
    return render_template(
        "dossiers/show.html",
        d=dossier,
        view=view,
        form_json=json.dumps(dossier.form_data or {}, ensure_ascii=False, indent=2),
        procedure=engine.procedure(dossier.procedure_code),
        documents=engine.dossier_documents(dossier.id),
        timeline=[e for e in view.events if e.action not in HIDDEN_EVENTS],
        comments=[e for e in view.events if e.action == "comment"],
        active=[t.bpmn_id for t in view.open_tasks],
        done=sorted({t.bpmn_id for t in view.done_tasks if t.state == "completed"}),
        now=engine.clock.now(),
        urgency=urgency,
        officer=officer,
        supervisor=officer.has_role(*SUPERVISORS),
        colleagues=engine.agency_officers(officer.agency_code),
        analysis=analysis_panel(dossier),
    )


@bp.get("/<code>/so-do.bpmn")
@roles_required(*STAFF)
def diagram(code: str) -> Response:
    dossier = visible_dossier(code)
    xml = get_engine().process_xml(dossier.version_id)
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private"})


@bp.get("/<code>/giay-to/<int:document_id>")
@roles_required(*STAFF)
def document(code: str, document_id: int) -> Response:
    """Send one of the dossier's files as a download (never rendered inline by the browser)."""
    engine, officer = get_engine(), me()
    dossier = visible_dossier(code)
    info = next((i for i in engine.dossier_documents(dossier.id) if i.id == document_id), None)
    if info is None:
        abort(404)
    try:
        content = engine.document_content(dossier.id, document_id)
    except NotFound:
        abort(404)
    engine.record_data_access(dossier.code, officer.username, f"giấy tờ: {info.filename}")
    response = Response(content, mimetype=info.media_type)
    response.headers["Content-Disposition"] = _attachment(info.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<code>/y-kien")
@roles_required(*STAFF)
def comment(code: str) -> Response:
    dossier = visible_dossier(code)
    try:
        get_engine().add_comment(dossier.id, user=me().username, text=request.form.get("text", ""))
        flash("Đã ghi ý kiến.", "success")
    except InvalidInput as exc:
        flash(_message(exc), "error")
    return redirect(url_for("dossiers.show", code=dossier.code) + "#y-kien")


@bp.route("/<code>/viec/<task_id>", methods=["GET", "POST"])
@roles_required(*STAFF)
def work(code: str, task_id: str) -> Any:
    """Show a task's form and act on it: complete, ask for supplements, refuse or forward."""
    engine, officer = get_engine(), me()
    dossier = visible_dossier(code)
    row = _task_of(dossier, task_id)
    form = task_form(row.form)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        action = request.form.get("action", "complete")
        if action not in ACTIONS:
            abort(400)
        values = request.form.to_dict(flat=False)
        try:
            _act(row, action, form)
        except InvalidInput as exc:
            errors = exc.errors or {"": [str(exc)]}
            flash(_message(exc), "error")
        except LienThongError as exc:
            flash(str(exc), "error")
        else:
            flash("Đã cập nhật hồ sơ.", "success")
            return redirect(url_for("dossiers.show", code=dossier.code))
    engine.record_data_access(dossier.code, officer.username, f"hồ sơ (bước {row.name})")
    status = 400 if errors else 200
    fields = fields_of(form, skip=ACTION_FIELDS) if form else []
    own = {"missing_documents", "reasons", SUPPLEMENT_FILES, RESULT_FILES}
    return render_template(
        "dossiers/work.html",
        d=dossier,
        row=row,
        form=form,
        fields=fields,
        errors=errors,
        unplaced=unplaced_errors(fields, {k: v for k, v in errors.items() if k not in own}),
        values=values,
        mine=row.assignee == officer.username,
        supplement_task=engine.is_supplement_task(row),
        apology=letters.is_apology_task(row),
        officer=officer,
        result_step=is_result_step(row),
        results=[i for i in engine.dossier_documents(dossier.id) if i.kind.startswith(RESULT_KIND)],
    ), status


def _act(row: TaskRow, action: str, form: Any) -> None:
    engine, user = get_engine(), me().username
    posted = request.form
    if action == "supplement":
        missing = (posted.get("missing_documents") or "").splitlines()
        engine.request_supplementation(
            row.id, user=user, missing=missing, note=posted.get("note", "")
        )
    elif action == "refuse":
        engine.refuse(row.id, user=user, reasons=(posted.get("reasons") or "").splitlines())
    else:
        data = read_form(form, posted, skip=ACTION_FIELDS) if form else {}
        if letters.is_apology_task(row):
            letters.complete_apology(row, data, user)
        elif engine.is_supplement_task(row):
            files, problems = read_files(SUPPLEMENT_FILES)
            if problems:
                raise InvalidInput("a supplemented file is refused", {SUPPLEMENT_FILES: problems})
            engine.supplement(row.id, user=user, data=data)
            for _, content, filename in files:
                engine.attach_document(
                    row.dossier_id, content, filename=filename, kind="supplement", actor=user
                )
        elif action == "complete" and is_result_step(row):
            _complete_with_results(row, data, user)
        else:
            engine.complete(row.id, user=user, data=data, action=action)


def is_result_step(row: TaskRow) -> bool:
    return row.bpmn_id in RESULT_STEPS


def _complete_with_results(row: TaskRow, data: dict[str, Any], user: str) -> None:
    """Check every result file before the step moves, attach them once it has moved.

    A refused file leaves the step open and nothing attached; a step the engine refuses to
    complete (wrong holder, invalid data) attaches nothing either.
    """
    engine = get_engine()
    files, problems = read_files(RESULT_FILES)
    if problems:
        raise InvalidInput("a result file is refused", {RESULT_FILES: problems})
    engine.complete(row.id, user=user, data=data, action="complete")
    for _, content, filename in files:
        engine.attach_document(
            row.dossier_id, content, filename=filename, kind=RESULT_KIND, actor=user
        )


def _task_of(dossier: Dossier, task_id: str) -> TaskRow:
    try:
        row = get_engine().task(task_id)
    except NotFound:
        abort(404)
    if row.dossier_id != dossier.id:
        abort(404)
    return row


def _message(exc: InvalidInput) -> str:
    for messages in (exc.errors or {}).values():
        if messages:
            return f"Thông tin chưa hợp lệ: {messages[0]}"
    return str(exc)


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode() or "tai-lieu"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
