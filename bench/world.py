"""Set up an engine on a throw-away database and walk dossiers along the template's paths.

The benchmark and its profile share this: a fresh SQLite file or a PostgreSQL schema made for
the run (and dropped after it), the standard one-stop template deployed with a legal
deadline, and the three officers of its lanes.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine.clock import ManualClock
from engine.runtime import Engine
from engine.settings import load

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "bpmn" / "templates" / "standard_one_stop.bpmn"
PROCEDURE = "1.000894"
AGENCY = "000.00.00.H56"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: A Wednesday working morning; the clock moves a little with every step.
START = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
STEP_MINUTES = 2

#: The happy path: (task bpmn_id, user who works it, form data), in order.
HAPPY_PATH: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("receive", "mc", {"received_documents": ["Tờ khai", "Bản sao CCCD"], "channel": "direct"}),
    ("appraise", "cv", {"opinion": "Hồ sơ đầy đủ, hợp lệ; đề nghị phê duyệt."}),
    ("approve", "ld", {"opinion": "Đồng ý.", "result_number": "123/QĐ-UBND"}),
    ("return_result", "mc", {}),
)
USERS = (("mc", "one_stop_officer"), ("cv", "specialist"), ("ld", "leader"))
APPLICANT = {"full_name": "Nguyễn Văn A", "id_number": "001090012345"}
FORM_DATA = {"purpose": "Đăng ký kết hôn", "phone": "0912345678"}


def template_bytes() -> bytes:
    return TEMPLATE.read_bytes()


@contextmanager
def sqlite_url() -> Iterator[str]:
    """Yield the URL of a fresh SQLite file in a temporary directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lienthong-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.sqlite'}"


@contextmanager
def postgres_url(base_url: str) -> Iterator[str]:
    """Create a schema just for this run, yield a URL whose search_path points at it, drop it."""
    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def schema_of(url: str) -> str | None:
    """The schema a ``postgres_url`` URL points at (None for other URLs)."""
    options = make_url(url).query.get("options", "")
    prefix = "-csearch_path="
    return (
        options[len(prefix) :] if isinstance(options, str) and options.startswith(prefix) else None
    )


def open_engine(url: str) -> tuple[Engine, ManualClock]:
    """An engine on a database ``make_engine`` has set up (what each parallel process opens)."""
    clock = ManualClock(START)
    return Engine(load({"database_url": url, "executor": "inprocess"}), clock=clock), clock


def make_engine(url: str) -> tuple[Engine, ManualClock]:
    """Build an engine with schema, agency, officers and the template deployed."""
    eng, clock = open_engine(url)
    eng.create_schema()
    eng.ensure_agency(AGENCY, "UBND tỉnh")
    for username, role in USERS:
        eng.ensure_user(username, username, AGENCY, [role])
    eng.deploy(
        PROCEDURE,
        template_bytes(),
        name="Đăng ký kết hôn",
        deadline=(5, "working_days"),
        agency_code=AGENCY,
    )
    return eng, clock


def open_task(eng: Engine, code: str, bpmn_id: str) -> Any:
    """Find the dossier's open task ``bpmn_id`` through the task list, as a user would."""
    for row in eng.list_tasks(dossier_code=code):
        if row.bpmn_id == bpmn_id:
            return row
    raise AssertionError(f"dossier {code} has no open {bpmn_id} task")


def run_happy_dossier(eng: Engine, clock: ManualClock) -> str:
    """Submit one dossier and complete every task of the happy path; return its code."""
    dossier = eng.submit(PROCEDURE, applicant=APPLICANT, data=FORM_DATA)
    for bpmn_id, user, data in HAPPY_PATH:
        clock.advance(minutes=STEP_MINUTES)
        row = open_task(eng, dossier.code, bpmn_id)
        eng.complete(row.id, user=user, data=data)
    return dossier.code
