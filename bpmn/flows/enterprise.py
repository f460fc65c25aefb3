"""Flow 3: enterprise registration, with tax and social-insurance registration shared at once.

One submission at the business registration office. The owner's identity comes from the
population database (no copy of the ID card is asked for); a specialist appraises, the head of
the office signs; the national business registration system registers the enterprise, whose
code is also its tax code (the tax registration is done by that sharing). Then, at the same
time, the tax authority's system issues the licence-fee notice and a social-insurance officer
takes the enterprise's data and gives it a unit code for its employees' insurance.

Partial failure: the enterprise exists once registered. If social insurance cannot open the
unit (or the tax notice is refused), the registration stands and the enterprise is told what
to do; nothing is rolled back.
"""

from __future__ import annotations

from bpmn.diagram import Diagram, Lane
from bpmn.flows.frame import (
    SYSTEM,
    frame,
    node,
    officer_decision,
    one_stop_lane,
    refusable_service,
    result_var,
    service,
    system_lane,
    task,
)

CODE = "2.001583"
NAME = "Đăng ký thành lập công ty TNHH một thành viên (liên thông đăng ký thuế, BHXH)"
SPEC, LEADER, SOCIAL = "lane_specialist", "lane_leader", "lane_social_insurance"
LOOKUP, REGISTER, FEE = (
    "population.lookup_citizen",
    "business.register_enterprise",
    "tax.business_obligations",
)
ENTERPRISE = result_var(REGISTER)
#: what the business registration system is told (also when the enterprise registers alone)
REGISTRATION = {"name": 'form["name"]', "kind": 'form["kind"]',
                "charter_capital": 'form["charter_capital"]',
                "representative_id": 'form["owner_id"]', "commune_code": 'form["commune_code"]',
                "address_detail": 'form["address_detail"]'}  # fmt: skip

SI_NOTICE = """citizen_notice = {
    "id": "social_insurance_unit_refused",
    "title": "Chưa cấp được mã đơn vị tham gia BHXH",
    "what_happened": "Cơ quan Bảo hiểm xã hội chưa cấp mã đơn vị: " + si_refusal_reason,
    "results_kept": ["Giấy chứng nhận đăng ký doanh nghiệp", "Mã số doanh nghiệp (mã số thuế)"],
    "what_to_do": "Doanh nghiệp đã được thành lập hợp pháp. Trong 30 ngày kể từ ngày ký hợp "
        "đồng lao động, doanh nghiệp liên hệ cơ quan Bảo hiểm xã hội nơi đặt trụ sở (hoặc cổng "
        "dịch vụ công) để đăng ký tham gia BHXH cho người lao động.",
}
"""
FEE_NOTICE = f"""citizen_notice = {{
    "id": "licence_fee_notice_refused",
    "title": "Chưa có thông báo lệ phí môn bài",
    "what_happened": "Hệ thống của cơ quan thuế không lập thông báo: "
        + {result_var(FEE)}["reason"],
    "results_kept": ["Giấy chứng nhận đăng ký doanh nghiệp", "Mã số doanh nghiệp (mã số thuế)"],
    "what_to_do": "Doanh nghiệp tự khai lệ phí môn bài với cơ quan thuế quản lý trước ngày 30/1 "
        "năm sau năm thành lập.",
}}
"""


def build() -> tuple[Diagram, dict[str, str]]:
    d = Diagram("lt_enterprise_tax_insurance", NAME)
    d.documentation = (
        f"Thủ tục {CODE}. Một lần nộp tại Phòng Đăng ký kinh doanh; mã số doanh nghiệp là mã "
        "số thuế; cơ quan thuế và BHXH nhận thông tin liên thông. Thời hạn: 3 ngày làm việc."
    )
    d.lanes = [
        one_stop_lane("Bộ phận Một cửa – Phòng Đăng ký kinh doanh"),
        Lane(SPEC, "Chuyên viên đăng ký kinh doanh", "specialist", "receiving"),
        Lane(LEADER, "Trưởng phòng Đăng ký kinh doanh", "leader", "receiving"),
        Lane(SOCIAL, "Bảo hiểm xã hội – thu, cấp mã đơn vị", "specialist", "social_insurance"),
        system_lane(),
    ]
    frame(d, receive_form="flow_enterprise_receive", return_share=0.1,
          return_name="Trả kết quả: giấy chứng nhận, mã số thuế, mã đơn vị BHXH, thông báo "
                      "lệ phí")  # fmt: skip
    node(d, "processing_start", "startEvent", "Chuyển thụ lý", SPEC)
    service(d, "svc_lookup_owner", "Tra cứu chủ sở hữu trong CSDL dân cư", LOOKUP,
            {"personal_id": 'form["owner_id"]'})  # fmt: skip
    task(d, "appraise", "Thẩm định hồ sơ đăng ký doanh nghiệp", SPEC, form="appraise",
         share_=0.4, actions="supplement refuse")  # fmt: skip
    node(d, "gw_appraise", "exclusiveGateway", "Kết quả thẩm định?", SPEC,
         default="f_gw_appraise__approve")  # fmt: skip
    node(d, "needs_supplement", "endEvent", "Cần bổ sung", SPEC)
    node(d, "to_refuse", "endEvent", "Đề nghị từ chối", SPEC)
    task(d, "approve", "Ký giấy chứng nhận đăng ký doanh nghiệp", LEADER, form="approve",
         share_=0.2, actions="refuse")  # fmt: skip
    node(d, "gw_approve", "exclusiveGateway", "Ký?", LEADER,
         default="f_gw_approve__svc_register_enterprise")  # fmt: skip
    node(d, "approval_refused", "endEvent", "Không ký", LEADER)
    service(d, "svc_register_enterprise", "Cấp mã số doanh nghiệp (đồng thời mã số thuế)",
            REGISTER, dict(REGISTRATION))  # fmt: skip
    node(d, "fork", "parallelGateway", "Chia sẻ thông tin", SYSTEM)
    fee = refusable_service(d, "svc_licence_fee", "Thông báo lệ phí môn bài", FEE, {
        "enterprise_code": f'{ENTERPRISE}["enterprise_code"]',
        "charter_capital": 'form["charter_capital"]',
    }, notice="notice_fee")  # fmt: skip
    node(d, "si_opened", "intermediateThrowEvent", "Đã cấp mã đơn vị BHXH", SOCIAL)
    social = officer_decision(
        d, "si_register", "Cấp mã đơn vị tham gia BHXH", SOCIAL, form="flow_enterprise_si",
        field="si_result", share_=0.2, then=("si_opened", "si_opened"), notice="notice_si",
    )  # fmt: skip
    node(d, "join", "parallelGateway", "Đủ kết quả liên thông", SYSTEM)
    node(d, "settled", "endEvent", "Đã giải quyết", SYSTEM)
    d.flow("processing_start", "svc_lookup_owner")
    d.flow("svc_lookup_owner", "appraise")
    d.flow("appraise", "gw_appraise")
    d.flow("gw_appraise", "needs_supplement", "Bổ sung", 'decision == "supplement"')
    d.flow("gw_appraise", "to_refuse", "Từ chối", 'decision == "refuse"')
    d.flow("gw_appraise", "approve", "Trình ký")
    d.flow("approve", "gw_approve")
    d.flow("gw_approve", "approval_refused", "Từ chối", 'decision == "refuse"')
    d.flow("gw_approve", "svc_register_enterprise", "Đã ký")
    d.flow("svc_register_enterprise", "fork")
    d.flow("fork", fee[0], "Thuế")
    d.flow("fork", social[0], "BHXH")
    d.flow(fee[1], "join")
    d.flow(social[1], "join")
    d.flow("join", "settled")
    return d, {"notice_si": SI_NOTICE, "notice_fee": FEE_NOTICE}
