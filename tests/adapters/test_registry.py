"""Check the front door: discovery by entry points, validation, keys, records, plugins."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import flask
import pytest

from adapters.errors import InvalidParams, UnknownOperation
from adapters.protocol import CallContext, CallResult, Operation
from adapters.registry import Registry, get_registry, reset_registry
from engine.errors import AdapterError, InvalidInput

DATA = Path(__file__).parent / "data"
BUILT_IN = {
    "population", "civil_status", "land", "business", "social_insurance", "tax", "judicial_records",
    "portal", "payment", "sms",
}


def install_plugin(root: Path) -> None:
    """Lay out an installed distribution by hand: a module plus its dist-info."""
    shutil.copy(DATA / "example_plugin" / "lienthong_vehicles.py", root)
    info = root / "lienthong_vehicles-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: lienthong-vehicles\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(
        "[lienthong.adapters]\nvehicles = lienthong_vehicles:VehiclesAdapter\n"
    )


def test_built_in_adapters_come_from_entry_points(make_registry):
    registry = make_registry()
    assert set(registry.adapters) == BUILT_IN
    assert len(registry.operations()) == 24


def test_allow_list_limits_what_is_loaded(make_registry):
    assert set(make_registry("tax,land").adapters) == {"tax", "land"}


def test_process_wide_registry_is_built_once(monkeypatch, tmp_path):
    monkeypatch.setenv("LIENTHONG_SIM_DATA_DIR", str(tmp_path))
    reset_registry()
    try:
        assert get_registry() is get_registry()
        assert "population.lookup_citizen" in get_registry().operations()
    finally:
        reset_registry()


def test_a_separate_package_adds_an_adapter(make_registry, monkeypatch, tmp_path):
    install_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = make_registry("vehicles,population")
    assert registry.operations() >= {"vehicles.lookup_vehicle", "population.lookup_citizen"}
    result = registry.call("vehicles.lookup_vehicle", {"plate": "61A-123.45"})
    assert result.data["kind"] == "ô tô con" and result.record.outcome == "ok"
    with pytest.raises(AdapterError, match="không có xe nào đăng ký biển số"):
        registry.call("vehicles.lookup_vehicle", {"plate": "61A-999.99"})
    rows = [r for r in registry.describe() if r["operation"] == "vehicles.lookup_vehicle"]
    assert rows[0]["healthy"] is True and rows[0]["kind"] == "read"


def test_unknown_operation(make_registry):
    with pytest.raises(UnknownOperation, match="không có .* thao tác 'population.fly'") as err:
        make_registry("population").call("population.fly", {})
    assert err.value.retryable is False and err.value.record.outcome == "error"


def test_write_without_key_is_refused_before_sending(make_registry):
    registry = make_registry("tax")
    with pytest.raises(AdapterError, match="bắt buộc có khóa chống trùng lặp") as err:
        registry.call("tax.business_obligations", {"enterprise_code": "3700000000"})
    assert err.value.record.attempts == 0
    assert registry.adapter("tax")._client is None  # nothing was sent


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("07409608659", "phải có đúng 12 chữ số"),
        ("999096086598", r"999 \(3 chữ số đầu\) không phải mã tỉnh"),
        ("074996086598", "năm sinh 2396, là năm trong tương lai"),
        (None, "personal_id: bắt buộc, chưa có giá trị"),
    ],
)
def test_invalid_personal_id_is_named(make_registry, value, message):
    with pytest.raises(InvalidParams, match=message) as err:
        make_registry("population").call("population.lookup_citizen", {"personal_id": value})
    assert list(err.value.errors) == ["personal_id"]
    assert err.value.record.outcome == "error"


def test_unexpected_and_bad_fields_are_all_reported(make_registry):
    with pytest.raises(InvalidParams) as err:
        make_registry("land").call(
            "land.lookup_parcel", {"commune_code": "00000", "map_sheet": "x", "colour": "red"}
        )
    assert set(err.value.errors) == {"commune_code", "map_sheet", "parcel_no", "colour"}


def test_context_travels_as_headers(make_registry):
    registry = make_registry("population")
    seen = {}
    app = registry.adapter("population").simulator().app
    app.before_request(lambda: seen.update(flask.request.headers))
    context = CallContext(
        dossier_code="000.00.06.H56-231027-0361", user="cb.motcua", purpose="khai sinh"
    )
    registry.call("population.lookup_citizen", {"personal_id": "074096086598"}, context=context)
    assert seen["X-Lienthong-Dossier-Code"] == "000.00.06.H56-231027-0361"
    assert seen["X-Lienthong-Purpose"] == "khai%20sinh"


class Broken:
    """A non-HTTP adapter with a bug: the registry must still answer with an AdapterError."""

    name = "broken"
    title = "Broken"
    operations = {"go": Operation("go", "Fail", safe=True)}

    def execute(self, call) -> CallResult:
        return {}["missing"]

    def health(self):
        return True, "ok"


def test_a_buggy_adapter_becomes_an_adapter_error():
    with pytest.raises(AdapterError, match="KeyError") as err:
        Registry([Broken()]).call("broken.go", {"x": 1})
    assert err.value.record.request == {"x": 1} and err.value.retryable is False


def test_two_adapters_with_one_name_are_refused():
    with pytest.raises(ValueError, match="có hai bộ kết nối cùng tên 'broken'"):
        Registry([Broken(), Broken()])


def test_a_plugin_that_fails_to_import_is_named(make_registry, monkeypatch, tmp_path):
    info = tmp_path / "lienthong_bad-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lienthong-bad\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[lienthong.adapters]\nbad = lienthong_bad_missing:X\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(InvalidInput, match=r"không nạp được bộ kết nối \(plugin\) 'bad'"):
        make_registry("bad")


def test_loading_adapters_does_not_import_flask():
    """Workers in http mode call registries without carrying the simulators (or Flask)."""
    code = (
        "import sys; from adapters.registry import Registry; Registry.from_entry_points(); "
        "print('flask' in sys.modules)"
    )
    env = {**os.environ, "LIENTHONG_ADAPTERS_MODE": "http"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
