"""The designer studio: edit, lint, test-run, deploy and roll back procedure models in the browser.

Pages (``/thiet-ke``) list the deployed procedures and their versions; the modeler page runs
bpmn-js with a side panel for the product's ``lt:`` attributes (``static/studio.js``) and
talks to the JSON endpoints below. Every write goes through `engine.model_versions`, which
checks the designer role again, lints, audits and refuses a draft with errors at deploy;
uploaded files go through the engine's hardened XML parser (no DTD, no entities, size cap)
before anything is stored. Reading is open to designers, admins and unit leaders (who
follow what changes); writing is for the ``designer`` role only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from engine.errors import InvalidInput, LienThongError, NotFound, UnknownProcedure
from engine.model_versions import ModelVersions
from engine.xml_safety import DEFAULT_MAX_BYTES, parse_xml

from .access import roles_required
from .context import get_engine
from .officer_views import me
from .studio_api import api_error, draft_json, forms_of_draft, lint_findings, operations

bp = Blueprint("studio", __name__, url_prefix="/thiet-ke")
READERS = ("designer", "admin", "leader", "head_of_unit")
WRITERS = ("designer",)
MAX_BPMN_BYTES = DEFAULT_MAX_BYTES


def studio() -> ModelVersions:
    return ModelVersions(get_engine(), lint=lint_findings)


@bp.get("/")
@roles_required(*READERS)
def index() -> str:
    """Deployed procedures, searchable by code or name with or without diacritics."""
    from bpmn.catalog.parse_text import fold

    q = (request.args.get("q") or "").strip()[:100]
    procedures = get_engine().receivable_procedures()
    if q:
        words = fold(q).split()
        procedures = [
            p for p in procedures
            if all(w in fold(f"{p.code} {p.name} {p.field or ''}") for w in words)
        ]  # fmt: skip
    deployed = {p.code for p in get_engine().receivable_procedures()}
    catalogue = [(e, e.code in deployed) for e in catalogue_matches(q)] if q else []
    return render_template("studio/index.html", procedures=procedures, q=q, catalogue=catalogue)


@bp.post("/danh-muc/<code>/ban-nhap")
@roles_required(*WRITERS)
def from_catalogue(code: str) -> Any:
    """Start a draft from the catalogue's model of a procedure (generated or a designer's)."""
    store = catalogue_store()
    try:
        entry = store.load(code)
    except LienThongError:
        abort(404)
    path = store.model_path(code)
    if entry.mode == "info" or not path.is_file():
        flash(f"Thủ tục {code} chỉ cung cấp thông tin, chưa có mô hình để thiết kế.", "error")
        return redirect(url_for("studio.index", q=code))
    try:
        draft = studio().save_draft(
            code, path.read_bytes(), user=me().username, name=entry.name,
            note=f"Từ danh mục ({store.model_state(code)})",
        )  # fmt: skip
    except LienThongError as exc:
        flash(f"Không tạo được bản nháp: {exc}", "error")
        return redirect(url_for("studio.index", q=code))
    flash(f"Đã tạo bản nháp #{draft.id} từ mô hình trong danh mục.", "success")
    return redirect(url_for("studio.modeler", draft_id=draft.id))


def catalogue_store() -> Any:
    """The procedure catalogue on disk (``CATALOG_DIR`` config, else the catalogue's default)."""
    from bpmn.catalog.store import CatalogStore

    return CatalogStore(current_app.config.get("CATALOG_DIR"))


def catalogue_matches(q: str, limit: int = 50) -> list[Any]:
    from bpmn.catalog.search import search

    store = catalogue_store()
    try:
        stamp = store.root.stat().st_mtime_ns
    except OSError:
        return []
    return search(_entries(str(store.root), stamp), q)[:limit]


@lru_cache(maxsize=4)
def _entries(root: str, _stamp: int) -> tuple[Any, ...]:
    """Every catalogue entry, read once per change of the catalogue folder."""
    from bpmn.catalog.store import CatalogStore

    store, found = CatalogStore(root), []
    for code in store.codes():
        try:
            found.append(store.load(code))
        except LienThongError:
            continue  # `lienthong catalog validate` reports broken entries
    return tuple(found)


@bp.get("/thu-tuc/<code>")
@roles_required(*READERS)
def procedure(code: str) -> str:
    """A procedure's versions (who, when, why, dossiers on each), drafts and scenarios."""
    mv = studio()
    try:
        versions = mv.versions(code)
        proc = get_engine().procedure(code)
    except (UnknownProcedure, NotFound):
        versions, proc = [], None
    drafts = mv.drafts(code)
    if proc is None and not drafts:
        abort(404)
    return render_template(
        "studio/procedure.html",
        code=code,
        proc=proc,
        versions=versions,
        drafts=drafts,
        scenarios=mv.scenarios(code),
        writer=me().has_role(*WRITERS),
    )


@bp.get("/thu-tuc/<code>/so-sanh")
@roles_required(*READERS)
def compare(code: str) -> str:
    """The diff of two versions (or a draft against the running one), in words and drawn."""
    mv = studio()
    draft_id = request.args.get("ban_nhap", type=int)
    try:
        if draft_id:
            diff = mv.diff_draft(draft_id)
            new_url = url_for("studio.draft_bpmn", draft_id=draft_id)
            title = f"Bản nháp #{draft_id}"
        else:
            old, new = request.args.get("cu", type=int), request.args.get("moi", type=int)
            if not old or not new:
                abort(400)
            diff = mv.diff(code, old, new)
            new_url = url_for("studio.version_bpmn", code=code, version=new)
            title = f"Phiên bản {new} so với {old}"
    except NotFound:
        abort(404)
    return render_template(
        "studio/compare.html", code=code, diff=diff, new_url=new_url, title=title
    )


@bp.get("/thu-tuc/<code>/thiet-ke")
@bp.get("/ban-nhap/<int:draft_id>")
@roles_required(*READERS)
def modeler(code: str | None = None, draft_id: int | None = None) -> str:
    """The modeler: a draft, or the running version of `code` (saved as a new draft)."""
    mv = studio()
    draft = None
    if draft_id is not None:
        try:
            draft = mv.draft(draft_id)
        except NotFound:
            abort(404)
        code = draft.procedure_code
        source = url_for("studio.draft_bpmn", draft_id=draft_id)
    else:
        try:
            proc = get_engine().procedure(code or "")
        except NotFound:
            abort(404)
        current = next((v for v in mv.versions(proc.code) if v.current), None)
        if current is None:
            abort(404)
        source = url_for("studio.version_bpmn", code=proc.code, version=current.version)
    return render_template(
        "studio/modeler.html",
        code=code,
        draft=draft_json(draft) if draft else None,
        forms=forms_of_draft(mv, draft_id) if draft_id else {},
        source=source,
        operations=operations(),
        writer=me().has_role(*WRITERS),
    )


# -- files -----------------------------------------------------------------------------------
@bp.get("/thu-tuc/<code>/phien-ban/<int:version>.bpmn")
@roles_required(*READERS)
def version_bpmn(code: str, version: int) -> Response:
    try:
        data = studio().version_bpmn(code, version)
    except NotFound:
        abort(404)
    return _bpmn_response(data, f"{code}-v{version}.bpmn")


@bp.get("/ban-nhap/<int:draft_id>.bpmn")
@roles_required(*READERS)
def draft_bpmn(draft_id: int) -> Response:
    mv = studio()
    try:
        data, draft = mv.draft_bpmn(draft_id), mv.draft(draft_id)
    except NotFound:
        abort(404)
    return _bpmn_response(data, f"{draft.procedure_code}-nhap-{draft_id}.bpmn")


@bp.post("/tai-len")
@roles_required(*WRITERS)
def upload() -> Any:
    """Import a ``.bpmn`` made elsewhere as a draft of a procedure (new or existing)."""
    code = (request.form.get("procedure_code") or "").strip()
    file = request.files.get("file")
    back = url_for("studio.procedure", code=code) if code else url_for("studio.index")
    if not code or file is None or not file.filename:
        flash("Hãy nhập mã thủ tục và chọn tệp .bpmn.", "error")
        return redirect(back)
    try:
        data = file.stream.read(MAX_BPMN_BYTES + 1)
    finally:
        file.close()  # large uploads are spooled to a temporary file
    if len(data) > MAX_BPMN_BYTES:
        flash(f"Không nhận tệp {file.filename}: lớn hơn {MAX_BPMN_BYTES // 1_000_000} MB.", "error")
        return redirect(back)
    try:
        parse_xml(data, max_bytes=MAX_BPMN_BYTES)  # DTD/entities/oversize refused here
        draft = studio().save_draft(
            code, data, user=me().username, name=request.form.get("name", "")[:200],
            note=f"Tải lên: {file.filename}"[:500],
        )  # fmt: skip
    except LienThongError as exc:
        flash(f"Không nhận tệp {file.filename}: {exc}", "error")
        return redirect(back)
    if draft.errors:
        flash(
            f"Đã lưu bản nháp #{draft.id} nhưng có {draft.errors} lỗi: chưa triển khai được. "
            "Xem các lỗi trên sơ đồ.",
            "warning",
        )
    else:
        flash(f"Đã lưu bản nháp #{draft.id}; không có lỗi.", "success")
    return redirect(url_for("studio.modeler", draft_id=draft.id))


# -- deploy, rollback, discard ---------------------------------------------------------------
@bp.post("/ban-nhap/<int:draft_id>/trien-khai")
@roles_required(*WRITERS)
def deploy(draft_id: int) -> Any:
    mv = studio()
    try:
        draft = mv.draft(draft_id)
        info = mv.deploy_draft(
            draft_id, user=me().username, reason=request.form.get("reason", ""),
            **_first_version_terms(draft.procedure_code),
        )  # fmt: skip
    except NotFound:
        abort(404)
    except InvalidInput as exc:
        flash(f"Chưa triển khai: {exc}", "error")
        return redirect(url_for("studio.modeler", draft_id=draft_id))
    flash(
        f"Đã triển khai phiên bản {info.version} của thủ tục {draft.procedure_code}. "
        "Hồ sơ mới dùng phiên bản này; hồ sơ đang giải quyết giữ phiên bản cũ.",
        "success",
    )
    return redirect(url_for("studio.procedure", code=draft.procedure_code))


@bp.post("/thu-tuc/<code>/quay-lai")
@roles_required(*WRITERS)
def rollback(code: str) -> Any:
    version = request.form.get("version", type=int)
    try:
        info = studio().rollback(
            code, version or 0, user=me().username, reason=request.form.get("reason", "")
        )
    except (NotFound, UnknownProcedure):
        abort(404)
    except InvalidInput as exc:
        flash(f"Chưa quay lại: {exc}", "error")
        return redirect(url_for("studio.procedure", code=code))
    flash(f"Đã quay lại phiên bản {info.version}.", "success")
    return redirect(url_for("studio.procedure", code=code))


@bp.post("/ban-nhap/<int:draft_id>/huy")
@roles_required(*WRITERS)
def discard(draft_id: int) -> Any:
    mv = studio()
    try:
        draft = mv.discard_draft(draft_id, user=me().username)
    except NotFound:
        abort(404)
    except InvalidInput as exc:
        flash(str(exc), "error")
        return redirect(url_for("studio.index"))
    flash(f"Đã bỏ bản nháp #{draft_id}.", "info")
    return redirect(url_for("studio.procedure", code=draft.procedure_code))


# -- JSON for the modeler page -----------------------------------------------------------------
@bp.post("/api/thu-tuc/<code>/luu")
@roles_required(*WRITERS)
def api_save(code: str) -> Any:
    """Save the modeler's XML (and the draft's eForms) as a draft; answer with the findings."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str):
        return api_error("Thiếu nội dung mô hình (xml)", 400)
    data = body["xml"].encode("utf-8")
    if len(data) > MAX_BPMN_BYTES:
        return api_error(f"Mô hình lớn hơn {MAX_BPMN_BYTES // 1_000_000} MB", 413)
    draft_id = body.get("draft_id") or None
    if draft_id is not None and (not isinstance(draft_id, int) or isinstance(draft_id, bool)):
        return api_error("Mã bản nháp phải là số", 400)
    forms = body.get("forms") or {}
    if not isinstance(forms, dict):
        return api_error("Biểu mẫu phải là một đối tượng {mã: nội dung}", 400)
    try:
        parse_xml(data, max_bytes=MAX_BPMN_BYTES)
        draft = studio().save_draft(
            code, data, user=me().username, name=str(body.get("name") or "")[:200],
            note=str(body.get("note") or "")[:500], draft_id=draft_id,
            forms=forms,
        )  # fmt: skip
    except LienThongError as exc:
        return api_error(str(exc), 400, getattr(exc, "errors", None))
    return jsonify(draft_json(draft) | {"url": url_for("studio.modeler", draft_id=draft.id)})


@bp.post("/api/ban-nhap/<int:draft_id>/chay-thu")
@roles_required(*WRITERS)
def api_test_run(draft_id: int) -> Any:
    """Play the given steps on the draft in a sandbox; say the path and each gateway's way."""
    from .studio_api import run_json, scenario_steps

    body = request.get_json(silent=True) or {}
    try:
        steps = scenario_steps(body.get("steps") or [])
        run = studio().test_run_draft(
            draft_id, steps, applicant=_obj(body.get("applicant")), data=_obj(body.get("data"))
        )
    except NotFound:
        abort(404)
    except InvalidInput as exc:
        return api_error(str(exc), 400, exc.errors)
    return jsonify(run_json(run))


@bp.post("/api/ban-nhap/<int:draft_id>/kich-ban")
@roles_required(*WRITERS)
def api_run_scenarios(draft_id: int) -> Any:
    """Replay every saved scenario of the procedure on the draft."""
    from .studio_api import run_json

    try:
        results = studio().run_scenarios(draft_id)
    except NotFound:
        abort(404)
    return jsonify(
        [{"name": r.name, "passed": r.passed, "expect_status": r.expect_status,
          "run": run_json(r.run)} for r in results]
    )  # fmt: skip


@bp.post("/api/thu-tuc/<code>/kich-ban")
@roles_required(*WRITERS)
def api_save_scenario(code: str) -> Any:
    body = request.get_json(silent=True) or {}
    try:
        scenario_id = studio().save_scenario(
            code, str(body.get("name") or ""), body.get("steps") or [], user=me().username,
            applicant=_obj(body.get("applicant")), data=_obj(body.get("data")),
            expect_status=(str(body["expect_status"]) if body.get("expect_status") else None),
        )  # fmt: skip
    except InvalidInput as exc:
        return api_error(str(exc), 400, exc.errors)
    return jsonify({"id": scenario_id})


@bp.get("/api/ban-nhap/<int:draft_id>/so-sanh")
@roles_required(*READERS)
def api_diff(draft_id: int) -> Any:
    try:
        diff = studio().diff_draft(draft_id)
    except NotFound:
        abort(404)
    return jsonify([
        {"element_id": c.element_id, "element": c.element, "change": c.change, "text": c.text}
        for c in diff.changes
    ])  # fmt: skip


@bp.post("/api/bieu-mau/xem-truoc")
@roles_required(*READERS)
def api_form_preview() -> Any:
    """Build the eForm from the editor's fields and render it as the officer sees it."""
    from .studio_api import preview

    body = request.get_json(silent=True) or {}
    return preview(body)


@bp.get("/api/bieu-mau/<form_id>")
@roles_required(*READERS)
def api_form(form_id: str) -> Any:
    """A registered form as the editor's field list (the draft's own forms come with the page)."""
    from .studio_api import form_fields_json

    return form_fields_json(form_id)


def _first_version_terms(code: str) -> dict[str, Any]:
    """What a procedure's first version takes from its catalogue entry (deadline, online level,
    field, level, agency), as the catalogue's own deploy gives them; later versions keep theirs."""
    from bpmn.catalog.deploy import catalogue_terms

    engine = get_engine()
    try:
        engine.procedure(code)
        return {}
    except NotFound:
        pass
    try:
        return catalogue_terms(catalogue_store().load(code), engine.agency_tree())
    except LienThongError:
        return {}


def _bpmn_response(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/xml")
    if request.args.get("tai-ve"):
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _obj(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and value else None
