"""Designer studio pages and JSON: who may do what, saving with lint, deploys, uploads, CSRF."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select, update

from engine.model_versions import ModelVersions
from engine.models import AuditEvent, User
from tests.engine.conftest import AGENCY, APPLICANT, KET_HON, TEMPLATE
from tests.webui.conftest import csrf_token

MIWG = Path("/work/shared/bpmn-miwg-reference")
BROKEN = TEMPLATE.replace(b'lt:form="approve"', b'lt:form="tk_phe_duyet"')
FIELDS = [
    {"path": "opinion", "type": "textarea", "label": "Ý kiến phê duyệt", "required": True},
    {"path": "result_number", "type": "text", "label": "Số quyết định", "required": True},
    {"path": "so_dien_thoai", "type": "phone", "label": "Số điện thoại liên hệ"},
]


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def forms_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Published forms go here (the first LIENTHONG_FORMS_PATH directory), not into the repo."""
    target = tmp_path / "forms"
    target.mkdir()
    monkeypatch.setenv("LIENTHONG_FORMS_PATH", str(target))
    return target


@pytest.fixture
def designer(engine, password_hash: str) -> str:
    engine.ensure_user("tk", "Thiết kế viên", AGENCY, ["designer"])
    with engine.db.write() as s:
        s.execute(update(User).where(User.username == "tk").values(password_hash=password_hash))
    return "tk"


def post_json(client, url: str, body: dict, *, token: str | None = None):
    headers = {"X-CSRFToken": token if token is not None else csrf_token(client)}
    return client.post(url, json=body, headers=headers)


def preview_form(client) -> dict:
    response = post_json(
        client, "/thiet-ke/api/bieu-mau/xem-truoc",
        {"form_id": "tk_phe_duyet", "title": "Phê duyệt", "fields": FIELDS},
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def save(client, xml: bytes, **extra):
    body = {"xml": xml.decode("utf-8"), **extra}
    return post_json(client, f"/thiet-ke/api/thu-tuc/{KET_HON}/luu", body)


# -- access ---------------------------------------------------------------------------------------
def test_officers_without_the_role_are_refused(client, logged_in):
    logged_in("cv")
    assert client.get("/thiet-ke/").status_code == 403
    assert save(client, TEMPLATE).status_code == 403


def test_leaders_read_but_only_designers_write(client, logged_in, engine):
    logged_in("ld")
    page = client.get(f"/thiet-ke/thu-tuc/{KET_HON}")
    assert page.status_code == 200 and "Đăng ký kết hôn" in page.get_data(as_text=True)
    assert save(client, TEMPLATE).status_code == 403
    token = csrf_token(client)
    refused = client.post(
        f"/thiet-ke/thu-tuc/{KET_HON}/quay-lai",
        data={"version": "1", "reason": "x", "csrf_token": token},
    )
    assert refused.status_code == 403
    assert ModelVersions(engine).drafts(KET_HON) == []


def test_a_post_without_csrf_token_is_refused(client, logged_in, designer, engine):
    logged_in(designer)
    response = client.post(
        f"/thiet-ke/api/thu-tuc/{KET_HON}/luu", json={"xml": TEMPLATE.decode("utf-8")}
    )
    assert response.status_code == 400
    assert ModelVersions(engine).drafts(KET_HON) == []


# -- browsing --------------------------------------------------------------------------------------
def test_the_catalogue_is_searched_without_diacritics(client, logged_in, designer):
    logged_in(designer)
    page = client.get("/thiet-ke/?q=ket hon").get_data(as_text=True)
    assert KET_HON in page and "Đăng ký khai sinh" not in page
    modeler = client.get(f"/thiet-ke/thu-tuc/{KET_HON}/thiet-ke").get_data(as_text=True)
    assert "bpmn-modeler.production.min.js" in modeler
    assert f"/thiet-ke/thu-tuc/{KET_HON}/phien-ban/1.bpmn" in modeler
    assert client.get(f"/thiet-ke/thu-tuc/{KET_HON}/phien-ban/1.bpmn").data == TEMPLATE


# -- save, lint, deploy ---------------------------------------------------------------------------
def test_a_model_with_errors_is_saved_but_not_deployed(client, logged_in, designer, engine):
    logged_in(designer)
    response = save(client, BROKEN)
    assert response.status_code == 200
    draft = response.get_json()
    assert draft["errors"] >= 1 and not draft["deployable"]
    missing = [f for f in draft["findings"] if f["code"] == "E-FORM-MISSING"]
    assert missing[0]["element_id"] == "approve" and missing[0]["message_vi"]
    token = csrf_token(client)
    refused = client.post(
        f"/thiet-ke/ban-nhap/{draft['id']}/trien-khai",
        data={"reason": "Rút gọn", "csrf_token": token},
        follow_redirects=True,
    )
    page = refused.get_data(as_text=True)
    assert "Chưa triển khai" in page and "lỗi nên chưa triển khai được" in page
    assert [v.version for v in ModelVersions(engine).versions(KET_HON)] == [1]


def test_a_draft_with_its_form_deploys_and_new_dossiers_take_it(
    client, logged_in, designer, engine, forms_dir
):
    logged_in(designer)
    old = engine.submit(KET_HON, applicant=APPLICANT, data={}, agency_code=AGENCY, actor="mc")
    built = preview_form(client)
    assert "Ý kiến phê duyệt" in built["html"] and "Số điện thoại liên hệ" in built["html"]
    draft = save(client, BROKEN, forms={"tk_phe_duyet": built["raw"]}).get_json()
    assert draft["errors"] == 0 and draft["forms"] == ["tk_phe_duyet"]
    assert ModelVersions(engine).draft_forms(draft["id"]) == {"tk_phe_duyet": built["raw"]}
    reopened = client.get(f"/thiet-ke/ban-nhap/{draft['id']}").get_data(as_text=True)
    assert '"tk_phe_duyet"' in reopened and '"result_number"' in reopened
    token = csrf_token(client)
    no_reason = client.post(
        f"/thiet-ke/ban-nhap/{draft['id']}/trien-khai", data={"reason": " ", "csrf_token": token}
    )
    assert no_reason.status_code == 302 and len(ModelVersions(engine).versions(KET_HON)) == 1
    done = client.post(
        f"/thiet-ke/ban-nhap/{draft['id']}/trien-khai",
        data={"reason": "Phê duyệt theo biểu mẫu mới", "csrf_token": token},
    )
    assert done.status_code == 302
    versions = {v.version: v for v in ModelVersions(engine).versions(KET_HON)}
    assert versions[2].current and versions[2].deployed_by == designer
    assert versions[2].reason == "Phê duyệt theo biểu mẫu mới"
    assert (forms_dir / "tk_phe_duyet.json").is_file()
    new = engine.submit(KET_HON, applicant=APPLICANT, data={}, agency_code=AGENCY, actor="mc")
    assert engine.dossier(old.id).version_id != engine.dossier(new.id).version_id
    page = client.get(f"/thiet-ke/thu-tuc/{KET_HON}").get_data(as_text=True)
    assert "Phê duyệt theo biểu mẫu mới" in page and 'data-version="2"' in page
    again = client.get(f"/thiet-ke/ban-nhap/{draft['id']}").get_data(as_text=True)
    assert "đã được triển khai thành phiên bản 2" in again
    assert save(client, BROKEN, draft_id="1; drop").status_code == 400
    assert save(client, BROKEN, forms=["x"]).status_code == 400
    resave = save(client, BROKEN, draft_id=draft["id"])
    assert resave.status_code == 400 and "hãy tạo bản nháp mới" in resave.get_json()["error"]
    with engine.db.read() as s:
        actions = set(s.execute(select(AuditEvent.action)).scalars())
    assert "deploy" in actions
    diff = client.get(f"/thiet-ke/thu-tuc/{KET_HON}/so-sanh?cu=1&moi=2").get_data(as_text=True)
    assert 'data-element="approve"' in diff and "biểu mẫu" in diff


def test_rollback_needs_a_reason_and_is_recorded(client, logged_in, designer, engine):
    logged_in(designer)
    renamed = TEMPLATE.replace('name="Thẩm định hồ sơ"'.encode(), 'name="Thẩm định"'.encode())
    draft = save(client, renamed)
    ModelVersions(engine).deploy_draft(draft.get_json()["id"], user=designer, reason="Đổi tên")
    token = csrf_token(client)
    url = f"/thiet-ke/thu-tuc/{KET_HON}/quay-lai"
    unexplained = client.post(
        url, data={"version": "1", "csrf_token": token}, follow_redirects=True
    )
    assert "Chưa quay lại: hãy ghi lý do quay lại phiên bản cũ" in unexplained.get_data(
        as_text=True
    )
    assert [v.version for v in ModelVersions(engine).versions(KET_HON) if v.current] == [2]
    done = client.post(url, data={"version": "1", "reason": "Lỗi tên", "csrf_token": token})
    assert done.status_code == 302
    assert [v.version for v in ModelVersions(engine).versions(KET_HON) if v.current] == [1]


# -- files -----------------------------------------------------------------------------------------
def upload(client, data: bytes, name: str = "mo-hinh.bpmn", code: str = KET_HON, **kw):
    return client.post(
        "/thiet-ke/tai-len",
        data={"procedure_code": code, "csrf_token": csrf_token(client),
              "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data", **kw,
    )  # fmt: skip


def test_an_xxe_upload_is_refused_and_nothing_is_stored(client, logged_in, designer, engine):
    logged_in(designer)
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
        b'<bpmn:process id="p" name="&x;"/></bpmn:definitions>'
    )
    response = upload(client, evil, follow_redirects=True)
    assert "Không nhận tệp" in response.get_data(as_text=True)
    assert ModelVersions(engine).drafts(KET_HON) == []
    through_api = save(client, evil)
    assert through_api.status_code == 400 and "root:" not in through_api.get_data(as_text=True)


def test_an_oversized_upload_is_refused(client, logged_in, designer, engine):
    logged_in(designer)
    huge = TEMPLATE + b"<!--" + b"x" * 5_100_000 + b"-->"
    page = upload(client, huge, follow_redirects=True).get_data(as_text=True)
    assert "lớn hơn 5 MB" in page
    assert ModelVersions(engine).drafts(KET_HON) == []


def test_upload_then_download_round_trips(client, logged_in, designer, engine):
    logged_in(designer)
    response = upload(client, TEMPLATE)
    assert response.status_code == 302
    draft = ModelVersions(engine).drafts(KET_HON)[0]
    got = client.get(f"/thiet-ke/ban-nhap/{draft.id}.bpmn?tai-ve=1")
    assert got.data == TEMPLATE and "attachment" in got.headers["Content-Disposition"]


@pytest.mark.skipif(not MIWG.is_dir(), reason="MIWG reference models not available")
def test_miwg_models_are_imported_and_deploy_or_say_why(client, logged_in, designer, engine):
    logged_in(designer)
    deployed = refused = 0
    for n, path in enumerate(sorted(MIWG.glob("*.bpmn"))[:8]):
        code = f"MIWG.{n}"
        response = upload(client, path.read_bytes(), path.name, code)
        assert response.status_code == 302, path.name
        draft = ModelVersions(engine).drafts(code)[0]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert f"ban-nhap/{draft.id}.bpmn" in page
        outcome = client.post(
            f"/thiet-ke/ban-nhap/{draft.id}/trien-khai",
            data={"reason": "Nhập từ MIWG", "csrf_token": csrf_token(client)},
        )
        assert outcome.status_code == 302
        follow = client.get(outcome.headers["Location"]).get_data(as_text=True)
        if "/thu-tuc/" in outcome.headers["Location"]:
            deployed += 1
            assert "Đã triển khai phiên bản 1" in follow
        else:
            refused += 1
            assert "Chưa triển khai" in follow and draft.errors
            assert all(str(escape(f["message"])) in follow for f in draft.findings[:3])
    assert deployed + refused == 8 and refused > 0


# -- sandbox and form preview ------------------------------------------------------------------
def test_a_draft_is_test_run_step_by_step(client, logged_in, designer, engine):
    logged_in(designer)
    draft = save(client, TEMPLATE).get_json()
    url = f"/thiet-ke/api/ban-nhap/{draft['id']}/chay-thu"
    first = post_json(client, url, {"steps": []}).get_json()
    assert first["ok"] and first["open_steps"] == ["receive"]
    steps = [{"step": "receive", "action": "complete", "data": {"received_documents": ["Tờ khai"]}}]
    second = post_json(client, url, {"steps": steps}).get_json()
    assert second["ok"] and second["open_steps"] == ["appraise"]
    assert second["branches"]["gw_receive"] == ["processing"]
    assert [p["bpmn_id"] for p in second["path"]][:2] == ["start", "receive"]
    wrong = post_json(client, url, {"steps": [{"step": "approve"}]}).get_json()
    assert not wrong["ok"] and "approve" in wrong["error"]
    bad = post_json(client, url, {"steps": [{"step": "receive", "action": "explode"}]})
    assert bad.status_code == 400
    saved = post_json(
        client, f"/thiet-ke/api/thu-tuc/{KET_HON}/kich-ban",
        {"name": "Tiếp nhận", "steps": steps, "expect_status": "processing"},
    )  # fmt: skip
    assert saved.status_code == 200
    results = post_json(client, f"/thiet-ke/api/ban-nhap/{draft['id']}/kich-ban", {}).get_json()
    assert [(r["name"], r["run"]["steps_run"]) for r in results] == [("Tiếp nhận", 1)]


def test_the_form_preview_says_what_is_wrong(client, logged_in, designer):
    logged_in(designer)
    bad = post_json(
        client, "/thiet-ke/api/bieu-mau/xem-truoc",
        {"form_id": "tk_x", "fields": [{"path": "Sai tên", "type": "text", "label": ""}]},
    )  # fmt: skip
    assert bad.status_code == 400 and "hãy ghi nhãn" in bad.get_json()["error"]
    sample = post_json(
        client, "/thiet-ke/api/bieu-mau/xem-truoc",
        {"form_id": "tk_x", "fields": FIELDS, "sample": {"so_dien_thoai": "123"}},
    ).get_json()  # fmt: skip
    assert "so_dien_thoai" in sample["errors"] and "opinion" in sample["errors"]
    existing = client.get("/thiet-ke/api/bieu-mau/approve").get_json()
    assert {f["path"] for f in existing["fields"]} >= {"opinion"}


# -- the catalogue ---------------------------------------------------------------------------------
@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalogue folder with two real procedures and their generated models and forms."""
    from bpmn.catalog.importer_table import load_yaml
    from bpmn.catalog.store import CatalogStore

    root = tmp_path / "catalog"
    real = Path(__file__).resolve().parents[2] / "bpmn" / "catalog" / "real"
    store = CatalogStore(root)
    for code in ("1.003197", KET_HON):
        store.write(load_yaml(real / f"{code}.yaml")[0])
    monkeypatch.setenv("LIENTHONG_CATALOG_DIR", str(root))
    return root


def test_a_catalogue_procedure_becomes_a_draft_then_a_version(
    client, logged_in, designer, engine, catalogue
):
    logged_in(designer)
    page = client.get("/thiet-ke/?q=xoa dang ky thuong tru").get_data(as_text=True)
    assert 'data-code="1.003197"' in page and "Tạo bản nháp từ danh mục" in page
    assert 'data-code="1.000894"' not in page
    married = client.get("/thiet-ke/?q=ket hon").get_data(as_text=True)
    assert 'data-code="1.000894"' in married and "Đã triển khai" in married
    created = client.post(
        "/thiet-ke/danh-muc/1.003197/ban-nhap", data={"csrf_token": csrf_token(client)}
    )
    assert created.status_code == 302
    draft = ModelVersions(engine).drafts("1.003197")[0]
    assert draft.name == "Xóa đăng ký thường trú"
    assert draft.errors == 0, draft.findings
    client.post(
        f"/thiet-ke/ban-nhap/{draft.id}/trien-khai",
        data={"reason": "Đưa vào vận hành", "csrf_token": csrf_token(client)},
    )
    procedure = engine.procedure("1.003197")
    assert procedure.current_version_id is not None
    assert (procedure.deadline_amount, procedure.deadline_unit) == (5, "working_days")
    assert (
        client.post(
            "/thiet-ke/danh-muc/9.999999/ban-nhap", data={"csrf_token": csrf_token(client)}
        ).status_code
        == 404
    )


def test_the_first_version_from_the_catalogue_carries_its_terms(
    client, logged_in, designer, engine, catalogue
):
    from bpmn.catalog.store import CatalogStore

    store = CatalogStore(catalogue)
    entry = store.load("1.003197")  # Xóa đăng ký thường trú, by "Công an cấp Xã"
    entry.mode = "full"  # say it is fully online, unlike the engine's default
    store.write(entry)
    engine.ensure_agency("000.22.31.H56", "Công an cấp xã", level="commune")
    logged_in(designer)
    client.post("/thiet-ke/danh-muc/1.003197/ban-nhap", data={"csrf_token": csrf_token(client)})
    mv = ModelVersions(engine)
    for version, draft_id in ((1, mv.drafts("1.003197")[0].id), (2, None)):
        if draft_id is None:  # a later version, saved from the modeler: one step renamed
            bpmn = re.sub(rb'(<bpmn:userTask id="\w+" name="[^"]*)', rb"\1 (v2)",
                          mv.version_bpmn("1.003197", 1), count=1)  # fmt: skip
            body = {"xml": bpmn.decode("utf-8")}
            saved = post_json(client, "/thiet-ke/api/thu-tuc/1.003197/luu", body).get_json()
            draft_id = saved["id"]
        client.post(
            f"/thiet-ke/ban-nhap/{draft_id}/trien-khai",
            data={"reason": f"Phiên bản {version}", "csrf_token": csrf_token(client)},
        )
        procedure = engine.procedure("1.003197")
        assert mv.versions("1.003197")[0].version == version
        assert (procedure.mode, procedure.field, procedure.level, procedure.agency_code) == (
            "full", "Đăng ký, quản lý cư trú", "commune", "000.22.31.H56"
        )  # fmt: skip
        assert (procedure.deadline_amount, procedure.deadline_unit) == (5, "working_days")


def test_the_test_run_checks_the_drafts_own_forms(client, logged_in, designer, engine):
    logged_in(designer)
    built = preview_form(client)
    draft = save(client, BROKEN, forms={"tk_phe_duyet": built["raw"]}).get_json()
    url = f"/thiet-ke/api/ban-nhap/{draft['id']}/chay-thu"
    steps = [
        {"step": "receive", "data": {"received_documents": ["Tờ khai"]}},
        {"step": "appraise", "data": {"opinion": "Hồ sơ đủ điều kiện"}},
        {"step": "approve", "data": {"opinion": "Đồng ý", "so_dien_thoai": "123"}},
    ]
    refused = post_json(client, url, {"steps": steps}).get_json()
    assert not refused["ok"] and refused["steps_run"] == 2
    assert {"result_number", "so_dien_thoai"} <= set(refused["error_fields"])
    steps[2]["data"] = {"opinion": "Đồng ý", "result_number": "12/QĐ"}
    passed = post_json(client, url, {"steps": steps}).get_json()
    assert passed["ok"] and passed["steps_run"] == 3, passed


# -- timers in working days -----------------------------------------------------------------------
WORKING_TIMER = TEMPLATE.replace(
    b'attachedToRef="processing" cancelActivity="false"',
    b'attachedToRef="processing" cancelActivity="false" lt:workingDays="2"',
)


def test_a_timer_in_working_days_is_saved_and_checked(client, logged_in, designer, engine):
    logged_in(designer)
    good = WORKING_TIMER.replace(
        b'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">dossier_due</bpmn:timeDate>',
        b'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P2D"</bpmn:timeDuration>',
    )
    draft = save(client, good).get_json()
    assert draft["errors"] == 0 and draft["deployable"], draft["findings"]
    stored = ModelVersions(engine).draft_bpmn(draft["id"])
    assert b'lt:workingDays="2"' in stored
    # With the template's timeDate the working time contradicts it: saved, not deployable.
    bad = save(client, WORKING_TIMER).get_json()
    found = [f for f in bad["findings"] if f["code"] == "E-TIMER-WORKING"]
    assert [f["element_id"] for f in found] == ["late_timer"] and not bad["deployable"]
    assert "timeDate" in found[0]["message"] and found[0]["message_vi"]
