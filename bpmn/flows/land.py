"""Flow 4: land-use right transfer — land registration office, tax authority, payment, certificate.

One submission at the land registration office's counter. The parcel is read from the land
information system; a land officer checks the transfer; the tax authority's officer takes
the transfer information (phiếu chuyển thông tin) and its system issues the notice of the
financial obligations (personal income tax, registration fee). The citizen pays; the counter
records the payment; the director signs the updated certificate and the land system records
the new holder. The counter returns the certificate.

Partial failure, as the law has it: the transfer is registered only after the obligations
are paid, so there is nothing to undo. If the citizen does not pay, the counter stops the
dossier (action "refuse" on the payment step, with the reasons): the tax notice stays with
the tax authority, the citizen gets a recorded notice of why the dossier stopped and how to
submit again once paid. Time spent waiting for the payment is the citizen's, not the
agencies' (the dossier analysis counts it apart).
"""

from __future__ import annotations

from bpmn.diagram import Diagram, Lane
from bpmn.flows.frame import ONE, SYSTEM, frame, node, one_stop_lane, result_var, service, task
from bpmn.flows.frame import system_lane as _system_lane

CODE = "1.013831"
NAME = "Đăng ký biến động quyền sử dụng đất do chuyển nhượng (liên thông thuế)"
SPEC, LEADER, TAX = "lane_land_officer", "lane_director", "lane_tax"
LOOKUP, OBLIGATIONS = "land.lookup_parcel", "tax.land_obligations"
TRANSFER = "land.register_transfer"
PARCEL = {"commune_code": 'form["commune_code"]', "map_sheet": 'form["map_sheet"]',
          "parcel_no": 'form["parcel_no"]'}  # fmt: skip
PARTIES = {"seller_id": 'form["seller_id"]', "buyer_id": 'form["buyer_id"]',
           "declared_price": 'form["declared_price"]', "kind": 'form["kind"]'}  # fmt: skip

UNPAID_NOTICE = f"""citizen_notice = {{
    "id": "obligations_unpaid",
    "title": "Dừng giải quyết hồ sơ: chưa hoàn thành nghĩa vụ tài chính",
    "what_happened": "Hồ sơ dừng giải quyết vì nghĩa vụ tài chính theo thông báo "
        + {result_var(OBLIGATIONS)}["notice_no"] + " chưa được nộp: " + reasons[0],
    "results_kept": ["Thông báo nghĩa vụ tài chính của cơ quan thuế"],
    "what_to_do": "Quyền sử dụng đất chưa được đăng ký sang tên; giấy chứng nhận được trả lại. "
        "Sau khi nộp đủ số tiền theo thông báo tại kho bạc, ngân hàng hoặc cổng dịch vụ công, "
        "ông/bà nộp lại hồ sơ kèm chứng từ nộp tiền; không phải kê khai thuế lại.",
}}
"""


def build() -> tuple[Diagram, dict[str, str]]:
    d = Diagram("lt_land_transfer_tax", NAME)
    d.documentation = (
        f"Thủ tục {CODE}. Một lần nộp tại Văn phòng Đăng ký đất đai; cơ quan thuế xác định "
        "nghĩa vụ tài chính; thời gian công dân nộp tiền không tính vào thời hạn giải quyết. "
        "Thời hạn: 18 ngày làm việc."
    )
    d.lanes = [
        one_stop_lane("Bộ phận Một cửa – Văn phòng Đăng ký đất đai"),
        Lane(SPEC, "Viên chức Văn phòng Đăng ký đất đai", "specialist", "receiving"),
        Lane(TAX, "Cơ quan thuế – xác định nghĩa vụ tài chính", "specialist", "tax"),
        Lane(LEADER, "Giám đốc Văn phòng Đăng ký đất đai", "leader", "receiving"),
        _system_lane(),
    ]
    frame(d, receive_form="flow_land_receive", return_share=0.1,
          return_name="Trả giấy chứng nhận đã cập nhật biến động")  # fmt: skip
    node(d, "processing_start", "startEvent", "Chuyển thụ lý", SPEC)
    service(d, "svc_lookup_parcel", "Tra cứu thửa đất trong hệ thống thông tin đất đai", LOOKUP,
            dict(PARCEL))  # fmt: skip
    task(d, "appraise_land", "Kiểm tra hồ sơ chuyển nhượng, lập phiếu chuyển thông tin", SPEC,
         form="appraise", share_=0.3, actions="supplement refuse")  # fmt: skip
    node(d, "gw_appraise", "exclusiveGateway", "Kết quả kiểm tra?", SPEC,
         default="f_gw_appraise__tax_review")  # fmt: skip
    node(d, "needs_supplement", "endEvent", "Cần bổ sung", SPEC)
    node(d, "to_refuse", "endEvent", "Đề nghị từ chối", SPEC)
    task(d, "tax_review", "Tiếp nhận phiếu chuyển thông tin, xác định nghĩa vụ tài chính", TAX,
         form="flow_land_tax", share_=0.2)  # fmt: skip
    service(d, "svc_obligations", "Ra thông báo nghĩa vụ tài chính", OBLIGATIONS, {
        **PARCEL, **PARTIES, "state_value": f'{result_var(LOOKUP)}["state_value"]',
    })  # fmt: skip
    task(d, "confirm_payment", "Xác nhận công dân đã nộp nghĩa vụ tài chính", ONE,
         form="flow_land_payment", actions="refuse", touchpoint="pay")
    node(d, "gw_paid", "exclusiveGateway", "Đã nộp?", ONE, default="f_gw_paid__sign_certificate")
    node(d, "notice_unpaid", "scriptTask", "Lập thông báo dừng giải quyết", ONE)
    node(d, "not_paid", "endEvent", "Dừng giải quyết", ONE)
    task(d, "sign_certificate", "Ký xác nhận biến động trên giấy chứng nhận", LEADER,
         form="approve", share_=0.2)  # fmt: skip
    service(d, "svc_register_transfer", "Cập nhật người sử dụng đất mới", TRANSFER,
            {**PARCEL, **PARTIES})  # fmt: skip
    node(d, "settled", "endEvent", "Đã giải quyết", SYSTEM)
    d.flow("processing_start", "svc_lookup_parcel")
    d.flow("svc_lookup_parcel", "appraise_land")
    d.flow("appraise_land", "gw_appraise")
    d.flow("gw_appraise", "needs_supplement", "Bổ sung", 'decision == "supplement"')
    d.flow("gw_appraise", "to_refuse", "Từ chối", 'decision == "refuse"')
    d.flow("gw_appraise", "tax_review", "Chuyển cơ quan thuế")
    d.flow("tax_review", "svc_obligations")
    d.flow("svc_obligations", "confirm_payment")
    d.flow("confirm_payment", "gw_paid")
    d.flow("gw_paid", "notice_unpaid", "Không nộp", 'decision == "refuse"')
    d.flow("gw_paid", "sign_certificate", "Đã nộp")
    d.flow("notice_unpaid", "not_paid")
    d.flow("sign_certificate", "svc_register_transfer")
    d.flow("svc_register_transfer", "settled")
    return d, {"notice_unpaid": UNPAID_NOTICE}
