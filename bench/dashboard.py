"""Benchmark of the leaders' dashboard: page and report time over a million finished dossiers.

Run ``python bench/dashboard.py [--dossiers 1000000] [--pg-url URL]``; prints one JSON object.
A schema made for the run (dropped after it) is filled with COPY: agencies, procedures
deployed through the engine, finished dossiers spread over two years with their four task
rows (supplementation rounds for some), ratings, fees, documents (some reused) and registry
reuse, plus a few thousand open dossiers (some late). The audit log is not generated: no
dashboard query reads it. Then the dashboard is timed through the real Flask app, the daily
report through its PDF and Excel renderers, and one figure set is checked against direct SQL
counts. Findings are in docs/dashboard.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.world import DEFAULT_PG_URL, postgres_url, template_bytes  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.metrics import compute  # noqa: E402
from engine.metrics_dashboard import build  # noqa: E402
from engine.metrics_period import Period, Scope  # noqa: E402
from engine.metrics_steps import step_figures  # noqa: E402
from engine.metrics_summary import advance  # noqa: E402
from engine.runtime import Engine  # noqa: E402
from engine.settings import load  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=VN)
PROVINCE = "000.00.00.H56"
DEPARTMENTS = [f"000.00.{i:02d}.H56" for i in range(1, 21)]
COMMUNES = [f"000.21.{i:02d}.H56" for i in range(1, 81)]
PROCEDURES = [(f"B.{i:06d}", [1, 3, 5, 10, 15, 20][i % 6]) for i in range(1, 21)]
STEPS = (
    ("receive", "Tiếp nhận hồ sơ", "one_stop_officer"),
    ("appraise", "Thẩm định", "specialist"),
)
STEPS += (("approve", "Phê duyệt", "leader"), ("return_result", "Trả kết quả", "one_stop_officer"))
PASSWORD = "Mật-khẩu-bench-2026"


def setup(url: str) -> Engine:
    e = Engine(load({"database_url": url, "executor": "deferred"}), clock=ManualClock(NOW))
    e.create_schema()
    e.ensure_agency(PROVINCE, "UBND tỉnh")
    for i, code in enumerate(DEPARTMENTS, 1):
        e.ensure_agency(code, f"Sở số {i}", level="province", parent_code=PROVINCE)
    for i, code in enumerate(COMMUNES, 1):
        e.ensure_agency(code, f"UBND xã số {i}", level="commune", parent_code=PROVINCE)
    xml = template_bytes()
    for code, days in PROCEDURES:
        e.deploy(code, xml, name=f"Thủ tục {code}", deadline=(days, "working_days"))
    e.ensure_user("admin", "Quản trị", PROVINCE, ["admin"])
    from engine.passwords import hash_password

    with e.db.write() as s:
        s.execute(
            text("UPDATE users SET password_hash = :h WHERE username = 'admin'"),
            {"h": hash_password(PASSWORD, min_length=0)},
        )
    return e


def generate(e: Engine, finished: int, open_: int, seed: int = 766) -> dict[str, int]:
    """COPY the rows in; return how many of each were written."""
    rng = random.Random(seed)
    with e.db.read() as s:
        versions = dict(s.execute(text("SELECT code, current_version_id FROM procedures")).all())
    counts = dict.fromkeys(("dossiers", "tasks", "ratings", "fees", "documents", "links"), 0)
    counts["reuse"] = 0
    raw = e.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        span = 730 * 86400
        start = NOW.astimezone(UTC) - timedelta(seconds=span)
        docs: list[int] = []
        with (
            cur.copy(
                "COPY dossiers (id, code, procedure_code, version_id, agency_code, status, channel,"
                " applicant, form_data, received_at, due_at, paused_seconds, settled_at,"
                " finished_at, late, outcome, lock_version, step_count, created_by) FROM STDIN"
            ) as dossiers,
        ):
            rows = []
            for i in range(1, finished + open_ + 1):
                is_open = i > finished
                proc, days = PROCEDURES[rng.randrange(len(PROCEDURES))]
                agency = rng.choice(COMMUNES) if rng.random() < 0.6 else rng.choice(DEPARTMENTS)
                if is_open:
                    received = NOW.astimezone(UTC) - timedelta(seconds=rng.uniform(0, 30 * 86400))
                else:
                    received = start + timedelta(seconds=span * (i / (finished + 1)))
                due = received + timedelta(days=days * 1.4 + 0.3)
                channel = rng.choices(("online", "counter", "post"), (60, 35, 5))[0]
                r = rng.random()
                settled = finished_at = outcome = None
                status = "in_process"
                if not is_open:
                    if r < 0.03:
                        status, outcome = "refused", "refused"
                        finished_at = received + timedelta(days=rng.uniform(0.1, 2))
                    elif r < 0.035:
                        status, outcome = "withdrawn", "withdrawn"
                        finished_at = received + timedelta(days=rng.uniform(0.1, 3))
                    else:
                        status, outcome = "result_returned", "settled"
                        late = r > 0.95
                        limit = (due - received).total_seconds()
                        took = (
                            rng.uniform(1.0, 1.6) * limit if late else rng.uniform(0.05, 1) * limit
                        )
                        settled = received + timedelta(seconds=took)
                        finished_at = settled + timedelta(hours=rng.uniform(0.5, 30))
                dossiers.write_row(
                    (i, f"{agency}-{received:%y%m%d}-{i:07d}", proc, versions[proc], agency)
                    + (status, channel, '{"full_name": "Nguyễn Văn A"}', "{}", received, due, 0.0)
                    + (settled, finished_at, bool(settled and settled > due), outcome, 0, 4, "mc")
                )
                rows.append((i, proc, agency, received, settled or finished_at, is_open, r))
                counts["dossiers"] += 1
        _copy_tasks(cur, rows, rng, counts)
        _copy_extras(cur, rows, rng, counts, docs)
        cur.execute("SELECT setval(pg_get_serial_sequence('dossiers', 'id'), %s)", (len(rows),))
        raw.commit()
    finally:
        raw.close()
    return counts


def _copy_tasks(cur: Any, rows: list, rng: random.Random, counts: dict[str, int]) -> None:
    sql = (
        "COPY tasks (id, dossier_id, procedure_code, agency_code, bpmn_id, name, kind, role,"
        " actions, assignee, state, created_at, completed_at, completed_by, action) FROM STDIN"
    )
    with cur.copy(sql) as copy:
        for i, proc, agency, received, ended, is_open, r in rows:
            if is_open:
                step = STEPS[int(r * 3)]
                copy.write_row(
                    (f"o{i}", i, proc, agency, step[0], step[1], "user", step[2], "[]", None)
                    + ("open", received + timedelta(hours=1), None, None, None)
                )
                counts["tasks"] += 1
                continue
            steps = STEPS if r >= 0.03 else STEPS[:1]
            at, gap = received, (ended - received) / (len(steps) + (1 if r > 0.9 else 0))
            for k, (bpmn_id, name, role) in enumerate(steps):
                done = at + gap * rng.uniform(0.3, 1.0)
                action = "refuse" if r < 0.03 else "complete"
                if r > 0.97 and bpmn_id == "appraise":  # a supplementation round first
                    copy.write_row(
                        (f"s{i}", i, proc, agency, bpmn_id, name, "user", role, "[]", "cv")
                        + ("completed", at, at + gap / 2, "cv", "supplement")
                    )
                    counts["tasks"] += 1
                copy.write_row(
                    (f"{i}.{k}", i, proc, agency, bpmn_id, name, "user", role, "[]", "cv")
                    + ("completed", at, done, "cv", action)
                )
                counts["tasks"] += 1
                at = done


def _copy_extras(cur: Any, rows: list, rng: random.Random, counts: dict, docs: list) -> None:
    with cur.copy("COPY ratings (dossier_id, score, comment, channel, rated_at) FROM STDIN") as c:
        for i, _, _, _, ended, is_open, r in rows:
            if not is_open and r < 0.3 and ended is not None:
                score = rng.choices((5, 4, 3, 2, 1), (60, 25, 8, 4, 3))[0]
                c.write_row((i, score, "", "online", ended + timedelta(hours=2)))
                counts["ratings"] += 1
    with cur.copy(
        "COPY fee_payments (dossier_id, amount, description, state, channel, created_at,"
        " updated_at, duplicate_payments) FROM STDIN"
    ) as c:
        for i, _, _, received, _, _, _ in rows:
            if rng.random() < 0.4:
                channel = "online" if rng.random() < 0.7 else "counter"
                c.write_row((i, 50000, "Lệ phí", "paid", channel, received, received, 0))
                counts["fees"] += 1
    with cur.copy(
        "COPY documents (id, sha256, size, media_type, content, created_at) FROM STDIN"
    ) as c:
        for i, _, _, received, _, _, _ in rows:
            if rng.random() < 0.5:
                docs.append(i)
                c.write_row((i, f"{i:064x}", 10, "application/pdf", b"%PDF-", received))
                counts["documents"] += 1
    doc_set = set(docs)
    with cur.copy(
        "COPY dossier_documents (dossier_id, document_id, kind, filename, attached_at,"
        " attached_by) FROM STDIN"
    ) as c:
        for i, _, _, received, _, _, _ in rows:
            if i in doc_set:
                c.write_row((i, i, "to_khai", "to-khai.pdf", received, "mc"))
                counts["links"] += 1
                if rng.random() < 0.2 and i > 1000:  # the citizen's ID card kept from before
                    earlier = docs[rng.randrange(max(1, len(docs) // 2))]
                    if earlier != i:
                        c.write_row((i, earlier, "cccd", "cccd.pdf", received, "mc"))
                        counts["links"] += 1
    with cur.copy(
        "COPY dossier_reuse (dossier_id, kind, target, label, operation, reference,"
        " recorded_at, recorded_by) FROM STDIN"
    ) as c:
        for i, _, _, received, _, _, _ in rows:
            if rng.random() < 0.1:
                for kind, target in (("document", "documents.birth"), ("field", "applicant.dob")):
                    c.write_row((i, kind, target, target, "population.lookup", "", received, "mc"))
                    counts["reuse"] += 1


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float]:
    """(first run, median of the next ``repeat``) in seconds."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return round(first, 4), round(statistics.median(runs), 4)


def measure(e: Engine) -> dict[str, Any]:
    from engine.reports import build_daily_report
    from engine.reports_pdf import render_pdf
    from engine.reports_xlsx import render_xlsx
    from webui.app import create_app

    app = create_app(e, {"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    got = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert got.status_code == 302, got.get_data(as_text=True)[:300]
    out: dict[str, Any] = {}

    def page(query: str, path: str = "/dashboard/") -> Callable[[], None]:
        def get() -> None:
            response = client.get(f"{path}{query}")
            assert response.status_code == 200, response.status_code

        return get

    for name, query in PAGES:
        first, warm = timed(page(query))
        out[f"page_{name}_s"] = {"first": first, "warm_median": warm}
    month = Period.named("month", NOW.date(), VN)
    first, warm = timed(lambda: build(e, month, Scope(), NOW))
    out["build_month_s"] = {"first": first, "warm_median": warm}
    first, warm = timed(lambda: step_figures(e, PROCEDURES[0][0], month, NOW))
    out["heatmap_steps_s"] = {"first": first, "warm_median": warm}
    first, warm = timed(page("?period=month", f"/dashboard/procedure/{PROCEDURES[0][0]}"), 1)
    out["heatmap_page_s"] = {"first": first, "warm_median": warm}

    def report() -> None:
        r = build_daily_report(e, NOW)
        render_pdf(r)
        render_xlsx(r)

    first, warm = timed(report, 1)
    out["daily_report_s"] = {"first": first, "warm_median": warm}
    r = build_daily_report(e, NOW)
    for name, part in (
        ("build", lambda: build_daily_report(e, NOW)),
        ("pdf", lambda: render_pdf(r)),
        ("xlsx", lambda: render_xlsx(r)),
    ):
        out[f"daily_report_{name}_s"] = timed(part, 1)[1]
    out["daily_report_rows"] = {"late": len(r.late), "near_due": len(r.near_due)}
    year = Period.named("year", NOW.date(), VN)
    out["consistent_with_sql"] = check(e, month) and check(e, year)

    def figures(period: Period, summarised: bool) -> dict[str, Any]:
        got = compute(e, period, by="agency", summarised=summarised)
        return {k: v.as_dict() for k, v in got.items() if any(v.as_dict().values())}

    periods = [Period.named(kind, NOW.date(), VN) for kind in ("day", "week", "month", "year")]
    periods += [month.previous(), r.month]  # a whole month before, and the report's month to date
    out["summary_equals_live"] = all(figures(p, True) == figures(p, False) for p in periods)
    return out


#: The dashboard views timed: every kind of period, and a scope of one agency or procedure.
PAGES = (
    ("day", "?period=day"),
    ("week", "?period=week"),
    ("month", "?period=month"),
    ("quarter", "?period=quarter"),
    ("year", "?period=year"),
    ("range", "?period=range&from=2026-10-01&to=2026-11-25"),
    ("month_one_agency", f"?period=month&agency={COMMUNES[0]}"),
    ("month_one_procedure", f"?period=month&procedure={PROCEDURES[0][0]}"),
    ("year_one_agency", f"?period=year&agency={COMMUNES[0]}"),
)


def check(e: Engine, period: Period) -> bool:
    """The period's figures equal direct SQL counts over the rows."""
    f = compute(e, period)["*"]
    with e.db.read() as s:
        q = lambda sql: s.execute(text(sql), {"a": period.start, "b": period.end}).scalar_one()  # noqa: E731
        direct = {
            "received": q(
                "SELECT count(*) FROM dossiers WHERE received_at >= :a AND received_at < :b"
            ),
            "settled": q(
                "SELECT count(*) FROM dossiers WHERE settled_at >= :a AND settled_at < :b"
            ),
            "settled_late": q(
                "SELECT count(*) FROM dossiers WHERE settled_at >= :a AND settled_at < :b"
                " AND settled_at > due_at"
            ),
            "refused": q(
                "SELECT count(*) FROM dossiers WHERE finished_at >= :a AND finished_at < :b"
                " AND outcome = 'refused'"
            ),
            "supplement_requests": q(
                "SELECT count(*) FROM tasks WHERE action = 'supplement'"
                " AND completed_at >= :a AND completed_at < :b"
            ),
            "supplemented_dossiers": q(
                "SELECT count(DISTINCT dossier_id) FROM tasks WHERE action = 'supplement'"
                " AND completed_at >= :a AND completed_at < :b"
            ),
            "ratings": q("SELECT count(*) FROM ratings WHERE rated_at >= :a AND rated_at < :b"),
            "documents": q(
                "SELECT count(*) FROM dossier_documents l JOIN dossiers d ON d.id = l.dossier_id"
                " WHERE d.received_at >= :a AND d.received_at < :b"
            ),
            "digitised_dossiers": q(
                "SELECT count(DISTINCT l.dossier_id) FROM dossier_documents l"
                " JOIN dossiers d ON d.id = l.dossier_id"
                " WHERE d.received_at >= :a AND d.received_at < :b"
            ),
            "fee_dossiers": q(
                "SELECT count(*) FROM fee_payments f JOIN dossiers d ON d.id = f.dossier_id"
                " WHERE f.amount > 0 AND d.received_at >= :a AND d.received_at < :b"
            ),
        }
    return all(getattr(f, k) == v for k, v in direct.items())


def _analyse_summary(e: Engine) -> None:
    with e.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        for table in ("metrics_days", "metrics_months", "metrics_repeat_supplements"):
            c.execute(text(f"VACUUM ANALYZE {table}"))


@contextmanager
def _schema(base_url: str, keep: str | None) -> Iterator[tuple[str, bool]]:
    """A throw-away schema, or the kept schema ``keep`` (fresh when it did not exist yet)."""
    if keep is None:
        with postgres_url(base_url) as url:
            yield url, True
        return
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        fresh = not conn.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :n"), {"n": keep}
        ).first()
        if fresh:
            conn.execute(text(f'CREATE SCHEMA "{keep}"'))
    admin.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={keep}"})
    yield url.render_as_string(hide_password=False), fresh


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=3_000)
    parser.add_argument("--pg-url", default=os.environ.get("LIENTHONG_TEST_PG_URL", DEFAULT_PG_URL))
    parser.add_argument(
        "--keep-schema",
        metavar="NAME",
        help="fill schema NAME once and keep it; later runs with the same NAME only measure "
        "(for profiling; drop it by hand afterwards)",
    )
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"finished_dossiers": args.dossiers, "open_dossiers": args.open}
    with _schema(args.pg_url, args.keep_schema) as (url, fresh):
        e = setup(url) if fresh else Engine(load({"database_url": url}), clock=ManualClock(NOW))
        if fresh:
            t0 = time.perf_counter()
            result["rows"] = generate(e, args.dossiers, args.open)
            with e.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
            result["generate_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        result["summary"] = advance(e, NOW)  # the scheduler's job: the events before today
        result["summary_advance_s"] = round(time.perf_counter() - t0, 1)
        if result["summary"]["received"]:  # a first build writes the whole summary at once:
            _analyse_summary(e)  # autovacuum would analyse it within minutes, do it now
        result.update(measure(e))
        e.db.dispose()
    warm = {k[5:-2]: v["warm_median"] for k, v in result.items() if k.startswith("page_")}
    result["target_page_month_under_1s"] = warm["month"] < 1.0
    result["target_page_year_under_1s"] = warm["year"] < 1.0
    result["target_every_period_view_under_1s"] = max(warm.values()) < 1.0
    result["target_daily_report_under_1s"] = result["daily_report_s"]["warm_median"] < 1.0
    result["load_average"] = os.getloadavg()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
