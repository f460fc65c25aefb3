"""The designer studio in headless Chromium: change a procedure, see lint on the diagram, fix it,
test-run it, deploy it, and see new dossiers take the new version while old ones keep theirs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from bpmn.geometry import boxes, lanes_of, problems
from bpmn.geometry_edges import line_problems
from engine.models import User
from engine.runtime import Engine
from engine.xml_safety import parse_xml
from tests.engine.conftest import AGENCY, APPLICANT, TEST_PROC
from tests.webui.conftest import ARTIFACTS, browser_login

pytestmark = pytest.mark.browser


@pytest.fixture
def forms_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "forms"
    target.mkdir()
    monkeypatch.setenv("LIENTHONG_FORMS_PATH", str(target))
    return target


@pytest.fixture
def designer(engine: Engine, password_hash: str) -> str:
    engine.ensure_user("tk", "Thiết kế viên", AGENCY, ["designer"])
    with engine.db.write() as s:
        s.execute(update(User).where(User.username == "tk").values(password_hash=password_hash))
    return "tk"


def ready(page: Any) -> None:
    page.wait_for_selector("body[data-studio-ready='1']")


def props_field(page: Any, name: str) -> Any:
    return page.locator(f"#props-body [name='{name}']")


def test_designer_changes_tests_and_deploys_a_procedure(
    page: Any, shot: Any, engine: Engine, designer: str, forms_dir: Path, browser: Any,
    live_server: Any,
) -> None:  # fmt: skip
    old = engine.submit(TEST_PROC, applicant=APPLICANT, data={}, agency_code=AGENCY, actor="mc")

    # 1. Find the procedure in the catalogue and open its model in the modeler.
    browser_login(page, designer)
    page.goto("/thiet-ke/")
    page.get_by_label("Tìm thủ tục").fill("thu nghiem")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Mở mô hình").click()
    ready(page)
    assert page.locator('#canvas [data-element-id="receive"]').count() == 1

    # 2. Insert a user task after "receive" and give it a form that does not exist yet.
    page.locator('#canvas [data-element-id="receive"]').click()
    assert props_field(page, "lt-form").input_value() == "receive"
    page.get_by_role("button", name="Chèn bước cán bộ sau phần tử đang chọn").click()
    props_field(page, "id").fill("xac_minh")
    props_field(page, "id").press("Tab")
    props_field(page, "name").fill("Xác minh thông tin")
    props_field(page, "name").press("Tab")
    props_field(page, "lt-form").fill("tk_xac_minh")
    props_field(page, "lt-form").press("Tab")
    assert page.locator('#canvas [data-element-id="xac_minh"]').count() == 1
    assert page.locator("#canvas .djs-shape.selected[data-element-id='xac_minh']").count() == 1
    shot("inserted")

    # 3. Save: the draft is kept, and the missing form is an error drawn on the new step.
    page.get_by_role("button", name="Lưu bản nháp và kiểm tra").click()
    page.wait_for_url(re.compile(r"/thiet-ke/ban-nhap/\d+$"))
    ready(page)
    badge = page.locator('.lint-badge-error[data-element="xac_minh"]')
    badge.wait_for()
    assert page.locator('#canvas [data-element-id="xac_minh"].lint-error').count() == 1
    assert "Biểu mẫu không tồn tại" in page.locator("#findings").inner_text()
    assert page.get_by_role("button", name="Triển khai").is_disabled()
    saved = engine_draft_xml(engine)
    assert problems(saved) == []  # the new step made room: nothing lies over anything
    assert line_problems(saved) == []  # and no line runs through a shape or hangs loose
    box = boxes(parse_xml(saved))
    assert box["receive"].x + box["receive"].width < box["xac_minh"].x
    assert box["xac_minh"].x + box["xac_minh"].width < box["gw_receive"].x
    shot("lint-error")

    # 4. Fix it: build the form in the eForm editor (live preview), save again.
    page.locator('#findings li.finding-error[data-element="xac_minh"]').click()
    page.locator("#form-editor").wait_for(state="visible")
    page.get_by_role("button", name="Thêm trường").click()
    card = page.locator(".fe-field").first
    card.get_by_label("Mã trường").fill("ket_qua")
    card.get_by_label("Nhãn tiếng Việt").fill("Kết quả xác minh")
    card.get_by_label("Bắt buộc").check()
    preview = page.locator("#fe-preview")
    preview.get_by_text("Kết quả xác minh").wait_for()
    page.wait_for_function("() => !!window.studioState.forms['tk_xac_minh']")
    shot("form-preview")
    pick(page, "receive")  # another step's form, then back: the edits are still there
    page.locator("#fe-id", has_text="receive").wait_for()
    pick(page, "xac_minh")
    page.locator("#fe-id", has_text="tk_xac_minh").wait_for()
    assert page.locator(".fe-field [name='path']").first.input_value() == "ket_qua"
    page.get_by_role("button", name="Lưu bản nháp và kiểm tra").click()
    page.wait_for_selector("#findings-box[data-errors='0']")
    assert page.locator(".lint-badge-error").count() == 0
    assert page.get_by_role("button", name="Triển khai").is_enabled()

    # 5. Test-run the draft in the sandbox, step by step.
    page.get_by_role("button", name="Chạy thử", exact=True).click()
    step = page.locator('.open-step[data-step="receive"]')
    step.locator("textarea").fill(json.dumps({"received_documents": ["Tờ khai"]}))
    step.get_by_role("button", name="Hoàn thành").click()
    step = page.locator('.open-step[data-step="xac_minh"]')
    step.locator("textarea").fill(json.dumps({"ket_qua": "Thông tin đúng"}))
    step.get_by_role("button", name="Hoàn thành").click()
    page.locator('.open-step[data-step="appraise"]').wait_for()
    path = page.locator("#sb-result .run-path").inner_text()
    assert "Xác minh thông tin" in path
    assert "processing" in page.locator('.run-branches li[data-gateway="gw_receive"]').inner_text()
    assert page.locator('#canvas [data-element-id="xac_minh"].sandbox-path').count() == 1
    shot("test-run")

    # 6. Deploy, with the reason; the diff named the new step.
    assert "Thêm bước của cán bộ “Xác minh thông tin”" in page.locator("#diff-lines").inner_text()
    assert page.locator('#canvas [data-element-id="xac_minh"].diff-added').count() == 1
    page.get_by_label("Lý do triển khai (bắt buộc)").fill("Thêm bước xác minh thông tin")
    page.get_by_role("button", name="Triển khai").click()
    page.get_by_text("Đã triển khai phiên bản 2").wait_for()
    assert "Thêm bước xác minh thông tin" in page.locator("#versions").inner_text()
    shot("deployed")
    page.get_by_role("link", name="So với bản trước").click()
    ready(page)
    assert page.locator('#diff-canvas [data-element-id="xac_minh"].diff-added').count() == 1
    shot("compare")

    # 7. At the counter, a new dossier takes version 2; the older one stays on version 1.
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    counter = context.new_page()
    counter.set_default_timeout(10_000)
    try:
        browser_login(counter, "mc")
        counter.goto("/quay/")
        counter.get_by_label("Tìm thủ tục").fill("thu nghiem")
        counter.get_by_role("button", name="Tìm").click()
        counter.get_by_role("link", name=re.compile(re.escape(TEST_PROC))).click()
        counter.get_by_label("Họ, chữ đệm và tên").fill("Trần Văn Mới")
        counter.get_by_label("Số định danh cá nhân (CCCD)").fill("001190000002")
        counter.get_by_label("Nơi cư trú").fill("Số 7, phường Phú Lợi")
        counter.get_by_label("Số điện thoại liên hệ").fill("0912345679")
        counter.get_by_role("button", name="Tiếp nhận hồ sơ").click()
        code = counter.get_by_test_id("dossier-code").inner_text().strip()
        counter.screenshot(path=str(ARTIFACTS / "webui" / "studio-counter-received.png"))
    finally:
        context.close()
    new = engine.dossier(code)
    versions = {v.version: v for v in engine_versions(engine)}
    assert engine.dossier(new.id).version_id != engine.dossier(old.id).version_id
    assert versions[2].current and versions[2].all_dossiers == 1
    assert versions[1].all_dossiers >= 1
    # The counter completes "receive": the new dossier is at the step added in version 2 …
    assert [t.bpmn_id for t in engine.list_tasks(dossier_code=new.code)] == ["xac_minh"]
    # … while the older dossier goes on along version 1, straight to the appraisal.
    task = engine.list_tasks(dossier_code=old.code)[0]
    engine.claim(task.id, user="mc")
    engine.complete(task.id, user="mc", data={"received_documents": ["Tờ khai"]})
    assert [t.bpmn_id for t in engine.list_tasks(dossier_code=old.code)] == ["appraise"]


def engine_draft_xml(engine: Engine, code: str = TEST_PROC) -> bytes:
    from engine.model_versions import ModelVersions

    mv = ModelVersions(engine)
    return mv.draft_bpmn(mv.drafts(code)[-1].id)


def engine_versions(engine: Engine) -> list[Any]:
    from engine.model_versions import ModelVersions

    return ModelVersions(engine).versions(TEST_PROC)


FLOW = Path(__file__).resolve().parents[2] / "bpmn" / "flows" / "birth_residence_card.bpmn"
LT = "{urn:lienthong:bpmn:1}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def pick(page: Any, element_id: str) -> None:
    """Select an element as a click would (lanes and flows are thin targets for a mouse)."""
    page.evaluate(
        "id => { const m = window.studioModeler;"
        " m.get('selection').select(m.get('elementRegistry').get(id)); }",
        element_id,
    )
    page.locator(f"#props-body[data-element='{element_id}']").wait_for()


def open_birth_flow(page: Any, engine: Engine, designer: str) -> None:
    """Deploy flow 1 as F.000001 and open it in the modeler, signed in as the designer."""
    engine.deploy("F.000001", FLOW.read_bytes(), name="Liên thông khai sinh", agency_code=AGENCY,
                  deadline=(20, "working_days"))  # fmt: skip
    browser_login(page, designer)
    page.goto("/thiet-ke/thu-tuc/F.000001/thiet-ke")
    ready(page)


def test_the_side_panel_writes_the_products_extensions_into_the_xml(
    page: Any, shot: Any, engine: Engine, designer: str
) -> None:
    from engine.model_versions import ModelVersions
    from engine.xml_safety import parse_xml

    open_birth_flow(page, engine, designer)

    pick(page, "lane_police")  # lane → role and agency
    props_field(page, "lt-agency").fill("000.00.12.H56")
    props_field(page, "lt-agency").press("Tab")
    page.locator("#props-body select").first.select_option("head_of_unit")

    pick(page, "appraise_birth")  # user task → deadline share and actions
    props_field(page, "lt-deadline-share").fill("0.2")
    props_field(page, "lt-deadline-share").press("Tab")
    page.locator("#props-body input[name='lt-actions'][value='forward']").check()

    pick(page, "svc_register_birth")  # service task → operation and data mapping
    assert props_field(page, "operation").input_value() == "civil_status.register_birth"
    first = page.locator("#props-body .param input[aria-label='Biểu thức']").first
    first.fill('form["child"]["ho_ten"]')
    first.press("Tab")
    page.get_by_role("button", name="Thêm tham số").click()
    page.locator("#props-body .param input[aria-label='Tham số']").last.fill("ghi_chu")
    page.locator("#props-body .param input[aria-label='Tham số']").last.press("Tab")
    page.locator("#props-body .param input[aria-label='Biểu thức']").last.fill('"thử"')
    page.locator("#props-body .param input[aria-label='Biểu thức']").last.press("Tab")

    created = page.evaluate(  # a timer event, as the palette would add it
        "() => { const m = window.studioModeler;"
        " const r = m.get('elementRegistry'), t = r.get('appraise_birth');"
        " return m.get('modeling').createShape({type: 'bpmn:IntermediateCatchEvent',"
        " eventDefinitionType: 'bpmn:TimerEventDefinition'},"
        " {x: t.x + 50, y: t.y + 160}, t.parent).id; }"
    )
    pick(page, created)  # any element → its id; a timer → its duration
    props_field(page, "id").fill("cho_xac_minh")
    props_field(page, "id").press("Tab")
    props_field(page, "timer-amount").fill("3")
    props_field(page, "timer-amount").press("Tab")
    page.locator("#props-body select").last.select_option("D")

    pick(page, "f_gw_appraise__needs_supplement")  # gateway branch → condition
    props_field(page, "condition").fill('decision == "supplement" and len(form) > 0')
    props_field(page, "condition").press("Tab")
    shot("properties")

    page.get_by_role("button", name="Lưu bản nháp và kiểm tra").click()
    page.wait_for_url(re.compile(r"/thiet-ke/ban-nhap/\d+$"))
    ready(page)
    draft = ModelVersions(engine).drafts("F.000001")[0]
    root = parse_xml(ModelVersions(engine).draft_bpmn(draft.id))
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    lane = by_id["lane_police"]
    assert (lane.get(f"{LT}role"), lane.get(f"{LT}agency")) == ("head_of_unit", "000.00.12.H56")
    task = by_id["appraise_birth"]
    assert task.get(f"{LT}deadlineShare") == "0.2"
    assert set(task.get(f"{LT}actions").split()) == {"supplement", "refuse", "forward"}
    operator = by_id["svc_register_birth"].find(f".//{SPIFF}serviceTaskOperator")
    assert operator.get("id") == "civil_status.register_birth"
    params = {p.get("id"): p.get("value") for p in operator.iter(f"{SPIFF}parameter")}
    assert params["child_name"] == 'form["child"]["ho_ten"]' and params["ghi_chu"] == '"thử"'
    assert len(params) >= 6  # the other parameters are kept
    condition = by_id["f_gw_appraise__needs_supplement"].find(f"{BPMN}conditionExpression")
    assert condition.text == 'decision == "supplement" and len(form) > 0'
    timer = by_id["cho_xac_minh"].find(f"{BPMN}timerEventDefinition/{BPMN}timeDuration")
    assert timer.text == '"P3D"'
    payload = [el for el in root.iter(f"{SPIFF}messagePayload")]
    original = parse_xml(FLOW.read_bytes())
    assert len(payload) == len(list(original.iter(f"{SPIFF}messagePayload")))


def test_inserted_steps_make_room_keep_lanes_and_undo_whole(
    page: Any, shot: Any, engine: Engine, designer: str
) -> None:
    open_birth_flow(page, engine, designer)
    insert = page.get_by_role("button", name="Chèn bước cán bộ sau phần tử đang chọn")
    count = (
        "() => window.studioModeler.get('elementRegistry')"
        ".filter(e => e.type === 'bpmn:UserTask').length"
    )
    tasks = page.evaluate(count)

    for source, new in (
        ("appraise_birth", "doi_chieu"),  # a step inside the agencies' subprocess
        ("f_gw_appraise__needs_supplement", "nhac_bo_sung"),  # a gateway's branch (a flow)
        ("late_timer", "bao_cao_tre_han"),  # after the boundary timer, in the lane it names
    ):
        pick(page, source)
        insert.click()
        props_field(page, "id").fill(new)
        props_field(page, "id").press("Tab")
    shot("three-inserted")
    assert page.evaluate(count) == tasks + 3

    pick(page, "receive")  # one more, then Ctrl+Z takes it back whole
    insert.click()
    assert page.evaluate(count) == tasks + 4
    page.locator("#canvas").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    page.wait_for_function(f"() => ({count})() === {tasks + 3}")

    page.get_by_role("button", name="Lưu bản nháp và kiểm tra").click()
    page.wait_for_url(re.compile(r"/thiet-ke/ban-nhap/\d+$"))
    ready(page)
    page.wait_for_selector("#findings-box[data-errors='0']")
    saved = engine_draft_xml(engine, "F.000001")
    assert problems(saved) == []
    assert line_problems(saved) == []
    lanes = lanes_of(saved)
    assert {n: lanes[n] for n in lanes_of(FLOW.read_bytes())} == lanes_of(FLOW.read_bytes())
    assert lanes["doi_chieu"] == lanes["nhac_bo_sung"] == "lane_civil_status"
    assert lanes["bao_cao_tre_han"] == "lane_one_stop"
    gateway = next(e for e in parse_xml(saved).iter(f"{BPMN}exclusiveGateway")
                   if e.get("id") == "gw_appraise")  # fmt: skip
    flows = {f.get("id"): f for f in parse_xml(saved).iter(f"{BPMN}sequenceFlow")}
    branch = flows["f_gw_appraise__needs_supplement"]  # keeps its id, source and condition
    assert (branch.get("sourceRef"), branch.get("targetRef")) == ("gw_appraise", "nhac_bo_sung")
    assert branch.find(f"{BPMN}conditionExpression") is not None
    assert flows[gateway.get("default")].get("sourceRef") == "gw_appraise"


MIWG = Path("/work/shared/bpmn-miwg-reference")


@pytest.mark.skipif(not MIWG.is_dir(), reason="MIWG reference models not available")
def test_miwg_models_display_and_deploy_or_say_why(page: Any, shot: Any, designer: str) -> None:
    browser_login(page, designer)
    outcomes = {}
    for name in ("A.1.0.bpmn", "B.2.0.bpmn", "C.1.0.bpmn"):
        page.goto("/thiet-ke/")
        page.get_by_label("Mã thủ tục").fill(f"MIWG.{name[:5]}")
        page.get_by_label("Tệp .bpmn").set_input_files(str(MIWG / name))
        page.get_by_role("button", name="Tải lên thành bản nháp").click()
        page.wait_for_url(re.compile(r"/thiet-ke/ban-nhap/\d+$"))
        ready(page)
        assert page.locator("#canvas .djs-element.djs-shape").count() > 3, name
        shot(name)
        page.get_by_label("Lý do triển khai (bắt buộc)").fill("Nhập mô hình tham chiếu MIWG")
        button = page.get_by_role("button", name="Triển khai")
        if button.is_enabled():
            button.click()
            page.get_by_text("Đã triển khai phiên bản 1").wait_for()
            outcomes[name] = "deployed"
        else:
            errors = page.locator("#findings li.finding-error")
            assert errors.count() > 0 and errors.first.inner_text().strip(), name
            outcomes[name] = "refused"
    assert len(outcomes) == 3


def test_a_timer_in_working_days_is_written_as_lt_working_days(
    page: Any, engine: Engine, designer: str
) -> None:
    from engine.model_versions import ModelVersions
    from engine.xml_safety import parse_xml

    open_birth_flow(page, engine, designer)
    created = page.evaluate(
        "() => { const m = window.studioModeler;"
        " const r = m.get('elementRegistry'), t = r.get('appraise_birth');"
        " return m.get('modeling').createShape({type: 'bpmn:IntermediateCatchEvent',"
        " eventDefinitionType: 'bpmn:TimerEventDefinition'},"
        " {x: t.x + 50, y: t.y + 160}, t.parent).id; }"
    )
    pick(page, created)
    props_field(page, "timer-amount").fill("3")
    props_field(page, "timer-unit").select_option("WD")
    pick(page, "appraise_birth")
    pick(page, created)  # reading it back shows the working unit
    assert props_field(page, "timer-unit").input_value() == "WD"
    assert props_field(page, "timer-amount").input_value() == "3"
    props_field(page, "timer-unit").select_option("WH")  # switching units keeps one attribute
    props_field(page, "timer-unit").select_option("WD")
    page.get_by_role("button", name="Lưu bản nháp và kiểm tra").click()
    page.wait_for_url(re.compile(r"/thiet-ke/ban-nhap/\d+$"))
    ready(page)
    draft = ModelVersions(engine).drafts("F.000001")[0]
    root = parse_xml(ModelVersions(engine).draft_bpmn(draft.id))
    event = next(el for el in root.iter() if el.get("id") == created)
    assert event.get(f"{LT}workingDays") == "3" and event.get(f"{LT}workingHours") is None
    duration = event.find(f"{BPMN}timerEventDefinition/{BPMN}timeDuration")
    assert duration.text == '"P3D"'
