"""The liên thông flows the product ships, and the separate procedures each one replaces.

`MODELS` maps a procedure code to its `FlowModel`: the BPMN file beside this module, the
legal deadline where a public source gives it (``None`` where ours do not: then it is shown as
unknown, never guessed), the partner lane keys a deployment must map to agency codes
(`Engine.set_lane_agencies`), and for a liên thông flow the codes of the separate procedures
it replaces (what `lienthong analyse --compare` sets it against).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bpmn.flows import birth, death, enterprise, land, separate

FLOWS_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class FlowModel:
    code: str
    name: str
    file: str
    builder: object  # () -> (Diagram, scripts)
    deadline: tuple[float, str] | None
    deadline_source: str
    level: str = "commune"
    lane_keys: dict[str, str] = field(default_factory=dict)  # key → who it stands for
    replaces: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return FLOWS_DIR / self.file

    def xml(self) -> bytes:
        return self.path.read_bytes()


# fmt: off
_FLOWS = [
    FlowModel(
        birth.CODE, birth.NAME, "birth_residence_card.bpmn", birth.build, (20, "working_days"),
        "Cổng DVC quốc gia, thủ tục 2.000986: không quá 20 ngày làm việc (thêm 2 ngày nếu Công "
        "an/BHXH cần xác minh, 5 ngày nếu ở xa) — /work/shared/DOMAIN.md",
        lane_keys={"police": "Công an xã (đăng ký cư trú)"},
        replaces=("1.001193", "1.004222", "L.000103"),
    ),
    FlowModel(
        "1.001193", "Đăng ký khai sinh", "sep_birth.bpmn", separate.builder(separate.BIRTH_ALONE),
        (0, "working_days"), "Thủ tục 1.001193: trong ngày (sau 15 giờ: ngày làm việc tiếp theo)",
    ),
    FlowModel(
        "1.004222", "Đăng ký thường trú", "sep_residence.bpmn",
        separate.builder(separate.RESIDENCE_ALONE), (7, "working_days"),
        "Thủ tục 1.004222: 7 ngày làm việc",
    ),
    FlowModel(
        "L.000103", "Cấp thẻ BHYT cho trẻ em dưới 6 tuổi (riêng)", "sep_health_card.bpmn",
        separate.builder(separate.CARD_ALONE), None,
        "chưa xác định: nguồn của chúng tôi không nêu thời hạn và mã thủ tục quốc gia "
        "(L.000103 là mã nội bộ)",
        level="district",
    ),
    FlowModel(
        death.CODE, death.NAME, "death_residence_funeral.bpmn", death.build, None,
        "chưa xác định: nguồn của chúng tôi không nêu thời hạn chung và mã thủ tục liên thông "
        "(L.000201 là mã nội bộ); riêng lẻ: khai tử trong ngày, xóa thường trú 5 ngày làm việc, "
        "trợ cấp mai táng 8 ngày làm việc",
        lane_keys={"police": "Công an xã (đăng ký cư trú)"},
        replaces=("1.000656", "1.003197", "2.000821"),
    ),
    FlowModel(
        "1.000656", "Đăng ký khai tử", "sep_death.bpmn", separate.builder(separate.DEATH_ALONE),
        (0, "working_days"), "Thủ tục 1.000656: trong ngày",
    ),
    FlowModel(
        "1.003197", "Xóa đăng ký thường trú", "sep_deregister.bpmn",
        separate.builder(separate.DEREGISTER_ALONE), (5, "working_days"),
        "Thủ tục 1.003197: 5 ngày làm việc",
    ),
    FlowModel(
        "2.000821", "Giải quyết hưởng trợ cấp mai táng", "sep_funeral.bpmn",
        separate.builder(separate.FUNERAL_ALONE), (8, "working_days"),
        "Thủ tục 2.000821: 8 ngày làm việc", level="province",
    ),
    FlowModel(
        enterprise.CODE, enterprise.NAME, "enterprise_tax_insurance.bpmn", enterprise.build,
        (3, "working_days"), "Thủ tục 2.001583: 3 ngày làm việc", level="province",
        lane_keys={"social_insurance": "Bảo hiểm xã hội (cấp mã đơn vị)"},
        replaces=("L.000301", "L.000302", "L.000303"),
    ),
    FlowModel(
        "L.000301", "Đăng ký thành lập công ty TNHH một thành viên (riêng)", "sep_enterprise.bpmn",
        separate.builder(separate.ENTERPRISE_ALONE), (3, "working_days"),
        "Thủ tục 2.001583 làm riêng, không liên thông thuế, BHXH: 3 ngày làm việc (L.000301 là "
        "mã nội bộ: mã quốc gia đã dùng cho luồng liên thông)",
        level="province",
    ),
    FlowModel(
        "L.000302", "Khai lệ phí môn bài của doanh nghiệp mới thành lập (riêng)",
        "sep_licence_fee.bpmn", separate.builder(separate.LICENCE_FEE_ALONE), None,
        "chưa xác định: nguồn của chúng tôi không nêu mã và thời hạn của thủ tục khai lệ phí "
        "môn bài tại cơ quan thuế (L.000302 là mã nội bộ)",
        level="province",
    ),
    FlowModel(
        "L.000303", "Đăng ký đơn vị tham gia BHXH, BHYT (riêng)", "sep_si_unit.bpmn",
        separate.builder(separate.SI_UNIT_ALONE), None,
        "chưa xác định: nguồn của chúng tôi không nêu mã và thời hạn của thủ tục đăng ký đơn vị "
        "tham gia BHXH (L.000303 là mã nội bộ)",
        level="province",
    ),
    FlowModel(
        land.CODE, land.NAME, "land_transfer_tax.bpmn", land.build, (18, "working_days"),
        "Thủ tục 1.013831: 18 ngày làm việc (không tính thời gian thực hiện nghĩa vụ tài chính)",
        level="province", lane_keys={"tax": "Cơ quan thuế (xác định nghĩa vụ tài chính)"},
        replaces=("L.000401", "L.000402"),
    ),
    FlowModel(
        "L.000401", "Khai thuế thu nhập cá nhân, lệ phí trước bạ khi chuyển nhượng (riêng)",
        "sep_land_tax.bpmn", separate.builder(separate.LAND_TAX_ALONE), None,
        "chưa xác định: nguồn của chúng tôi không nêu mã và thời hạn của thủ tục khai thuế thu "
        "nhập cá nhân, lệ phí trước bạ tại cơ quan thuế (L.000401 là mã nội bộ)",
        level="province",
    ),
    FlowModel(
        "L.000402", "Đăng ký biến động do chuyển nhượng quyền sử dụng đất (riêng)",
        "sep_land.bpmn", separate.builder(separate.LAND_ALONE), (18, "working_days"),
        "Thủ tục 1.013831 làm riêng, không liên thông thuế: 18 ngày làm việc, thời hạn của "
        "chính thủ tục (L.000402 là mã nội bộ: mã quốc gia đã dùng cho luồng liên thông)",
        level="province",
    ),
]
# fmt: on
MODELS: dict[str, FlowModel] = {m.code: m for m in _FLOWS}


def lienthong_flows() -> list[FlowModel]:
    """The flows that replace several procedures (the ones with `replaces`)."""
    return [m for m in MODELS.values() if m.replaces]
