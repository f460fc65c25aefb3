"""The separate procedures a liên thông flow replaces, modelled honestly for comparison.

Each is the standard one-stop template at a single agency: the citizen submits at that
agency's counter, a specialist appraises, the leader signs, the agency's own system records
the result, the citizen comes back for it. What the citizen must carry from one agency to the
next (the birth certificate to the police, then to social insurance) is a document of the
next procedure's receive form marked ``"x-result-of": "<procedure code>"``, so the analysis
counts it as a hand-off done by the citizen.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpmn.diagram import Diagram, Lane
from bpmn.flows.frame import frame, node, one_stop_lane, service, system_lane, task

SPEC, LEAD = "lane_specialist", "lane_leader"


@dataclass(frozen=True)
class Separate:
    """One single-agency procedure: who handles it and which system records its result."""

    code: str
    process_id: str
    name: str
    agency: str  # the agency's name, shown on the lanes
    receive_form: str
    operation: str
    params: dict[str, str]
    appraise_share: float = 0.6
    approve_share: float = 0.2
    return_share: float = 0.2
    deadline_known: bool = True


def builder(p: Separate):  # noqa: ANN201 - returns a Builder
    def build() -> tuple[Diagram, dict[str, str]]:
        d = Diagram(p.process_id, p.name)
        d.documentation = f"Thủ tục {p.code}, giải quyết riêng tại {p.agency} (để so sánh)."
        d.lanes = [
            one_stop_lane(f"Bộ phận Một cửa – {p.agency}"),
            Lane(SPEC, f"Chuyên viên – {p.agency}", "specialist", "receiving"),
            Lane(LEAD, f"Lãnh đạo – {p.agency}", "leader", "receiving"),
            system_lane(),
        ]
        frame(d, receive_form=p.receive_form, return_share=p.return_share,
              return_name="Trả kết quả", receive_name="Tiếp nhận hồ sơ",
              late_timer=p.deadline_known)  # fmt: skip
        node(d, "processing_start", "startEvent", "Chuyển thụ lý", SPEC)
        task(d, "appraise", "Thẩm định hồ sơ", SPEC, form="appraise", share_=p.appraise_share,
             actions="supplement refuse")  # fmt: skip
        node(d, "gw_appraise", "exclusiveGateway", "Kết quả thẩm định?", SPEC,
             default="f_gw_appraise__approve")  # fmt: skip
        node(d, "needs_supplement", "endEvent", "Cần bổ sung", SPEC)
        node(d, "to_refuse", "endEvent", "Đề nghị từ chối", SPEC)
        task(d, "approve", "Phê duyệt, ký kết quả", LEAD, form="approve",
             share_=p.approve_share, actions="refuse")  # fmt: skip
        node(d, "gw_approve", "exclusiveGateway", "Phê duyệt?", LEAD,
             default="f_gw_approve__svc_record")  # fmt: skip
        node(d, "approval_refused", "endEvent", "Không phê duyệt", LEAD)
        service(d, "svc_record", "Ghi kết quả vào hệ thống chuyên ngành", p.operation, p.params)
        node(d, "settled", "endEvent", "Đã giải quyết", "lane_system")
        d.flow("processing_start", "appraise")
        d.flow("appraise", "gw_appraise")
        d.flow("gw_appraise", "needs_supplement", "Bổ sung", 'decision == "supplement"')
        d.flow("gw_appraise", "to_refuse", "Từ chối", 'decision == "refuse"')
        d.flow("gw_appraise", "approve", "Trình ký")
        d.flow("approve", "gw_approve")
        d.flow("gw_approve", "approval_refused", "Từ chối", 'decision == "refuse"')
        d.flow("gw_approve", "svc_record", "Đã ký")
        d.flow("svc_record", "settled")
        return d, {}

    return build


CHILD = 'form["child"]'
BIRTH_ALONE = Separate(
    "1.001193", "sep_birth", "Đăng ký khai sinh", "UBND xã", "flow_sep_birth_receive",
    "civil_status.register_birth",
    {"child_name": f'{CHILD}["full_name"]', "sex": f'{CHILD}["sex"]',
     "date_of_birth": f'{CHILD}["date_of_birth"]', "place_of_birth": f'{CHILD}["place_of_birth"]',
     "commune_code": 'form["commune_code"]', "mother_id": 'form["mother_id"]',
     "father_id": 'form["father_id"]'},
    appraise_share=0, approve_share=0, return_share=0,
)  # fmt: skip
RESIDENCE_ALONE = Separate(
    "1.004222", "sep_residence", "Đăng ký thường trú", "Công an xã",
    "flow_sep_residence_receive", "population.register_residence",
    {"personal_id": 'form["personal_id"]', "commune_code": 'form["commune_code"]',
     "address_detail": 'form["address_detail"]', "full_name": 'form["full_name"]',
     "sex": 'form["sex"]', "date_of_birth": 'form["date_of_birth"]',
     "birth_extract_no": 'form["birth_extract_no"]'},
)  # fmt: skip
CARD_ALONE = Separate(
    "L.000103", "sep_health_card", "Cấp thẻ BHYT cho trẻ em dưới 6 tuổi", "Bảo hiểm xã hội",
    "flow_sep_card_receive", "social_insurance.issue_child_health_card",
    {"personal_id": 'form["personal_id"]', "full_name": 'form["full_name"]',
     "date_of_birth": 'form["date_of_birth"]', "commune_code": 'form["commune_code"]'},
    deadline_known=False,
)  # fmt: skip
DEATH_ALONE = Separate(
    "1.000656", "sep_death", "Đăng ký khai tử", "UBND xã", "flow_sep_death_receive",
    "civil_status.register_death",
    {"deceased_id": 'form["deceased_id"]', "date_of_death": 'form["date_of_death"]',
     "place_of_death": 'form["place_of_death"]', "commune_code": 'form["commune_code"]'},
    appraise_share=0, approve_share=0, return_share=0,
)  # fmt: skip
DEREGISTER_ALONE = Separate(
    "1.003197", "sep_deregister", "Xóa đăng ký thường trú", "Công an xã",
    "flow_sep_deregister_receive", "population.deregister_residence",
    {"personal_id": 'form["deceased_id"]', "reason": '"death"',
     "reference": 'form["death_extract_no"]'},
)  # fmt: skip
FUNERAL_ALONE = Separate(
    "2.000821", "sep_funeral", "Giải quyết hưởng trợ cấp mai táng", "Bảo hiểm xã hội",
    "flow_sep_funeral_receive", "social_insurance.funeral_allowance",
    {"deceased_id": 'form["deceased_id"]', "date_of_death": 'form["date_of_death"]',
     "claimant_id": 'form["claimant_id"]', "death_extract_no": 'form["death_extract_no"]'},
)  # fmt: skip
