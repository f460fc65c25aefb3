"""Model versions: running dossiers keep theirs, new dossiers take the new one."""

from __future__ import annotations

from engine.models import AuditEvent, Dossier, Procedure, ProcessVersion
from tests.engine.conftest import HAPPY, KET_HON, TEMPLATE, Officers, audit_rows, count

_APPROVE_IN = b"<bpmn:incoming>f_gw_appraise_approve</bpmn:incoming>"
_APPROVE_OUT = b"<bpmn:outgoing>f_approve_gw</bpmn:outgoing>"


def template_v2() -> bytes:
    """The standard template changed: the specialist decides alone (no leader's approval)."""
    v2 = TEMPLATE.replace(
        b'sourceRef="gw_appraise" targetRef="approve"',
        b'sourceRef="gw_appraise" targetRef="settled"',
    ).replace(
        _APPROVE_IN + b"\n        " + _APPROVE_OUT,
        _APPROVE_OUT,
    )
    v2 = v2.replace('name="Thẩm định hồ sơ"'.encode(), 'name="Thẩm định và quyết định"'.encode())
    assert v2.count(b'targetRef="settled"') == 2 and v2 != TEMPLATE
    return v2


def _version_of(engine, dossier) -> int:
    with engine.db.read() as s:
        return s.get(ProcessVersion, s.get(Dossier, dossier.id).version_id).version


def test_running_dossiers_stay_on_their_version(engine, officers: Officers) -> None:
    old = officers.submit(KET_HON)
    officers.walk(old, ["receive"])
    v2 = engine.deploy(KET_HON, template_v2(), actor="admin", note="bỏ bước trình ký")
    assert v2.version == 2
    with engine.db.read() as s:
        assert s.get(Procedure, KET_HON).current_version_id == v2.id
    new = officers.submit(KET_HON)
    assert (_version_of(engine, old), _version_of(engine, new)) == (1, 2)

    assert officers.task(old, "appraise").name == "Thẩm định hồ sơ"
    officers.walk(new, ["receive"])
    assert officers.task(new, "appraise").name == "Thẩm định và quyết định"

    officers.walk(old, ["appraise"])
    assert officers.open_steps(old) == ["approve"]  # v1 still asks the leader
    officers.walk(new, ["appraise"])
    assert officers.open_steps(new) == ["return_result"]  # v2 does not

    assert officers.walk(old, ["approve", "return_result"]).status == "result_returned"
    assert officers.walk(new, ["return_result"]).status == "result_returned"
    deploys = audit_rows(engine, "deploy")
    assert [(e.detail["procedure"], e.detail["version"]) for e in deploys][-1] == (KET_HON, 2)


def test_redeploying_identical_bytes_creates_no_version(engine, officers: Officers) -> None:
    before = (count(engine, ProcessVersion), count(engine, AuditEvent))
    with engine.db.read() as s:
        current = s.get(Procedure, KET_HON).current_version_id
    again = engine.deploy(KET_HON, TEMPLATE, name="Đăng ký kết hôn")
    assert again.id == current and again.version == 1
    assert (count(engine, ProcessVersion), count(engine, AuditEvent)) == before
    v2 = engine.deploy(KET_HON, template_v2())
    assert engine.deploy(KET_HON, template_v2()).id == v2.id
    assert count(engine, ProcessVersion, ProcessVersion.procedure_code == KET_HON) == 2


def test_each_procedure_keeps_its_own_versions(engine, officers: Officers) -> None:
    """The same template deployed for several procedures: versions count per procedure."""
    engine.deploy(KET_HON, template_v2())
    with engine.db.read() as s:
        rows = s.query(ProcessVersion.procedure_code, ProcessVersion.version).all()
    by_proc: dict[str, list[int]] = {}
    for code, version in rows:
        by_proc.setdefault(code, []).append(version)
    assert sorted(by_proc[KET_HON]) == [1, 2]
    assert all(sorted(v) == [1] for code, v in by_proc.items() if code != KET_HON)
    d = officers.walk(officers.submit(KET_HON), [*HAPPY[:2], "return_result"])
    assert d.status == "result_returned"
