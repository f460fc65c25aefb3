"""``lienthong api-client`` and ``lienthong portal`` from the shell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.registry import reset_registry
from engine import api_clients, portal_sync
from engine.cli import cli
from engine.runtime import Engine
from engine.settings import load
from tests.engine.online_channel import registry  # noqa: F401 - a fixture
from tests.language import is_vietnamese

DATA = Path(__file__).parent / "data" / "cli"


def test_api_client_commands(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner = CliRunner()

    def lt(*args: str):
        return runner.invoke(cli, ["--database-url", url, *args], catch_exceptions=False)

    assert lt("db", "upgrade").exit_code == 0
    engine = Engine(load({"database_url": url}))
    engine.create_schema()  # tables of models newer than the last migration (none once migrated)
    made = lt("api-client", "create", "cong-dvc", "--scope", "dossiers:read",
              "--agency", "000.00.06.H56", "--json")  # fmt: skip
    assert made.exit_code == 0, made.output
    token = json.loads(made.stdout)["token"]
    assert api_clients.authenticate(engine, token).scopes == {"dossiers:read"}
    listed = json.loads(lt("api-client", "list", "--json").stdout)
    assert [(c["name"], c["revoked"]) for c in listed] == [("cong-dvc", None)]
    assert token not in lt("api-client", "list").stdout
    again = lt("api-client", "create", "cong-dvc")
    assert again.exit_code == 1 and "đã có ứng dụng kết nối" in again.stderr
    bad = lt("api-client", "create", "x", "--scope", "everything")
    assert bad.exit_code == 2 and "everything" in bad.output
    assert "đã thu hồi" in lt("api-client", "revoke", "cong-dvc").stdout
    assert "đã thu hồi" in lt("api-client", "list").stdout
    missing = lt("api-client", "revoke", "nobody")
    assert missing.exit_code == 1 and "nobody" in missing.stderr
    assert lt("portal", "push").stdout.strip() == "không có gì để gửi"
    assert json.loads(lt("portal", "pending", "--json").stdout) == []
    assert "đã đưa lại 0 dòng vào hàng đợi" in lt("portal", "retry").stdout
    engine.db.dispose()


@pytest.fixture
def portal_simulator(registry):  # noqa: F811 - the fixture imported from online_channel
    """The CLI's engine calls this test's own simulators (acknowledgements start afresh)."""
    reset_registry(registry)
    yield
    reset_registry(None)


def test_portal_push_says_what_it_sent_in_vietnamese(db_url, portal_simulator, monkeypatch):
    monkeypatch.setenv("LIENTHONG_PORTAL_SYNC", "true")
    runner = CliRunner()

    def lt(*args: str):
        result = runner.invoke(cli, ["--database-url", db_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout.strip()

    lt("db", "upgrade")
    lt("demo", "seed")
    lt("dossier", "submit", "1.001193", "--applicant-name", "Nguyễn Văn Bình",
       "--agency", "000.21.01.H56", "--data", str(DATA / "birth_form.json"))  # fmt: skip
    assert lt("portal", "push") == "đã gửi 1"
    assert lt("portal", "push") == "không có gì để gửi"
    assert all(is_vietnamese(said) for said in portal_sync.PUSH_OUTCOMES.values())
