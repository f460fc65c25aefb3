"""Designer studio, engine side: drafts with findings, deploys with reasons, diffs, rollbacks."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput, NotAllowed, NotFound
from engine.model_versions import ModelVersions
from engine.models import AuditEvent

from .conftest import AGENCY, KET_HON, OTHER_AGENCY, TEMPLATE, Officers

RENAMED = TEMPLATE.replace(
    'name="Thẩm định hồ sơ"'.encode(), 'name="Thẩm định và dự thảo kết quả"'.encode()
)
BROKEN = RENAMED.replace(b'lt:form="approve"', b'lt:form="no_such_form"')


@pytest.fixture
def studio(engine) -> ModelVersions:
    engine.ensure_user("tk", "Thiết kế viên", AGENCY, ["designer"])
    return ModelVersions(engine)


def audit(engine, action: str) -> list[AuditEvent]:
    from sqlalchemy import select

    with engine.db.read() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_a_draft_with_errors_is_saved_but_not_deployed(studio):
    draft = studio.save_draft(KET_HON, BROKEN, user="tk", note="đang sửa")
    assert (draft.state, draft.base_version, draft.deployable) == ("draft", 1, False)
    missing = [f for f in draft.findings if f["code"] == "E-FORM-MISSING"]
    assert draft.errors >= 1 and missing[0]["element_id"] == "approve"
    with pytest.raises(InvalidInput, match="chưa triển khai được") as err:
        studio.deploy_draft(draft.id, user="tk", reason="Rút gọn")
    assert "approve" in err.value.errors
    assert studio.draft(draft.id).state == "draft"
    assert [v.version for v in studio.versions(KET_HON)] == [1]
    assert studio.draft_bpmn(draft.id) == BROKEN


def test_deploy_records_who_when_why_and_dossiers_stay_on_their_version(engine, studio, clock):
    officers = Officers(engine)
    old = officers.submit(KET_HON)
    draft = studio.save_draft(KET_HON, BROKEN, user="tk")
    draft = studio.save_draft(KET_HON, RENAMED, user="tk", draft_id=draft.id)  # fixed
    assert draft.errors == 0 and draft.deployable
    v2 = studio.deploy_draft(draft.id, user="tk", reason="Gộp thẩm định và dự thảo kết quả")
    assert (v2.version, v2.deployed_by, v2.current) == (2, "tk", True)
    assert v2.reason == "Gộp thẩm định và dự thảo kết quả" and v2.deployed_at == clock.now()
    assert studio.draft(draft.id).state == "deployed"
    assert studio.draft(draft.id).deployed_version == 2
    new = officers.submit(KET_HON)
    assert engine.dossier(old.code).version_id != engine.dossier(new.code).version_id
    assert studio.running_dossiers(KET_HON) == {1: 1, 2: 1}
    [v2_info, v1_info] = studio.versions(KET_HON)
    assert (v1_info.running_dossiers, v1_info.current, v2_info.running_dossiers) == (1, False, 1)
    deploys = [e for e in audit(engine, "deploy") if e.detail.get("procedure") == KET_HON]
    assert deploys[-1].actor == "tk" and deploys[-1].detail["note"] == v2.reason
    with pytest.raises(InvalidInput, match="đã được triển khai, không triển khai được nữa"):
        studio.deploy_draft(draft.id, user="tk", reason="lần nữa")


def test_diff_says_what_changed_in_words(studio):
    draft = studio.save_draft(KET_HON, RENAMED, user="tk")
    pending = studio.diff_draft(draft.id)
    [change] = pending.changes
    assert (change.element_id, change.change, change.fields) == ("appraise", "changed", ("name",))
    assert change.text == (
        "Sửa bước của cán bộ “Thẩm định và dự thảo kết quả”: tên đổi từ “Thẩm định hồ sơ” "
        "thành “Thẩm định và dự thảo kết quả”"
    )
    studio.deploy_draft(draft.id, user="tk", reason="Đổi tên bước")
    assert studio.diff(KET_HON, 1, 2).lines() == pending.lines()
    back = studio.diff(KET_HON, 2, 1)
    assert back.counts() == {"added": 0, "removed": 0, "changed": 1}
    assert studio.diff(KET_HON, 1, 1).empty


def test_diff_of_added_removed_steps_lanes_and_flows():
    from engine.model_diff import diff_models

    smaller = TEMPLATE.replace(
        b'<bpmn:sequenceFlow id="f_start_receive" sourceRef="start" targetRef="receive" />',
        b'<bpmn:sequenceFlow id="f_start_receive" sourceRef="start" targetRef="gw_receive" />',
    ).replace(b'lt:role="leader"', b'lt:role="head_of_unit"')
    texts = diff_models(TEMPLATE, smaller).lines()
    assert "Sửa làn “Lãnh đạo”: vai trò đổi từ “leader” thành “head_of_unit”" in texts
    assert any(t.startswith("Sửa luồng từ “") and "điểm cuối đổi từ “Tiếp nhận hồ sơ”" in t
               for t in texts)  # fmt: skip
    empty = (b'<?xml version="1.0"?><bpmn:definitions '
             b'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>')  # fmt: skip
    added = diff_models(empty, TEMPLATE)
    assert added.counts()["removed"] == 0 and added.counts()["added"] > 20
    assert "Thêm bước của cán bộ “Tiếp nhận hồ sơ” vào làn “Bộ phận Một cửa”" in added.lines()
    assert "Bỏ bước của cán bộ “Tiếp nhận hồ sơ”" in diff_models(TEMPLATE, empty).lines()


def test_rollback_makes_an_older_version_current_with_a_reason(engine, studio):
    draft = studio.save_draft(KET_HON, RENAMED, user="tk")
    studio.deploy_draft(draft.id, user="tk", reason="Đổi tên bước")
    back = studio.rollback(KET_HON, 1, user="tk", reason="Cán bộ chưa quen quy trình mới")
    assert back.current and back.version == 1
    dossier = Officers(engine).submit(KET_HON)
    assert studio.running_dossiers(KET_HON) == {1: 1}
    assert engine.dossier(dossier.code).version_id == studio_version_id(engine, KET_HON, 1)
    [event] = audit(engine, "rollback")
    assert (event.actor, event.detail["from_version"], event.detail["to_version"]) == ("tk", 2, 1)
    assert event.detail["note"] == "Cán bộ chưa quen quy trình mới"
    with pytest.raises(InvalidInput, match="đang là phiên bản hiện hành"):
        studio.rollback(KET_HON, 1, user="tk", reason="lại")
    with pytest.raises(NotFound):
        studio.rollback(KET_HON, 9, user="tk", reason="không có")


def studio_version_id(engine, code: str, version: int) -> int:
    from sqlalchemy import select

    from engine.models import ProcessVersion

    with engine.db.read() as s:
        return s.execute(
            select(ProcessVersion.id).where(
                ProcessVersion.procedure_code == code, ProcessVersion.version == version
            )
        ).scalar_one()


def test_only_designers_change_models_and_every_change_says_why(studio):
    with pytest.raises(NotAllowed, match="không phải người thiết kế quy trình"):
        studio.save_draft(KET_HON, RENAMED, user="mc")
    draft = studio.save_draft(KET_HON, RENAMED, user="tk")
    with pytest.raises(NotAllowed):
        studio.deploy_draft(draft.id, user="cv", reason="x")
    with pytest.raises(InvalidInput, match="hãy ghi lý do"):
        studio.deploy_draft(draft.id, user="tk", reason="   ")
    with pytest.raises(NotAllowed):
        studio.rollback(KET_HON, 1, user="ld", reason="x")
    assert studio.discard_draft(draft.id, user="tk").state == "discarded"
    assert studio.drafts(KET_HON) == []


def test_garbage_and_new_procedures(studio):
    bad = studio.save_draft("9.000123", b"<not-bpmn", user="tk")
    assert bad.errors == 1 and bad.findings[0]["code"] == "E-XML" and bad.base_version is None
    new = studio.save_draft("9.000123", TEMPLATE, user="tk", draft_id=bad.id)
    assert studio.diff_draft(new.id).counts()["added"] > 20
    v1 = studio.deploy_draft(new.id, user="tk", reason="Thủ tục mới", name="Thủ tục mới (thử)",
                             deadline=(5, "working_days"))  # fmt: skip
    assert v1.version == 1 and v1.running_dossiers == 0
    with pytest.raises(InvalidInput):
        studio.save_draft("9.000123", b"", user="tk")


def test_the_first_version_sets_the_procedures_terms_and_later_ones_keep_them(engine, studio):
    first = studio.save_draft("9.000124", TEMPLATE, user="tk", name="Thủ tục toàn trình")
    studio.deploy_draft(
        first.id, user="tk", reason="Từ danh mục", deadline=(3, "working_days"), mode="full",
        field="Hộ tịch", level="commune", agency_code=OTHER_AGENCY,
    )  # fmt: skip
    terms = ("full", "Hộ tịch", "commune", OTHER_AGENCY, 3, "working_days")
    proc = engine.procedure("9.000124")
    assert (proc.mode, proc.field, proc.level, proc.agency_code, proc.deadline_amount,
            proc.deadline_unit) == terms  # fmt: skip
    second = studio.save_draft("9.000124", RENAMED, user="tk")
    assert studio.deploy_draft(second.id, user="tk", reason="Đổi tên bước").version == 2
    proc = engine.procedure("9.000124")  # a later version changes the model, not the terms
    assert (proc.mode, proc.field, proc.level, proc.agency_code, proc.deadline_amount,
            proc.deadline_unit) == terms  # fmt: skip
    assert engine.procedure(KET_HON).mode == "partial"  # a new procedure's default


def test_bpmn_made_elsewhere_is_saved_then_deployed_or_refused_clearly(studio):
    from pathlib import Path

    miwg = sorted((Path(__file__).parents[3] / "shared" / "bpmn-miwg-reference").glob("*.bpmn"))
    assert len(miwg) >= 20
    deployed = refused = 0
    for n, path in enumerate(miwg):
        draft = studio.save_draft(f"M.{n:06d}", path.read_bytes(), user="tk", name=path.stem)
        assert all(f["message"] and f["code"] != "E-INTERNAL" for f in draft.findings)
        if draft.errors:
            with pytest.raises(InvalidInput, match="chưa triển khai được"):
                studio.deploy_draft(draft.id, user="tk", reason="Nhập từ công cụ khác")
            refused += 1
            continue
        try:
            studio.deploy_draft(draft.id, user="tk", reason="Nhập từ công cụ khác",
                                name=path.stem, deadline=(5, "working_days"))  # fmt: skip
        except InvalidInput as exc:  # the engine's own parse may still refuse: clearly
            assert str(exc) and "Traceback" not in str(exc)
            refused += 1
        else:
            deployed += 1
    assert deployed + refused == len(miwg) and refused > 0


def _approve_form(title: str):
    from forms.builder import FieldSpec, build_form

    form = build_form("approve_v2", title, [
        FieldSpec("opinion", "textarea", "Ý kiến lãnh đạo", required=True),
        FieldSpec("result_number", "text", "Số văn bản kết quả", required=True),
    ])  # fmt: skip
    return {"schema": form.schema, "ui": form.ui}


def test_a_draft_brings_its_own_eforms(engine, studio, monkeypatch, tmp_path):
    model = RENAMED.replace(b'lt:form="approve"', b'lt:form="approve_v2"')
    alone = studio.save_draft(KET_HON, model, user="tk")
    assert [f["code"] for f in alone.findings if f["severity"] == "error"] == ["E-FORM-MISSING"]
    draft = studio.save_draft(KET_HON, model, user="tk", draft_id=alone.id,
                              forms={"approve_v2": _approve_form("Phê duyệt")})  # fmt: skip
    assert draft.errors == 0 and draft.forms == ("approve_v2",)
    broken = studio.save_draft(KET_HON, model, user="tk",
                               forms={"approve_v2": {"schema": {"type": "string"}}})  # fmt: skip
    assert [(f["code"], f["element_id"]) for f in broken.findings if f["severity"] == "error"] \
        == [("E-FORM-INVALID", "approve_v2")]  # fmt: skip
    monkeypatch.delenv("LIENTHONG_FORMS_PATH", raising=False)
    with pytest.raises(InvalidInput, match="LIENTHONG_FORMS_PATH"):
        studio.deploy_draft(draft.id, user="tk", reason="Biểu mẫu mới")
    monkeypatch.setenv("LIENTHONG_FORMS_PATH", str(tmp_path))
    studio.deploy_draft(draft.id, user="tk", reason="Biểu mẫu phê duyệt mới")
    assert (tmp_path / "approve_v2.json").is_file()
    # The engine checks the approval step against the deployed form.
    officers = Officers(engine)
    dossier = officers.submit(KET_HON)
    officers.walk(dossier, ["receive", "appraise"])
    with pytest.raises(InvalidInput, match="còn lỗi"):
        officers.do(dossier, "approve", data={"opinion": "Đồng ý"})
    # Changing a form in use needs a new id: running dossiers keep theirs.
    changed = studio.save_draft(KET_HON, model, user="tk",
                                forms={"approve_v2": _approve_form("Phê duyệt (sửa)")})  # fmt: skip
    with pytest.raises(InvalidInput, match="đã được dùng với nội dung khác"):
        studio.deploy_draft(changed.id, user="tk", reason="Sửa biểu mẫu")
