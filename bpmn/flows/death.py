"""Flow 2 (Đề án 06, group 2): death + deregistration of permanent residence + funeral allowance.

One submission by the family at the commune's one-stop counter. The civil-status officer
checks the declaration, the commune chairman signs, the electronic civil-status system
registers the death. Then, at the same time, the commune police deregister the deceased's
permanent residence (an officer decides, the population database records it) and social
insurance decides the funeral allowance (its system decides, from the contribution record).

Partial failure: the death registration stands whatever the partners decide. If social
insurance refuses the allowance (not insured, fewer than 12 months of contributions) the
deregistration stands and the family is told where else to turn (the commune's social
assistance, Decree 20/2021/NĐ-CP, when the deceased was a social-protection beneficiary).
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

CODE = "L.000201"
NAME = "Liên thông đăng ký khai tử, xóa đăng ký thường trú, hưởng trợ cấp mai táng"
CIVIL, LEADER, POLICE = "lane_civil_status", "lane_commune_leader", "lane_police"
DEATH, DEREGISTER, FUNERAL = (
    "civil_status.register_death",
    "population.deregister_residence",
    "social_insurance.funeral_allowance",
)
EXTRACT = f'{result_var(DEATH)}["death_extract"]["extract_no"]'

FUNERAL_NOTICE = f"""citizen_notice = {{
    "id": "funeral_allowance_refused",
    "title": "Không được giải quyết trợ cấp mai táng từ Bảo hiểm xã hội",
    "what_happened": "Cơ quan Bảo hiểm xã hội không giải quyết trợ cấp mai táng: "
        + {result_var(FUNERAL)}["reason"],
    "results_kept": ["Trích lục khai tử", "Xóa đăng ký thường trú"],
    "what_to_do": "Trích lục khai tử và việc xóa đăng ký thường trú vẫn có hiệu lực. Nếu người "
        "mất thuộc diện bảo trợ xã hội hoặc người có công, gia đình liên hệ UBND xã (công chức "
        "văn hóa – xã hội) để được xem xét hỗ trợ chi phí mai táng; nếu cho rằng quá trình đóng "
        "BHXH chưa được ghi đủ, liên hệ cơ quan Bảo hiểm xã hội để đối chiếu.",
}}
"""
DEREGISTER_NOTICE = """citizen_notice = {
    "id": "deregistration_refused",
    "title": "Chưa xóa được đăng ký thường trú của người mất",
    "what_happened": "Công an xã chưa xóa đăng ký thường trú: " + deregister_refusal_reason,
    "results_kept": ["Trích lục khai tử"],
    "what_to_do": "Trích lục khai tử vẫn có hiệu lực. Gia đình liên hệ Công an xã nơi người mất "
        "thường trú để được hướng dẫn; không phải nộp lại hồ sơ khai tử.",
}
"""


def build() -> tuple[Diagram, dict[str, str]]:
    d = Diagram("lt_death_residence_funeral", NAME)
    d.documentation = (
        f"Thủ tục {CODE} (mã nội bộ). Một lần nộp tại Bộ phận Một cửa UBND xã; tư pháp – hộ "
        "tịch, Công an xã và Bảo hiểm xã hội giải quyết liên thông. Thời hạn chung: chưa xác "
        "định từ nguồn của chúng tôi (riêng lẻ: khai tử trong ngày, xóa thường trú 5 ngày làm "
        "việc, mai táng phí 8 ngày làm việc)."
    )
    d.lanes = [
        one_stop_lane("Bộ phận Một cửa – UBND xã"),
        Lane(CIVIL, "Công chức tư pháp – hộ tịch", "specialist", "receiving"),
        Lane(LEADER, "Chủ tịch UBND xã", "leader", "receiving"),
        Lane(POLICE, "Công an xã – đăng ký cư trú", "specialist", "police"),
        system_lane(),
    ]
    frame(d, receive_form="flow_death_receive", return_share=0.1, late_timer=False,
          return_name="Trả kết quả: trích lục khai tử, xóa thường trú, quyết định mai "
                      "táng phí")  # fmt: skip
    node(d, "processing_start", "startEvent", "Chuyển hộ tịch", CIVIL)
    task(d, "appraise_death", "Kiểm tra tờ khai, ghi sổ khai tử", CIVIL, form="appraise",
         share_=0.1, actions="supplement refuse")  # fmt: skip
    node(d, "gw_appraise", "exclusiveGateway", "Kết quả kiểm tra?", CIVIL,
         default="f_gw_appraise__sign_death")  # fmt: skip
    node(d, "needs_supplement", "endEvent", "Cần bổ sung", CIVIL)
    node(d, "to_refuse", "endEvent", "Đề nghị từ chối", CIVIL)
    task(d, "sign_death", "Ký trích lục khai tử", LEADER, form="approve", share_=0.1,
         actions="refuse")  # fmt: skip
    node(d, "gw_sign", "exclusiveGateway", "Ký?", LEADER, default="f_gw_sign__svc_register_death")
    node(d, "sign_refused", "endEvent", "Không ký", LEADER)
    service(d, "svc_register_death", "Đăng ký khai tử điện tử", DEATH, {
        "deceased_id": 'form["deceased_id"]', "date_of_death": 'form["date_of_death"]',
        "place_of_death": 'form["place_of_death"]', "commune_code": 'form["commune_code"]',
        "declarant_id": 'form["claimant_id"]',
    })  # fmt: skip
    node(d, "fork", "parallelGateway", "Chuyển liên thông", SYSTEM)
    service(d, "svc_deregister", "Xóa đăng ký thường trú trong CSDL dân cư", DEREGISTER, {
        "personal_id": 'form["deceased_id"]', "reason": '"death"', "reference": EXTRACT,
    })  # fmt: skip
    police = officer_decision(
        d, "police_deregister", "Xét xóa đăng ký thường trú", POLICE,
        form="flow_death_deregister", field="deregister_result", share_=0.5,
        then=("svc_deregister", "svc_deregister"), notice="notice_deregister",
    )  # fmt: skip
    funeral = refusable_service(d, "svc_funeral", "Giải quyết trợ cấp mai táng", FUNERAL, {
        "deceased_id": 'form["deceased_id"]', "date_of_death": 'form["date_of_death"]',
        "claimant_id": 'form["claimant_id"]', "death_extract_no": EXTRACT,
    }, notice="notice_funeral")  # fmt: skip
    node(d, "join", "parallelGateway", "Đủ kết quả liên thông", SYSTEM)
    node(d, "settled", "endEvent", "Đã giải quyết", SYSTEM)
    d.flow("processing_start", "appraise_death")
    d.flow("appraise_death", "gw_appraise")
    d.flow("gw_appraise", "needs_supplement", "Bổ sung", 'decision == "supplement"')
    d.flow("gw_appraise", "to_refuse", "Từ chối", 'decision == "refuse"')
    d.flow("gw_appraise", "sign_death", "Trình ký")
    d.flow("sign_death", "gw_sign")
    d.flow("gw_sign", "sign_refused", "Từ chối", 'decision == "refuse"')
    d.flow("gw_sign", "svc_register_death", "Đã ký")
    d.flow("svc_register_death", "fork")
    d.flow("fork", police[0], "Công an")
    d.flow("fork", funeral[0], "BHXH")
    d.flow(police[1], "join")
    d.flow(funeral[1], "join")
    d.flow("join", "settled")
    return d, {"notice_deregister": DEREGISTER_NOTICE, "notice_funeral": FUNERAL_NOTICE}
