"""The dossier page and working a task: who may see it, what is logged, every action."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine.models import Dossier
from engine.runtime import Engine
from tests.engine.conftest import AGENCY, OTHER_AGENCY, TEST_PROC, Officers
from tests.webui.conftest import csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LIEN_THONG = "T.000099"
#: A two-agency model: the counter may forward the dossier to the justice partner.
FORWARD_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:lt="urn:lienthong:bpmn:1"
    id="defs_fw" targetNamespace="urn:test">
  <bpmn:collaboration id="c"><bpmn:participant id="p" processRef="fw" /></bpmn:collaboration>
  <bpmn:process id="fw" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="Một cửa" lt:role="one_stop_officer" lt:agency="receiving">
        <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>receive</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gw</bpmn:flowNodeRef><bpmn:flowNodeRef>e1</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="l2" name="Sở Tư pháp" lt:role="specialist" lt:agency="justice">
        <bpmn:flowNodeRef>partner</bpmn:flowNodeRef><bpmn:flowNodeRef>e2</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="receive" name="Tiếp nhận" lt:actions="forward">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="gw" default="f4">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="partner" name="Xác minh liên thông">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e1"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="e2"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="receive" />
    <bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="gw" />
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="partner">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >decision == "forward"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="e1" />
    <bpmn:sequenceFlow id="f5" sourceRef="partner" targetRef="e2" />
  </bpmn:process>
</bpmn:definitions>
""".encode()


@pytest.fixture
def engine_db_url(db_url: str) -> str:
    return db_url


@pytest.fixture
def officers(engine: Engine) -> Officers:
    return Officers(engine, check_state=False)


@pytest.fixture
def dossier(officers: Officers, engine: Engine) -> Dossier:
    d = officers.submit(TEST_PROC, applicant={"full_name": "Trần Văn Hùng", "cccd": "001190000077"})
    engine.attach_document(d.id, PDF, filename="Đơn đề nghị.pdf", kind="attachments", actor="mc")
    officers.do(d, "receive")
    return d


def claimed(engine: Engine, d: Dossier, step: str, user: str) -> str:
    (row,) = [t for t in engine.list_tasks(dossier_code=d.code) if t.bpmn_id == step]
    engine.claim(row.id, user=user)
    return row.id


def test_page_shows_the_dossier_and_logs_the_access(
    dossier: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    cv = logged_in("cv")
    page = cv.get(f"/ho-so/{dossier.code}").get_data(as_text=True)
    assert "Trần Văn Hùng" in page and "001190000077" in page  # the handler sees it in full
    assert "Đơn đề nghị.pdf" in page and "Thẩm định hồ sơ" in page
    assert 'data-active="[&#34;appraise&#34;]"' in page and "receive" in page
    assert "Lịch sử xử lý" in page and "Hoàn thành bước" in page
    log = engine.data_access_log(dossier.code)
    assert [(a.username, a.what) for a in log] == [("cv", "hồ sơ")]


@pytest.mark.parametrize(
    "path",
    ["", "/so-do.bpmn", "/giay-to/1", "/viec/whatever", "/y-kien"],
)
def test_another_agency_gets_404_and_nothing_leaks(
    dossier: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient], path: str
) -> None:
    outsider = logged_in("outsider")
    url = f"/ho-so/{dossier.code}{path}"
    if path == "/y-kien":
        response = outsider.post(url, data={"csrf_token": csrf_token(outsider), "text": "x"})
    else:
        response = outsider.get(url)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Trần Văn Hùng" not in body and "001190000077" not in body
    assert outsider.get("/ho-so/000.00.00.H56-000000-9999").status_code == 404  # same answer
    assert engine.data_access_log(dossier.code) == []
    assert engine.comments(dossier.id) == []


def test_document_download_is_an_attachment_and_logged(
    dossier: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    (doc,) = engine.dossier_documents(dossier.id)
    cv = logged_in("cv")
    response = cv.get(f"/ho-so/{dossier.code}/giay-to/{doc.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "%C4%90%C6%A1n" in response.headers["Content-Disposition"]  # UTF-8 name, quoted
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert [a.what for a in engine.data_access_log(dossier.code)] == ["giấy tờ: Đơn đề nghị.pdf"]
    assert cv.get(f"/ho-so/{dossier.code}/giay-to/{doc.id + 1}").status_code == 404


def test_diagram_xml_is_the_dossiers_model(
    dossier: Dossier, logged_in: Callable[[str], FlaskClient]
) -> None:
    response = logged_in("cv").get(f"/ho-so/{dossier.code}/so-do.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert b'id="appraise"' in response.data


def test_comments_are_kept_and_escaped(
    dossier: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    cv = logged_in("cv")
    text = '<img src=x onerror="alert(1)"> Cần xác minh thêm'
    cv.post(f"/ho-so/{dossier.code}/y-kien", data={"csrf_token": csrf_token(cv), "text": text})
    page = cv.get(f"/ho-so/{dossier.code}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page
    assert [c.detail["text"] for c in engine.comments(dossier.id)] == [text]
    response = cv.post(
        f"/ho-so/{dossier.code}/y-kien",
        data={"csrf_token": csrf_token(cv), "text": "   "},
        follow_redirects=True,
    )
    assert "Nội dung ý kiến là bắt buộc" in response.get_data(as_text=True)
    assert len(engine.comments(dossier.id)) == 1
    assert cv.post(f"/ho-so/{dossier.code}/y-kien", data={"text": "no token"}).status_code == 400


def test_complete_with_form_data_validated_on_the_server(
    dossier: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    task = claimed(engine, dossier, "appraise", "cv")
    cv = logged_in("cv")
    url = f"/ho-so/{dossier.code}/viec/{task}"
    page = cv.get(url).get_data(as_text=True)
    assert "Ý kiến thẩm định" in page and "Yêu cầu bổ sung hồ sơ" in page
    response = cv.post(url, data={"csrf_token": csrf_token(cv), "action": "complete"})
    assert response.status_code == 400
    assert 'data-field="opinion">Trường này là bắt buộc' in response.get_data(as_text=True)
    assert engine.task(task).state == "open"
    response = cv.post(
        url, data={"csrf_token": csrf_token(cv), "action": "complete", "opinion": "Đủ điều kiện"}
    )
    assert response.status_code == 302
    assert [t.bpmn_id for t in engine.list_tasks(dossier_code=dossier.code)] == ["approve"]


def test_only_the_holder_may_act(
    dossier: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    task = claimed(engine, dossier, "appraise", "cv")
    cv2 = logged_in("cv2")
    url = f"/ho-so/{dossier.code}/viec/{task}"
    assert "Bạn cần nhận xử lý bước này" in cv2.get(url).get_data(as_text=True)
    cv2.post(url, data={"csrf_token": csrf_token(cv2), "action": "complete", "opinion": "x"})
    assert engine.task(task).state == "open"
    assert cv2.post(url, data={"csrf_token": csrf_token(cv2), "action": "hack"}).status_code == 400


def test_request_supplementation_lists_what_is_missing_and_pauses(
    dossier: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    task = claimed(engine, dossier, "appraise", "cv")
    cv = logged_in("cv")
    url = f"/ho-so/{dossier.code}/viec/{task}"
    response = cv.post(
        url, data={"csrf_token": csrf_token(cv), "action": "supplement", "missing_documents": " "}
    )
    assert response.status_code == 400 and engine.task(task).state == "open"
    cv.post(
        url,
        data={"csrf_token": csrf_token(cv), "action": "supplement",
              "missing_documents": "Bản sao CCCD\nGiấy xác nhận cư trú", "note": "Bổ sung"},
    )  # fmt: skip
    d = engine.dossier(dossier.code)
    assert d.status == "supplement_requested" and d.paused_at is not None
    assert [t.bpmn_id for t in engine.list_tasks(dossier_code=dossier.code)] == ["supplement"]


def test_refusal_needs_reasons(
    dossier: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    task = claimed(engine, dossier, "appraise", "cv")
    cv = logged_in("cv")
    url = f"/ho-so/{dossier.code}/viec/{task}"
    response = cv.post(url, data={"csrf_token": csrf_token(cv), "action": "refuse", "reasons": ""})
    assert response.status_code == 400
    assert "Lý do từ chối" in response.get_data(as_text=True)
    assert engine.task(task).state == "open"
    cv.post(
        url,
        data={"csrf_token": csrf_token(cv), "action": "refuse", "reasons": "Không đủ điều kiện"},
    )
    assert engine.dossier(dossier.code).outcome == "refused"


def test_forward_to_the_partner_agency(
    engine: Engine, officers: Officers, logged_in: Callable[[str], FlaskClient]
) -> None:
    engine.deploy(LIEN_THONG, FORWARD_BPMN, name="Liên thông thử nghiệm", agency_code=AGENCY)
    engine.set_lane_agencies(LIEN_THONG, {"justice": OTHER_AGENCY})
    d = officers.submit(LIEN_THONG, applicant={"full_name": "Lê Thị Hoa"})
    outsider = logged_in("outsider")
    assert outsider.get(f"/ho-so/{d.code}").status_code == 404  # not routed to them yet
    task = claimed(engine, d, "receive", "mc")
    mc = logged_in("mc")
    page = mc.get(f"/ho-so/{d.code}/viec/{task}").get_data(as_text=True)
    assert "Chuyển cơ quan tiếp theo" in page
    mc.post(
        f"/ho-so/{d.code}/viec/{task}", data={"csrf_token": csrf_token(mc), "action": "forward"}
    )
    (partner,) = engine.list_tasks(dossier_code=d.code)
    assert partner.bpmn_id == "partner" and partner.agency_code == OTHER_AGENCY
    outsider = logged_in("outsider")
    assert "Lê Thị Hoa" in outsider.get(f"/ho-so/{d.code}").get_data(as_text=True)
    assert d.code in outsider.get("/cong-viec/").get_data(as_text=True)


def test_receipt_of_another_agency_is_404(
    dossier: Dossier, logged_in: Callable[[str], FlaskClient]
) -> None:
    outsider = logged_in("outsider")
    assert outsider.get(f"/quay/ho-so/{dossier.code}/giay-tiep-nhan.pdf").status_code == 404
    cv = logged_in("cv")
    pdf = cv.get(f"/quay/ho-so/{dossier.code}/giay-tiep-nhan.pdf")
    assert pdf.status_code == 200 and io.BytesIO(pdf.data).read(5) == b"%PDF-"


def test_supplement_is_recorded_with_its_scans(
    dossier: Dossier, engine: Engine, officers: Officers, logged_in: Callable[[str], FlaskClient]
) -> None:
    officers.do(dossier, "appraise", "supplement")
    task = claimed(engine, dossier, "supplement", "mc")
    mc = logged_in("mc")
    url = f"/ho-so/{dossier.code}/viec/{task}"

    def send(content: bytes) -> Any:
        return mc.post(
            url,
            data={"csrf_token": csrf_token(mc), "action": "complete",
                  "supplemented_documents": "Bản sao CCCD",
                  "supplement_files": [(io.BytesIO(content), "cccd.pdf", "application/pdf")]},
            content_type="multipart/form-data",
        )  # fmt: skip

    refused = send(b"<html>not a scan</html>")
    assert refused.status_code == 400
    assert 'data-field="supplement_files"' in refused.get_data(as_text=True)
    assert engine.task(task).state == "open"
    assert send(PDF).status_code == 302
    d = engine.dossier(dossier.code)
    assert d.paused_at is None and d.status == "in_process"
    kinds = sorted(doc.kind for doc in engine.dossier_documents(d.id))
    assert kinds == ["attachments", "supplement"]  # the same bytes, linked twice


def test_assign_a_step_to_a_colleague_from_the_dossier(
    dossier: Dossier, engine: Engine, logged_in: Callable[[str], FlaskClient]
) -> None:
    cv = logged_in("cv")
    page = cv.get(f"/ho-so/{dossier.code}").get_data(as_text=True)
    assert '<option value="cv2">' in page and '<option value="ld">' not in page  # right role
    (task,) = engine.list_tasks(dossier_code=dossier.code)
    response = cv.post(
        f"/cong-viec/{task.id}/giao",
        data={"csrf_token": csrf_token(cv), "to": "cv2", "next": f"/ho-so/{dossier.code}"},
    )
    assert response.headers["Location"] == f"/ho-so/{dossier.code}"
    assert engine.task(task.id).assignee == "cv2"
    cv.post(f"/cong-viec/{task.id}/giao", data={"csrf_token": csrf_token(cv), "to": "ld"})
    assert engine.task(task.id).assignee == "cv2"  # cv holds nothing to give, ld lacks the role
