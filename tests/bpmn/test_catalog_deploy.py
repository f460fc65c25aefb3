"""Deploy the shipped real catalogue to the engine (SQLite and PostgreSQL) and run a dossier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from bpmn.catalog.deploy import (
    catalogue_terms,
    competent_agency_code,
    deploy_catalog,
    engine_deadline,
)
from bpmn.catalog.entry import CatalogueEntry, ChannelTerms, Deadline
from bpmn.catalog.service import run_import
from bpmn.catalog.store import CatalogStore
from engine.clock import ManualClock
from engine.runtime import Engine
from engine.settings import load

REAL = Path(__file__).resolve().parents[2] / "bpmn" / "catalog" / "real"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def real_store(tmp_path_factory) -> CatalogStore:
    store = CatalogStore(tmp_path_factory.mktemp("catalog"))
    run_import(REAL, store)
    return store


def _deadline(amount, unit) -> CatalogueEntry:
    terms = ChannelTerms("direct", Deadline(amount, unit))
    return CatalogueEntry(code="1.000001", name="x", channels=[terms])


def test_engine_deadline_keeps_only_what_the_clock_can_count():
    assert engine_deadline(_deadline(0, "working_days")) == (0, "working_days")
    assert engine_deadline(_deadline(2, "weeks")) == (14, "days")
    assert engine_deadline(_deadline(1, "months")) is None
    assert engine_deadline(_deadline(3, None)) is None


@dataclass
class Known:
    code: str
    name: str


AGENCIES = [
    Known("000.00.30.H56", "Công an tỉnh"),
    Known("000.21.01.H56", "Ủy ban nhân dân phường Phú Lợi"),
    Known("000.21.02.H56", "Ủy ban nhân dân phường Thủ Dầu Một"),
]


def test_catalogue_terms_are_what_the_entry_says():
    entry = CatalogueEntry(
        code="1.000002", name="x", field="Đất đai", level=["province", "commune"], mode="full",
        competent_agency="CÔNG AN  TỈNH", channels=[ChannelTerms("online", Deadline(5))],
    )  # fmt: skip
    assert catalogue_terms(entry, AGENCIES) == {
        "deadline": (5, "working_days"),
        "mode": "full",
        "field": "Đất đai",
        "level": "province",
        "agency_code": "000.00.30.H56",
    }
    bare = catalogue_terms(CatalogueEntry(code="1.000003", name="y"), AGENCIES)
    assert bare == {"deadline": None, "mode": "partial", "field": None, "level": None,
                    "agency_code": None}  # fmt: skip


@pytest.mark.parametrize(
    ("named", "code"),
    [
        ("Cong an tinh", "000.00.30.H56"),  # accents and case aside
        ("Sở Tư pháp; Công an tỉnh", "000.00.30.H56"),  # one of several is known
        ("Công an tỉnh; Ủy ban nhân dân phường Phú Lợi", None),  # two known: which?
        ("Ủy ban nhân dân cấp xã", None),  # a kind of office, not one
        ("Công an", None),  # part of a name is not the name
        (None, None),
    ],
)
def test_only_a_competent_agency_the_engine_knows_by_name_gives_a_code(named, code):
    entry = CatalogueEntry(code="1.000004", name="z", competent_agency=named)
    assert competent_agency_code(entry, AGENCIES) == code


def test_deploy_real_catalogue_and_run_birth_registration(real_store, db_url):
    # Tuesday 15:30 in Vietnam: after the 15:00 rule, so same-day becomes next working day.
    clock = ManualClock(datetime(2026, 11, 17, 15, 30, tzinfo=VN))
    engine = Engine(load({"database_url": db_url}), clock=clock)
    engine.create_schema()
    engine.ensure_agency("000.00.30.H56", "Công an tỉnh")
    try:
        report = deploy_catalog(engine, real_store, actor="designer")
        runnable = [c for c in real_store.codes() if real_store.load(c).mode != "info"]
        assert not report.failed, report.failed
        assert sorted(report.deployed) == sorted(runnable)
        assert set(report.deployed.values()) == {1}
        birth = engine.procedure("1.001193")  # the procedure says what its entry says
        assert (birth.mode, birth.field, birth.level) == ("partial", "Hộ tịch", "commune")
        assert birth.agency_code is None  # "Ủy ban nhân dân cấp xã": every commune's
        record = engine.procedure("3.000333")  # Phiếu lý lịch tư pháp: Công an tỉnh
        assert (record.agency_code, record.level) == ("000.00.30.H56", "province")
        again = deploy_catalog(engine, real_store, actor="designer", codes=["1.001193"])
        assert again.deployed == {"1.001193": 1}  # same content: same version
        engine.ensure_agency("000.21.01.H56", "UBND phường Phú Lợi", level="commune")
        dossier = engine.submit(
            "1.001193", applicant={"full_name": "Nguyễn Văn Bình"}, agency_code="000.21.01.H56"
        )
        due = dossier.due_at.astimezone(VN) if dossier.due_at.tzinfo else dossier.due_at
        assert due.date() == datetime(2026, 11, 18).date()
        assert engine.list_tasks(dossier_code=dossier.code)
    finally:
        engine.db.dispose()


def test_catalog_deploy_command(real_store, tmp_path):
    from engine.cli import cli
    from engine.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    upgrade(url)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "--database-url",
            url,
            "catalog",
            "deploy",
            "1.001193",
            "1.000656",
            "--dir",
            str(real_store.root),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("2 deployed, 0 information-only")
    result = runner.invoke(
        cli, ["--database-url", url, "catalog", "deploy", "9.999999", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 1 and "chưa có thủ tục nào" in result.output
