"""The leaders' dashboard: live figures, index, rankings, late dossiers, charts and heatmaps.

Everything shown is computed by ``engine.metrics*`` at request time from the engine's rows;
every chart and list can be downloaded as CSV or JSON (``/dashboard/data/<name>.<fmt>``)
with the same filters, and the daily report as PDF or Excel. Leaders and admins of a
top-level agency see the whole province; others see their agency and the units below it.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from engine.errors import InvalidInput
from engine.metrics import agencies_under, agency_names
from engine.metrics_dashboard import Dashboard, build, tables
from engine.metrics_flows import MEASURES, flow_figures
from engine.metrics_period import KINDS, LABELS, Period, Scope
from engine.metrics_steps import diagram, step_figures
from engine.reports import XLSX_TYPE, build_daily_report
from engine.reports_text import ROLE_NAMES, holders_text, local_time, percent

from .access import current_officer, roles_required
from .context import get_engine
from .dashboard_charts import rate_line, stacked_bars
from .dates import parse_day

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
ROLES = ("leader", "head_of_unit", "admin")
FORMATS = ("csv", "json")
#: Rows of the late/near-due list on the page (the download has them all).
BACKLOG_LIMIT = 100


def _allowed() -> frozenset[str] | None:
    """Agencies the signed-in officer may see; None for the whole province."""
    officer = current_officer()
    assert officer is not None
    names = agency_names(get_engine())
    if officer.has_role("admin") or officer.agency_code is None:
        return None
    from engine.models import Agency

    with get_engine().db.read() as s:
        agency = s.get(Agency, officer.agency_code)
    if agency is not None and agency.parent_code is None and officer.has_role("leader"):
        return None
    return agencies_under(get_engine(), [officer.agency_code]) & set(names)


def _filters() -> tuple[Period, Scope, dict[str, str]]:
    e = get_engine()
    tz = e.calendar.tz
    args = {k: request.args.get(k, "").strip() for k in ("period", "from", "to", "agency")}
    args["procedure"] = request.args.get("procedure", "").strip()
    kind = args["period"] or "month"
    args["period"] = kind
    if kind not in KINDS:
        raise InvalidInput(f"Kỳ báo cáo không hợp lệ: {kind!r}", {"period": list(KINDS)})
    today = e.clock.now().astimezone(tz).date()
    if kind == "range":
        try:
            first, last = parse_day(args["from"]), parse_day(args["to"])
        except ValueError:
            raise InvalidInput(
                "Nhập ngày bắt đầu và ngày kết thúc dạng dd/mm/yyyy (hoặc YYYY-MM-DD)",
                {"from": ["ngày"]},
            ) from None
        if last < first:
            raise InvalidInput("Ngày kết thúc phải sau ngày bắt đầu", {"to": ["trước ngày đầu"]})
        period = Period.between(first, last, tz)
    else:
        period = Period.named(kind, today, tz)
    allowed = _allowed()
    agencies = allowed
    if args["agency"]:
        if args["agency"] not in agency_names(e):
            raise InvalidInput(f"Không có cơ quan {args['agency']}", {"agency": ["không có"]})
        agencies = agencies_under(e, [args["agency"]])
        if allowed is not None:
            if args["agency"] not in allowed:
                abort(403)
            agencies = agencies & allowed
    procedure = args["procedure"] or None
    if procedure is not None and procedure not in {p.code for p in _procedures()}:
        raise InvalidInput(f"Không có thủ tục {procedure}", {"procedure": ["không có"]})
    return period, Scope(agencies, procedure), args


def _procedures() -> list[Any]:
    from sqlalchemy import select

    from engine.models import Procedure

    with get_engine().db.read() as s:
        return list(s.execute(select(Procedure).order_by(Procedure.code)).scalars())


def _dashboard() -> tuple[Dashboard, dict[str, str]]:
    period, scope, args = _filters()
    e = get_engine()
    return build(e, period, scope, e.clock.now()), args


@bp.get("/")
@roles_required(*ROLES)
def index() -> str:
    d, args = _dashboard()
    allowed = _allowed()
    names = {c: n for c, n in d.names.items() if allowed is None or c in allowed}
    trend_labels = [p.short_label for p, _ in d.trend]
    backlog_codes = sorted(d.by_agency)
    charts = {
        "trend": rate_line(trend_labels, [f.on_time_rate for _, f in d.trend]),
        "channels": stacked_bars(
            trend_labels,
            {
                "Trực tiếp": [f.received_counter for _, f in d.trend],
                "Trực tuyến": [f.received_online for _, f in d.trend],
                "Bưu chính": [f.received_post for _, f in d.trend],
            },
        ),
        "backlog_by_agency": stacked_bars(
            backlog_codes,
            {
                "Đang xử lý": [d.by_agency[c].in_process for c in backlog_codes],
            },
        ),
    }
    return render_template(
        "dashboard/index.html",
        d=d,
        args=args,
        kinds=[(k, LABELS[k]) for k in KINDS],
        agencies=sorted(names.items()),
        procedures=_procedures(),
        charts=charts,
        percent=percent,
        local_time=local_time,
        holders_text=holders_text,
        tz=get_engine().calendar.tz,
        query=request.query_string.decode(),
        backlog_limit=BACKLOG_LIMIT,
    )


@bp.get("/data/<name>.<fmt>")
@roles_required(*ROLES)
def data(name: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    d, _ = _dashboard()
    found = tables(d).get(name)
    if found is None:
        abort(404)
    columns, rows = found
    filename = f"{name}-{d.period.start.date().isoformat()}.{fmt}"
    if fmt == "json":
        body = json.dumps(
            {"period": d.period.label, "columns": columns, "rows": rows},
            ensure_ascii=False,
            default=str,
        )
        return _download(body.encode("utf-8"), "application/json", filename)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return _download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv", filename)


@bp.get("/report.<fmt>")
@roles_required(*ROLES)
def report(fmt: str) -> Response:
    from engine.reports_pdf import render_pdf
    from engine.reports_xlsx import render_xlsx

    if fmt not in ("pdf", "xlsx"):
        abort(404)
    _, scope, _ = _filters()
    e = get_engine()
    r = build_daily_report(e, e.clock.now(), scope)
    if fmt == "pdf":
        return _download(render_pdf(r), "application/pdf", f"{r.stem}.pdf")
    return _download(render_xlsx(r), XLSX_TYPE, f"{r.stem}.xlsx")


@bp.get("/procedure/<code>")
@roles_required(*ROLES)
def procedure(code: str) -> str:
    e = get_engine()
    found = diagram(e, code)
    if found is None:
        abort(404)
    period, scope, args = _filters()
    steps = step_figures(e, code, period, e.clock.now(), scope.agency_codes)
    return render_template(
        "dashboard/procedure.html",
        code=code,
        name=found[0],
        period=period,
        args=args,
        kinds=[(k, LABELS[k]) for k in KINDS if k != "range"],
        steps=steps,
        steps_json=json.dumps(_heat(steps), ensure_ascii=False),
        flows=flow_figures(e, code, period, agency_codes=scope.agency_codes),
        measures=MEASURES,
        roles=ROLE_NAMES,
        xml_url=url_for(".procedure_xml", code=code),
    )


@bp.get("/procedure/<code>/diagram.bpmn")
@roles_required(*ROLES)
def procedure_xml(code: str) -> Response:
    found = diagram(get_engine(), code)
    if found is None:
        abort(404)
    return Response(found[1], mimetype="application/xml")


def _heat(steps: list[Any]) -> list[dict[str, Any]]:
    """Each step with a heat level 0–4: its longest median wait (done or still open) vs the max."""
    waits = [
        max((w for w in (s.median_wait_hours, s.median_open_hours) if w is not None), default=None)
        for s in steps
    ]
    top = max([w for w in waits if w is not None] or [0.0])
    out = []
    for s, wait in zip(steps, waits, strict=True):
        level = 0 if not top or wait is None else min(4, int(5 * wait / top))
        out.append({**s.__dict__, "heat": level})
    return out


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
