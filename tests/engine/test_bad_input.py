"""Bad input gets a clear, specific error and changes nothing: submissions and deployments."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput, InvalidModel, NotFound, UnknownProcedure, UnsafeExpression
from engine.models import AuditEvent, CodeSequence, Dossier, Procedure, ProcessVersion
from tests.engine.conftest import AGENCY, DATA, KET_HON, TEMPLATE, Officers, count

HOSTILE = DATA / "bpmn"
MODEL_ERRORS = (InvalidModel, UnsafeExpression)


def _everything(engine) -> tuple[int, ...]:
    return tuple(
        count(engine, table)
        for table in (Dossier, Procedure, ProcessVersion, AuditEvent, CodeSequence)
    )


# -- submissions ----------------------------------------------------------------------------
BAD_SUBMISSIONS = [
    ("9.999999", {}, UnknownProcedure, None),
    ("", {}, UnknownProcedure, None),
    (KET_HON, {"channel": "fax"}, InvalidInput, "channel"),
    (KET_HON, {"applicant": {}}, InvalidInput, "applicant.full_name"),
    (KET_HON, {"applicant": {"full_name": "   "}}, InvalidInput, "applicant.full_name"),
    (KET_HON, {"applicant": "Nguyễn Văn A"}, InvalidInput, "applicant.full_name"),
    (KET_HON, {"applicant": None}, InvalidInput, "applicant.full_name"),
    (KET_HON, {"agency_code": "999.99.99.X00"}, InvalidInput, "agency_code"),
]


def test_bad_submissions(engine) -> None:
    """Each bad submission raises its specific error naming the field; nothing is created."""
    before = _everything(engine)
    for procedure, kwargs, error, field in BAD_SUBMISSIONS:
        kwargs = {"applicant": {"full_name": "Trần Văn B"}, **kwargs}
        with pytest.raises(error) as err:
            engine.submit(procedure, **kwargs)
        assert str(err.value), (procedure, kwargs)
        if field is not None:
            assert field in err.value.errors, (procedure, kwargs, err.value.errors)
        assert _everything(engine) == before, (procedure, kwargs)


def test_unknown_procedure_is_a_not_found(engine) -> None:
    with pytest.raises(NotFound, match="9.999999 chưa được triển khai"):
        engine.submit("9.999999", applicant={"full_name": "A"})


def test_information_only_procedure_takes_no_dossiers(engine) -> None:
    engine.deploy("2.000001", TEMPLATE, name="Thủ tục chỉ cung cấp thông tin", mode="info")
    before = _everything(engine)
    with pytest.raises(InvalidInput, match="chỉ cung cấp thông tin"):
        engine.submit("2.000001", applicant={"full_name": "A"})
    assert _everything(engine) == before


def test_a_failed_submission_draws_no_number(engine, officers: Officers) -> None:
    with pytest.raises(InvalidInput):
        officers.submit(KET_HON, channel="carrier pigeon")
    assert officers.submit(KET_HON).code == f"{AGENCY}-261125-0001"


@pytest.mark.parametrize("data", ["abc", [1, 2], 42])
def test_submit_data_must_be_an_object(engine, data) -> None:
    before = _everything(engine)
    with pytest.raises(InvalidInput):
        engine.submit(KET_HON, applicant={"full_name": "A"}, data=data)
    assert _everything(engine) == before


# -- deployments ----------------------------------------------------------------------------
def _big() -> bytes:
    """A 50 MB 'BPMN file': the template padded with a comment."""
    pad = b"<!--" + b"x" * (50 * 1024 * 1024) + b"-->"
    return TEMPLATE.replace(b"<bpmn:definitions", pad + b"<bpmn:definitions", 1)


HOSTILE_MODELS = {
    "xxe_file": lambda: (HOSTILE / "xxe_file.bpmn").read_bytes(),
    "xxe_network": lambda: (HOSTILE / "xxe_network.bpmn").read_bytes(),
    "billion_laughs": lambda: (HOSTILE / "billion_laughs.bpmn").read_bytes(),
    "external_dtd": lambda: (HOSTILE / "external_dtd.bpmn").read_bytes(),
    "fifty_megabytes": _big,
    "script_import": lambda: (HOSTILE / "script_import.bpmn").read_bytes(),
    "script_subclasses": lambda: (HOSTILE / "script_subclasses.bpmn").read_bytes(),
    "condition_subclasses": lambda: (HOSTILE / "condition_escape.bpmn").read_bytes(),
    "parameter_import": lambda: (HOSTILE / "parameter_escape.bpmn").read_bytes(),
    "timer_open_file": lambda: (HOSTILE / "timer_escape.bpmn").read_bytes(),
    "condition_in_template": lambda: TEMPLATE.replace(
        b'decision == "refuse"', b"().__class__.__base__.__subclasses__()", 1
    ),
    "truncated": lambda: TEMPLATE[: len(TEMPLATE) // 2],
    "not_xml": lambda: b"\x89PNG\r\n\x1a\n not a model",
    "empty": lambda: b"",
    "wrong_root": lambda: (HOSTILE / "wrong_root.xml").read_bytes(),
    "dangling_flow": lambda: (HOSTILE / "dangling_flow.bpmn").read_bytes(),
}


def test_hostile_or_broken_models_are_not_deployed(engine) -> None:
    """Each model in HOSTILE_MODELS is refused with a model error and leaves no trace.

    One engine for all the cases (a setup per case would cost more than the cases).
    """
    before = _everything(engine)
    wrong: dict[str, str] = {}
    for name, make in HOSTILE_MODELS.items():
        try:
            engine.deploy("X.000001", make(), name="Hostile", deadline=(1, "working_days"))
            wrong[name] = "deployed"
        except MODEL_ERRORS as exc:
            if not str(exc).strip():
                wrong[name] = "error without a message"
        except Exception as exc:  # noqa: BLE001 - any other error is a failure to report
            wrong[name] = f"{type(exc).__name__}: {exc}"[:300]
        if _everything(engine) != before:
            wrong[name] = wrong.get(name, "") + " (and it changed the database)"
            before = _everything(engine)
    assert wrong == {}
    with engine.db.read() as s:
        assert s.get(Procedure, "X.000001") is None


def test_a_hostile_new_version_leaves_the_current_one(engine, officers: Officers) -> None:
    with engine.db.read() as s:
        current = s.get(Procedure, KET_HON).current_version_id
    bad = TEMPLATE.replace(b'decision == "refuse"', b"__import__('os').system('id')", 1)
    with pytest.raises(MODEL_ERRORS):
        engine.deploy(KET_HON, bad, name="Đăng ký kết hôn (độc)")
    with engine.db.read() as s:
        proc = s.get(Procedure, KET_HON)
        assert proc.current_version_id == current
        assert proc.name == "Đăng ký kết hôn"
    assert officers.walk(officers.submit(KET_HON), ["receive"]).status in ("received", "in_process")


def test_a_model_that_is_not_bytes(engine) -> None:
    with pytest.raises(InvalidModel, match="bytes"):
        engine.deploy("X.000001", TEMPLATE.decode(), name="Text")


@pytest.mark.parametrize(
    "deadline", [(-1, "working_days"), (3, "fortnights"), ("x", "working_days")]
)
def test_deploy_refuses_an_impossible_deadline(engine, deadline) -> None:
    before = _everything(engine)
    with pytest.raises(InvalidInput):
        engine.deploy("X.000002", TEMPLATE, name="Bad deadline", deadline=deadline)
    assert _everything(engine) == before


def test_a_new_procedure_needs_a_name(engine) -> None:
    before = _everything(engine)
    with pytest.raises(InvalidInput, match="cần có tên"):
        engine.deploy("X.000003", TEMPLATE)
    assert _everything(engine) == before


@pytest.mark.parametrize("ref", ["99999999999999999999999", "²", "0", "-1", 2**70])
def test_a_dossier_reference_out_of_range_is_not_found(engine, ref) -> None:
    with pytest.raises(NotFound, match="không có hồ sơ"):
        engine.dossier(ref)
