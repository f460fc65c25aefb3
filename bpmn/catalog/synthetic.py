"""Generate a synthetic provincial catalogue (1,820 procedures) for scale tests and benchmarks.

Every entry is labelled: ``synthetic=True``, a code in the reserved ``9.xxxxxx`` range (no
national code starts with 9), a name starting with ``[Tổng hợp]`` ("synthetic"), result codes
``KQ.Z99.*`` and ``source = "synthetic:seed=<seed>"``. The split and spreads follow the
province's published figures (958 partly online, 657 fully online, 205 information-only).
"""

from __future__ import annotations

import random

from bpmn.catalog.entry import CatalogueEntry, ChannelTerms, Deadline, RequiredDocument

SPLIT = {"partial": 958, "full": 657, "info": 205}
LABEL = "[Tổng hợp]"
CODE_PREFIX = "9."

# (field, competent agency, typical partners) — fields of a provincial catalogue.
FIELDS = [
    ("Hộ tịch", "Ủy ban nhân dân cấp xã", ["civil_status", "population"]),
    ("Cư trú", "Công an cấp xã", ["population"]),
    ("Đăng ký doanh nghiệp", "Sở Tài chính", ["business_registration", "tax"]),
    ("Đất đai", "Văn phòng đăng ký đất đai", ["land", "tax"]),
    ("Hoạt động xây dựng", "Sở Xây dựng", ["land"]),
    ("Lý lịch tư pháp", "Sở Tư pháp", ["judicial_records", "population"]),
    ("Chứng thực", "Ủy ban nhân dân cấp xã", []),
    ("Bảo hiểm xã hội", "Bảo hiểm xã hội tỉnh", ["social_insurance"]),
    ("Giáo dục và đào tạo", "Sở Giáo dục và Đào tạo", []),
    ("Y tế", "Sở Y tế", []),
    ("Giao thông vận tải", "Sở Xây dựng", []),
    ("Môi trường", "Sở Nông nghiệp và Môi trường", []),
    ("Văn hóa", "Sở Văn hóa, Thể thao và Du lịch", []),
    ("Lao động", "Sở Nội vụ", ["social_insurance"]),
    ("Thuế", "Thuế tỉnh", ["tax"]),
]
ACTIONS = ["Cấp", "Cấp lại", "Cấp đổi", "Điều chỉnh", "Gia hạn", "Đăng ký", "Xác nhận",
           "Thu hồi", "Công nhận", "Thẩm định"]  # fmt: skip
OBJECTS = ["giấy phép", "giấy chứng nhận", "chứng chỉ hành nghề", "văn bản chấp thuận",
           "giấy xác nhận", "quyết định", "thông báo"]  # fmt: skip
DOCUMENTS = ["Tờ khai theo mẫu", "Đơn đề nghị", "Bản sao giấy tờ tùy thân",
             "Giấy chứng nhận đăng ký doanh nghiệp", "Bản vẽ thiết kế", "Văn bản ủy quyền",
             "Giấy tờ chứng minh nơi cư trú", "Báo cáo kết quả hoạt động",
             "Hợp đồng", "Biên bản kiểm tra", "Giấy chứng nhận quyền sử dụng đất",
             "Ảnh chân dung 4x6"]  # fmt: skip
DEADLINES = [(1, 14), (3, 16), (5, 18), (7, 10), (10, 14), (15, 12), (20, 8), (30, 5), (45, 3)]
FEES = [(0, 60), (20_000, 6), (50_000, 10), (100_000, 9), (200_000, 6), (500_000, 5),
        (1_000_000, 4)]  # fmt: skip
LEVELS = [(["commune"], 30), (["province"], 48), (["district"], 10), (["province", "commune"], 12)]


def split_for(n: int) -> dict[str, int]:
    """Scale the 958/657/205 split to ``n`` procedures (exact for n = 1,820)."""
    total = sum(SPLIT.values())
    counts = {m: n * c // total for m, c in SPLIT.items()}
    counts["partial"] += n - sum(counts.values())
    return counts


def _pick(rng: random.Random, weighted: list[tuple]) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def generate_synthetic(n: int = 1820, seed: int = 2024) -> list[CatalogueEntry]:
    """Return ``n`` labelled synthetic entries; the same seed gives the same catalogue."""
    if not 0 < n <= 999_999:
        raise ValueError(f"n must be between 1 and 999999, got {n}")
    rng = random.Random(seed)
    modes = [m for m, c in split_for(n).items() for _ in range(c)]
    rng.shuffle(modes)
    return [_entry(i + 1, mode, rng, seed) for i, mode in enumerate(modes)]


def _entry(number: int, mode: str, rng: random.Random, seed: int) -> CatalogueEntry:
    fld, agency, field_partners = rng.choice(FIELDS)
    name = f"{LABEL} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)} lĩnh vực {fld.lower()} số {number}"
    amount = float(_pick(rng, DEADLINES))
    fee = int(_pick(rng, FEES))
    kinds = (
        ["online", "post", "direct"]
        if mode == "full"
        else rng.choice([["direct"], ["direct", "post"], ["online", "post", "direct"]])
    )
    channels = [
        ChannelTerms(
            ch,
            Deadline(amount, "working_days", f"{int(amount)} ngày làm việc"),
            "Miễn phí" if fee == 0 else f"{fee:,} đồng",
            fee,
        )
        for ch in kinds
    ]
    documents = [
        RequiredDocument(
            name,
            originals=rng.choice([1, 1, 1, 2]) if rng.random() < 0.7 else None,
            copies=None if rng.random() < 0.7 else 1,
            form_name="Mẫu số 01" if name.startswith(("Tờ khai", "Đơn")) else None,
        )
        for name in rng.sample(DOCUMENTS, rng.randint(1, 6))
    ]
    partners = list(field_partners) if rng.random() < 0.5 else []
    coordinating = ["Cơ quan thuế"] if "tax" in partners else []
    return CatalogueEntry(
        code=f"{CODE_PREFIX}{number:06d}",
        name=name,
        field=fld,
        level=list(_pick(rng, LEVELS)),
        mode=mode,
        issuing_agency="(tổng hợp)",
        competent_agency=agency,
        coordinating_agencies=coordinating,
        channels=channels,
        documents=documents,
        results=[f"{LABEL} Kết quả số {number}"],
        result_codes=[f"KQ.Z99.{number:06d}"],
        partners=partners if mode != "info" else [],
        source=f"synthetic:seed={seed}",
        synthetic=True,
    )
