"""The separate procedures a liên thông flow replaces, modelled honestly for comparison.

Each is the standard one-stop template at a single agency: the citizen submits at that
agency's counter, a specialist appraises, the leader signs, the agency's own system records
the result, the citizen comes back for it. A declaration (a tax return, a unit's insurance
registration) has no leader's signature (``approve=False``), an officer's act no system of
record (``operation=None``), and where the citizen must pay the notice before the result the
counter confirms the payment (``pay=True``, a ``pay`` touchpoint), as the flows do.

What the citizen must carry from one agency to the next (the birth certificate to the police,
then to social insurance; the enterprise's certificate to the tax authority and to social
insurance; the tax receipts to the land office) is a document of the next procedure's receive
form marked ``"x-result-of": "<procedure code>"``, so the analysis counts it as a hand-off done
by the citizen.
"""

from __future__ import annotations

from dataclasses import dataclass

from bpmn.diagram import Diagram, Lane
from bpmn.flows import enterprise, land
from bpmn.flows.frame import ONE, frame, node, one_stop_lane, service, system_lane, task

SPEC, LEAD = "lane_specialist", "lane_leader"


@dataclass(frozen=True)
class Separate:
    """One single-agency procedure: who handles it and which system records its result."""

    code: str
    process_id: str
    name: str
    agency: str  # the agency's name, shown on the lanes
    receive_form: str
    operation: str | None  # the agency's system of record; None: the officer's act is the result
    params: dict[str, str]
    appraise_share: float = 0.6
    approve_share: float = 0.2
    return_share: float = 0.2
    deadline_known: bool = True
    approve: bool = True  # a leader signs the result
    pay: bool = False  # the citizen pays the notice; the counter confirms it


def builder(p: Separate):  # noqa: ANN201 - returns a Builder
    def build() -> tuple[Diagram, dict[str, str]]:
        d = Diagram(p.process_id, p.name)
        d.documentation = f"Thủ tục {p.code}, giải quyết riêng tại {p.agency} (để so sánh)."
        d.lanes = [
            one_stop_lane(f"Bộ phận Một cửa – {p.agency}"),
            Lane(SPEC, f"Chuyên viên – {p.agency}", "specialist", "receiving"),
            *([Lane(LEAD, f"Lãnh đạo – {p.agency}", "leader", "receiving")] if p.approve else []),
            system_lane(),
        ]
        frame(d, receive_form=p.receive_form, return_share=p.return_share,
              return_name="Trả kết quả", receive_name="Tiếp nhận hồ sơ",
              late_timer=p.deadline_known)  # fmt: skip
        # after a positive appraisal: [approve →] [svc_record →] [confirm_payment →] settled
        chain = [
            *(["approve"] if p.approve else []),
            *(["svc_record"] if p.operation else []),
            *(["confirm_payment"] if p.pay else []),
            "settled",
        ]
        node(d, "processing_start", "startEvent", "Chuyển thụ lý", SPEC)
        task(d, "appraise", "Thẩm định hồ sơ", SPEC, form="appraise", share_=p.appraise_share,
             actions="supplement refuse")  # fmt: skip
        node(d, "gw_appraise", "exclusiveGateway", "Kết quả thẩm định?", SPEC,
             default=f"f_gw_appraise__{chain[0]}")  # fmt: skip
        node(d, "needs_supplement", "endEvent", "Cần bổ sung", SPEC)
        node(d, "to_refuse", "endEvent", "Đề nghị từ chối", SPEC)
        if p.approve:
            task(d, "approve", "Phê duyệt, ký kết quả", LEAD, form="approve",
                 share_=p.approve_share, actions="refuse")  # fmt: skip
            node(d, "gw_approve", "exclusiveGateway", "Phê duyệt?", LEAD,
                 default=f"f_gw_approve__{chain[1]}")  # fmt: skip
            node(d, "approval_refused", "endEvent", "Không phê duyệt", LEAD)
        if p.operation:
            service(d, "svc_record", "Ghi kết quả vào hệ thống chuyên ngành", p.operation,
                    p.params)  # fmt: skip
        if p.pay:
            task(d, "confirm_payment", "Xác nhận công dân đã nộp tiền theo thông báo", ONE,
                 form="flow_land_payment", touchpoint="pay")  # fmt: skip
        node(d, "settled", "endEvent", "Đã giải quyết", "lane_system")
        d.flow("processing_start", "appraise")
        d.flow("appraise", "gw_appraise")
        d.flow("gw_appraise", "needs_supplement", "Bổ sung", 'decision == "supplement"')
        d.flow("gw_appraise", "to_refuse", "Từ chối", 'decision == "refuse"')
        d.flow("gw_appraise", chain[0], "Trình ký" if p.approve else "Đạt")
        for source, target in zip(chain, chain[1:], strict=False):
            if source == "approve":
                d.flow("approve", "gw_approve")
                d.flow("gw_approve", "approval_refused", "Từ chối", 'decision == "refuse"')
                d.flow("gw_approve", target, "Đã ký")
            else:
                d.flow(source, target)
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

# Flow 3's baseline: the enterprise registered alone, then the owner declares the licence fee at
# the tax authority and registers the unit with social insurance, each time carrying the
# registration certificate. The enterprise code is the tax code either way (no separate tax
# registration since 2015); new enterprises owe no licence fee in their first year.
ENTERPRISE_ALONE = Separate(
    "L.000301", "sep_enterprise", "Đăng ký thành lập công ty TNHH một thành viên",
    "Phòng Đăng ký kinh doanh", "flow_enterprise_receive", enterprise.REGISTER,
    dict(enterprise.REGISTRATION),
)  # fmt: skip
LICENCE_FEE_ALONE = Separate(
    "L.000302", "sep_licence_fee", "Khai lệ phí môn bài của doanh nghiệp mới thành lập",
    "Cơ quan thuế", "flow_sep_licence_fee_receive", enterprise.FEE,
    {"enterprise_code": 'form["enterprise_code"]', "charter_capital": 'form["charter_capital"]'},
    deadline_known=False, approve=False,
)  # fmt: skip
SI_UNIT_ALONE = Separate(
    "L.000303", "sep_si_unit", "Đăng ký đơn vị tham gia BHXH, BHYT, cấp mã đơn vị",
    "Bảo hiểm xã hội", "flow_sep_si_unit_receive", None, {},
    deadline_known=False, approve=False,
)  # fmt: skip
# Flow 4's baseline: the seller and buyer declare personal income tax and the registration fee
# at the tax authority, pay the notice, then register the transfer at the land office with the
# payment receipts.
LAND_TAX_ALONE = Separate(
    "L.000401", "sep_land_tax",
    "Khai thuế thu nhập cá nhân, lệ phí trước bạ khi chuyển nhượng",
    "Cơ quan thuế", "flow_sep_land_tax_receive", land.OBLIGATIONS,
    {**land.PARCEL, **land.PARTIES, "state_value": 'form["state_value"]'},
    deadline_known=False, approve=False, pay=True,
)  # fmt: skip
LAND_ALONE = Separate(
    "L.000402", "sep_land", "Đăng ký biến động do chuyển nhượng quyền sử dụng đất",
    "Văn phòng Đăng ký đất đai", "flow_sep_land_receive", land.TRANSFER,
    {**land.PARCEL, **land.PARTIES},
)  # fmt: skip
