"""``lienthong analyse``: intermediary steps of a procedure model, a dossier, or a comparison.

A CODE is looked up in the database (the procedure's current model and legal deadline) and,
when it is not deployed there or no migrated database is at hand, among the flows shipped in
`bpmn.flows`. Thin: find the models, call `bpmn.analysis` / `Engine.analyse_dossier`, print.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .cli_common import echo_json, open_engine, table
from .errors import InvalidInput, LienThongError, UnknownProcedure

UNIT_VI = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "days": "ngày"}


@click.command("analyse")
@click.argument("codes", nargs=-1)
@click.option("--dossier", "dossier_code", metavar="CODE", help="Analyse a dossier instead.")
@click.option("--compare", is_flag=True,
              help="Compare the first CODE (liên thông) with the separate procedures after it "
                   "(default: those the shipped flow replaces).")  # fmt: skip
@click.option("--file", "files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Analyse a BPMN file (repeatable).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def analyse(ctx: click.Context, codes: tuple[str, ...], dossier_code: str | None, compare: bool,
            files: tuple[Path, ...], as_json: bool) -> None:  # fmt: skip
    """Count citizen touchpoints, hand-offs, people's and systems' steps, and deadlines."""
    from bpmn.analysis import analyse_model

    if dossier_code:
        figures = open_engine(ctx).analyse_dossier(dossier_code)
        echo_json(figures.as_dict()) if as_json else _print_dossier(figures)
        return
    models = [_model(ctx, code) for code in codes]
    models += [analyse_model(_read(f), code=f.name) for f in files]
    if not models:
        raise InvalidInput("hãy cho mã thủ tục CODE, --file FILE.bpmn hoặc --dossier CODE")
    if compare:
        from bpmn.analysis_compare import compare as compare_models

        separate = models[1:] or [_model(ctx, c) for c in _replaced(models[0].code)]
        result = compare_models(models[0], separate)
        echo_json(result.as_dict()) if as_json else _print_comparison(result)
        return
    if as_json:
        echo_json([m.as_dict() for m in models] if len(models) > 1 else models[0].as_dict())
        return
    for m in models:
        _print_model(m)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"không đọc được {path}: {exc.strerror or exc}") from None


def _model(ctx: click.Context, code: str) -> Any:
    """Analyse CODE's deployed model, else the shipped flow of that code."""
    from bpmn.analysis import analyse_model
    from bpmn.flows import MODELS

    try:
        return open_engine(ctx).analyse_procedure(code)
    except UnknownProcedure:
        pass
    except LienThongError:
        if code not in MODELS:
            raise
    except Exception:  # no database at hand: the shipped flows still answer
        if code not in MODELS:
            raise
    if code not in MODELS:
        shipped = ", ".join(sorted(MODELS))
        raise UnknownProcedure(
            f"thủ tục {code} chưa được triển khai và không có trong các quy trình mẫu ({shipped})"
        )
    m = MODELS[code]
    figures = analyse_model(m.xml(), deadline=m.deadline, deadline_note=m.deadline_source,
                            code=code)  # fmt: skip
    figures.name = m.name
    return figures


def _replaced(code: str | None) -> tuple[str, ...]:
    from bpmn.flows import MODELS

    model = MODELS.get(code or "")
    if model is None or not model.replaces:
        raise InvalidInput(
            f"hãy cho biết {code} thay cho những thủ tục nào: --compare {code} A B ..."
        )
    return model.replaces


def _deadline(deadline: Any) -> str:
    if deadline is None:
        return "chưa xác định"
    amount, unit = deadline
    if amount == 0 and unit == "working_days":
        return "trong ngày"
    return f"{amount:g} {UNIT_VI.get(unit, unit)}"


def _print_model(m: Any) -> None:
    t = m.touchpoints
    click.echo(f"{m.code or m.process_id} – {m.name}")
    click.echo(f"  Thời hạn giải quyết: {_deadline(m.deadline)}")
    if m.deadline_note:
        click.echo(f"    ({m.deadline_note})")
    docs = "chưa xác định" if t.documents is None else str(t.documents)
    click.echo(f"  Công dân: {t.submissions} lần nộp, {t.visits} lần đến cơ quan, "
               f"{t.payments} lần nộp tiền, {docs} giấy tờ "
               f"({t.carried_results} kết quả tự mang sang cơ quan khác)")  # fmt: skip
    for name in t.document_names:
        click.echo(f"    - {name}")
    click.echo(f"  Bước do người: {len(m.human_steps)} ({', '.join(m.human_steps)})")
    click.echo(f"  Bước do hệ thống: {len(m.system_steps)} ({', '.join(m.system_steps)})")
    click.echo(f"  Chuyển giao giữa cơ quan: {len(m.handoffs)}")
    for h in m.handoffs:
        click.echo(f"    {h.source} → {h.target}  ({h.from_step} → {h.to_step})")
    click.echo(f"  Trao đổi với hệ thống ngoài: {', '.join(m.external_exchanges) or '-'}")
    for w in m.waits:
        click.echo(f"  Chờ tại {w['name']}: {', '.join(w['waits_on'])}")


def _print_comparison(c: Any) -> None:
    codes = " + ".join(m.code or m.process_id for m in c.separate)
    click.echo(f"Liên thông {c.lienthong.code} – {c.lienthong.name}")
    click.echo(f"so với làm riêng: {codes}")
    rows = []
    for row in c.rows.values():
        pct = "-" if row["reduction_pct"] is None else f"{row['reduction_pct']:g}%"
        rows.append([row["label"], _n(row["separate"]), _n(row["lienthong"]),
                     _n(row["reduction"]), pct])  # fmt: skip
    table(rows, ["Chỉ số", "Làm riêng", "Liên thông", "Giảm", "Tỷ lệ giảm"])
    parts = ", ".join(f"{code}: {_n(days)}" for code, days in c.deadline_parts)
    click.echo(f"Thời hạn (ngày làm việc): liên thông {_n(c.deadline_lienthong)}; làm riêng "
               f"{_n(c.deadline_separate)} ({parts})")  # fmt: skip


def _n(value: Any) -> str:
    if value is None:
        return "chưa xác định"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _print_dossier(f: Any) -> None:
    click.echo(f"Hồ sơ {f.code} ({f.procedure_code}) – {f.status}")
    click.echo(
        f"  Thời gian đã qua: {f.elapsed_working_days:g} ngày làm việc; chờ công dân "
        f"{f.citizen_wait_working_days:g}; các cơ quan {f.agency_working_days:g}"
    )
    due = "chưa xác định" if f.deadline is None else f"{f.deadline}, hạn {f.due_at}"
    state = {True: "đúng hạn", False: "trễ hạn", None: "-"}[f.on_time]
    click.echo(f"  Thời hạn: {due} ({state})")
    click.echo(f"  Công dân: {f.submissions} lần nộp, {f.visits} lần đến, {f.payments} lần nộp "
               f"tiền, {f.supplement_rounds} lần bổ sung")  # fmt: skip
    by = ", ".join(f"{k}: {v}" for k, v in sorted(f.human_steps_by_agency.items()))
    click.echo(
        f"  Bước do người: {f.human_steps} ({by}); do hệ thống: {f.system_steps} "
        f"({f.adapter_calls} lần gọi, {f.incidents} sự cố, {f.retries} lần thử lại)"
    )
    click.echo(f"  Chuyển giao giữa cơ quan: {len(f.handoffs)}")
    for h in f.handoffs:
        click.echo(f"    {h['from']} → {h['to']}  ({h['from_step']} → {h['to_step']})")
    click.echo("  Hồ sơ đã chờ (ngày làm việc):")
    for party, days in sorted(f.waited_on.items(), key=lambda kv: -kv[1]):
        click.echo(f"    {party}: {days:g}")
    for n in f.notices:
        click.echo(f"  Thông báo cho công dân: {n.get('title')} – {n.get('what_to_do')}")
