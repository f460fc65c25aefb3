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


def _alone(spec: separate.Separate, file: str, deadline: tuple[float, str] | None,
           source: str) -> FlowModel:  # fmt: skip
    """A province agency's procedure that flow 3 or 4 replaces, modelled done alone."""
    return FlowModel(spec.code, f"{spec.name} (riêng)", file, separate.builder(spec), deadline,
                     source, level="province")  # fmt: skip


def _not_in_sources(code: str, procedure: str) -> str:
    """Why a deadline is unknown: the procedure, its code and deadline are not in our sources."""
    return (f"chưa xác định: nguồn của chúng tôi không nêu mã và thời hạn của thủ tục {procedure} "
            f"({code} là mã nội bộ)")  # fmt: skip


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
    _alone(separate.ENTERPRISE_ALONE, "sep_enterprise.bpmn", (3, "working_days"),
           "Thủ tục 2.001583 làm riêng, không liên thông thuế, BHXH: 3 ngày làm việc "
           "(L.000301 là mã nội bộ: mã quốc gia đã dùng cho luồng liên thông)"),
    _alone(separate.LICENCE_FEE_ALONE, "sep_licence_fee.bpmn", None,
           _not_in_sources("L.000302", "khai lệ phí môn bài tại cơ quan thuế")),
    _alone(separate.SI_UNIT_ALONE, "sep_si_unit.bpmn", None,
           _not_in_sources("L.000303", "đăng ký đơn vị tham gia BHXH")),
    FlowModel(
        land.CODE, land.NAME, "land_transfer_tax.bpmn", land.build, (18, "working_days"),
        "Thủ tục 1.013831: 18 ngày làm việc (không tính thời gian thực hiện nghĩa vụ tài chính)",
        level="province", lane_keys={"tax": "Cơ quan thuế (xác định nghĩa vụ tài chính)"},
        replaces=("L.000401", "L.000402"),
    ),
    _alone(separate.LAND_TAX_ALONE, "sep_land_tax.bpmn", None,
           _not_in_sources("L.000401", "khai thuế thu nhập cá nhân, lệ phí trước bạ tại cơ quan "
                           "thuế")),
    _alone(separate.LAND_ALONE, "sep_land.bpmn", (18, "working_days"),
           "Thủ tục 1.013831 làm riêng, không liên thông thuế: 18 ngày làm việc, thời hạn của "
           "chính thủ tục (L.000402 là mã nội bộ: mã quốc gia đã dùng cho luồng liên thông)"),
]
# fmt: on
MODELS: dict[str, FlowModel] = {m.code: m for m in _FLOWS}


def lienthong_flows() -> list[FlowModel]:
    """The flows that replace several procedures (the ones with `replaces`)."""
    return [m for m in MODELS.values() if m.replaces]
