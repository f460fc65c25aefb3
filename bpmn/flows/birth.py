"""Flow 1 (Đề án 06, group 1): birth + permanent residence + health-insurance card under 6.

One submission at the commune's one-stop counter. The commune's civil-status officer checks
the declaration and the commune chairman signs; the electronic civil-status system registers
the birth and gives the child a personal ID. Then, at the same time, the commune police
registers the child's permanent residence (an officer decides, the population database
records it) and social insurance issues the child's free health card (its system decides).
The counter returns all results together.

Partial failure, as the law has it: each result is a separate administrative act. If the
police refuse the residence or social insurance refuses the card, the birth registration
stands (it cannot be undone by a partner's refusal) and so does the other partner's result;
the citizen gets a recorded notice of what was not done, why, and where to go next.
"""

from __future__ import annotations

from bpmn.diagram import Diagram, Lane
from bpmn.flows.frame import (
    ONE,
    SYSTEM,
    frame,
    node,
    one_stop_lane,
    result_var,
    service,
    system_lane,
    task,
)

CODE = "2.000986"
NAME = "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ em dưới 6 tuổi"
CIVIL, LEADER, POLICE = "lane_civil_status", "lane_commune_leader", "lane_police"
BIRTH, RESIDENCE, CARD = (
    "civil_status.register_birth",
    "population.register_residence",
    "social_insurance.issue_child_health_card",
)
CHILD = 'form["child"]'

CARD_NOTICE = f"""citizen_notice = {{
    "id": "health_card_refused",
    "title": "Chưa cấp được thẻ bảo hiểm y tế cho trẻ",
    "what_happened": "Cơ quan Bảo hiểm xã hội không cấp thẻ BHYT: "
        + {result_var(CARD)}["reason"],
    "results_kept": ["Giấy khai sinh", "Số định danh cá nhân của trẻ"],
    "what_to_do": "Giấy khai sinh và các kết quả khác vẫn có hiệu lực. Ông/bà liên hệ cơ quan "
        "Bảo hiểm xã hội nơi cư trú (hoặc ứng dụng VssID) để được hướng dẫn tham gia bảo hiểm "
        "y tế cho trẻ; không phải nộp lại hồ sơ khai sinh.",
}}
"""
RESIDENCE_NOTICE = """citizen_notice = {
    "id": "residence_refused",
    "title": "Chưa đăng ký thường trú được cho trẻ",
    "what_happened": "Công an xã không đăng ký thường trú: " + residence_refusal_reason,
    "results_kept": ["Giấy khai sinh", "Số định danh cá nhân của trẻ"],
    "what_to_do": "Giấy khai sinh vẫn có hiệu lực. Ông/bà liên hệ Công an xã nơi cư trú để "
        "được hướng dẫn đăng ký thường trú cho trẻ, mang theo giấy tờ chứng minh chỗ ở hợp "
        "pháp nếu Công an yêu cầu.",
}
"""


def build() -> tuple[Diagram, dict[str, str]]:
    """Return the diagram (no geometry yet) and the script of each script task."""
    d = Diagram("lt_birth_residence_card", NAME)
    d.documentation = (
        f"Thủ tục {CODE}. Một lần nộp tại Bộ phận Một cửa UBND xã; tư pháp – hộ tịch, Công an "
        "xã và Bảo hiểm xã hội giải quyết liên thông. Thời hạn: không quá 20 ngày làm việc."
    )
    d.lanes = [
        one_stop_lane("Bộ phận Một cửa – UBND xã"),
        Lane(CIVIL, "Công chức tư pháp – hộ tịch", "specialist", "receiving"),
        Lane(LEADER, "Chủ tịch UBND xã", "leader", "receiving"),
        Lane(POLICE, "Công an xã – đăng ký cư trú", "specialist", "police"),
        system_lane(),
    ]
    frame(d, receive_form="flow_birth_receive", return_share=0.1,
          return_name="Trả kết quả: giấy khai sinh, đăng ký thường trú, thẻ BHYT")  # fmt: skip
    node(d, "processing_start", "startEvent", "Chuyển hộ tịch", CIVIL)
    task(d, "appraise_birth", "Kiểm tra tờ khai, ghi sổ khai sinh", CIVIL,
         form="appraise", share_=0.1, actions="supplement refuse")  # fmt: skip
    node(d, "gw_appraise", "exclusiveGateway", "Kết quả kiểm tra?", CIVIL,
         default="f_gw_appraise__sign_birth")  # fmt: skip
    node(d, "needs_supplement", "endEvent", "Cần bổ sung", CIVIL)
    node(d, "to_refuse", "endEvent", "Đề nghị từ chối", CIVIL)
    task(d, "sign_birth", "Ký giấy khai sinh", LEADER, form="approve", share_=0.1,
         actions="refuse")  # fmt: skip
    node(d, "gw_sign", "exclusiveGateway", "Ký?", LEADER, default="f_gw_sign__svc_register_birth")
    node(d, "sign_refused", "endEvent", "Không ký", LEADER)
    service(d, "svc_register_birth", "Đăng ký khai sinh điện tử, cấp số định danh", BIRTH, {
        "child_name": f'{CHILD}["full_name"]', "sex": f'{CHILD}["sex"]',
        "date_of_birth": f'{CHILD}["date_of_birth"]',
        "place_of_birth": f'{CHILD}["place_of_birth"]', "commune_code": 'form["commune_code"]',
        "mother_id": 'form["mother_id"]', "father_id": 'form["father_id"]',
    })  # fmt: skip
    node(d, "fork", "parallelGateway", "Chuyển liên thông", SYSTEM)
    born = result_var(BIRTH)
    task(d, "police_residence", "Xét đăng ký thường trú cho trẻ", POLICE,
         form="flow_birth_residence", share_=0.5)  # fmt: skip
    node(d, "gw_residence", "exclusiveGateway", "Đăng ký thường trú?", POLICE,
         default="f_gw_residence__svc_register_residence")  # fmt: skip
    node(d, "notice_residence", "scriptTask", "Lập thông báo: chưa đăng ký thường trú", POLICE)
    service(d, "svc_register_residence", "Ghi đăng ký thường trú vào CSDL dân cư", RESIDENCE, {
        "personal_id": f'{born}["personal_id"]', "commune_code": 'form["commune_code"]',
        "address_detail": 'form["address_detail"]', "full_name": f'{CHILD}["full_name"]',
        "sex": f'{CHILD}["sex"]', "date_of_birth": f'{CHILD}["date_of_birth"]',
        "birth_extract_no": f'{born}["birth_extract"]["extract_no"]',
    })  # fmt: skip
    node(d, "merge_residence", "exclusiveGateway", None, POLICE)
    service(d, "svc_health_card", "Bảo hiểm xã hội cấp thẻ BHYT cho trẻ", CARD, {
        "personal_id": f'{born}["personal_id"]', "full_name": f'{CHILD}["full_name"]',
        "date_of_birth": f'{CHILD}["date_of_birth"]', "commune_code": 'form["commune_code"]',
    }, may_refuse=True)  # fmt: skip
    node(d, "gw_card", "exclusiveGateway", "Thẻ được cấp?", SYSTEM, default="f_gw_card__merge_card")
    node(d, "notice_card", "scriptTask", "Lập thông báo: chưa cấp thẻ BHYT", SYSTEM)
    node(d, "merge_card", "exclusiveGateway", None, SYSTEM)
    node(d, "join", "parallelGateway", "Đủ kết quả liên thông", SYSTEM)
    node(d, "settled", "endEvent", "Đã giải quyết", SYSTEM)
    d.flow("processing_start", "appraise_birth")
    d.flow("appraise_birth", "gw_appraise")
    d.flow("gw_appraise", "needs_supplement", "Bổ sung", 'decision == "supplement"')
    d.flow("gw_appraise", "to_refuse", "Từ chối", 'decision == "refuse"')
    d.flow("gw_appraise", "sign_birth", "Trình ký")
    d.flow("sign_birth", "gw_sign")
    d.flow("gw_sign", "sign_refused", "Từ chối", 'decision == "refuse"')
    d.flow("gw_sign", "svc_register_birth", "Đã ký")
    d.flow("svc_register_birth", "fork")
    d.flow("fork", "police_residence", "Công an")
    d.flow("fork", "svc_health_card", "BHXH")
    d.flow("police_residence", "gw_residence")
    d.flow("gw_residence", "notice_residence", "Không đăng ký", 'residence_result == "refused"')
    d.flow("gw_residence", "svc_register_residence", "Đăng ký")
    d.flow("notice_residence", "merge_residence")
    d.flow("svc_register_residence", "merge_residence")
    d.flow("merge_residence", "join")
    d.flow("svc_health_card", "gw_card")
    d.flow("gw_card", "notice_card", "BHXH từ chối", f'{result_var(CARD)}["refused"]')
    d.flow("gw_card", "merge_card", "Đã cấp")
    d.flow("notice_card", "merge_card")
    d.flow("merge_card", "join")
    d.flow("join", "settled")
    return d, {"notice_card": CARD_NOTICE, "notice_residence": RESIDENCE_NOTICE}


__all__ = ["CODE", "NAME", "ONE", "build"]
