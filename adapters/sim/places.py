"""Hold the real places the generated people, parcels and enterprises live in."""

from __future__ import annotations

# Province codes as used in digits 1-3 of personal IDs (the 63 provinces before the 2025
# mergers; IDs issued earlier keep their code, so validation still accepts all of them).
# fmt: off
PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}
# fmt: on

# Where people were born (weights): mostly Bình Dương, with the usual migration sources.
BIRTH_PROVINCES = {
    "074": 50,
    "079": 10,
    "038": 8,
    "040": 8,
    "036": 5,
    "052": 5,
    "087": 5,
    "089": 5,
    "001": 4,
}

# Real wards and communes of Bình Dương (pre-2025 districts). The 5-digit codes are the
# simulator's own, in the national format (Decision 124/2004/QĐ-TTg); they are not official.
# code: (commune, district, street names used for addresses, land price per m² of ODT, VND)
COMMUNES: dict[str, tuple[str, str, tuple[str, ...], int]] = {
    "25741": (
        "Phường Phú Cường",
        "Thành phố Thủ Dầu Một",
        ("Đường Cách Mạng Tháng Tám", "Đường Bạch Đằng", "Đường Đinh Bộ Lĩnh"),
        38_000_000,
    ),
    "25744": (
        "Phường Hiệp Thành",
        "Thành phố Thủ Dầu Một",
        ("Đại lộ Bình Dương", "Đường Lê Hồng Phong", "Đường Nguyễn Thái Học"),
        30_000_000,
    ),
    "25747": (
        "Phường Chánh Nghĩa",
        "Thành phố Thủ Dầu Một",
        ("Đường Yersin", "Đường Trần Văn Ơn", "Đường Võ Thành Long"),
        28_000_000,
    ),
    "25750": (
        "Phường Phú Hòa",
        "Thành phố Thủ Dầu Một",
        ("Đường 30 Tháng 4", "Đường Phú Lợi", "Đường Lê Thị Trung"),
        25_000_000,
    ),
    "25753": (
        "Phường Phú Lợi",
        "Thành phố Thủ Dầu Một",
        ("Đường Huỳnh Văn Lũy", "Đường Phan Đăng Lưu"),
        20_000_000,
    ),
    "25756": (
        "Phường Định Hòa",
        "Thành phố Thủ Dầu Một",
        ("Đường Nguyễn Văn Linh", "Đường Lê Lợi", "Đường Hùng Vương"),
        15_000_000,
    ),
    "25759": (
        "Phường Tương Bình Hiệp",
        "Thành phố Thủ Dầu Một",
        ("Đường Nguyễn Chí Thanh", "Đường Trần Ngọc Lên"),
        9_000_000,
    ),
    "25920": (
        "Phường Dĩ An",
        "Thành phố Dĩ An",
        ("Đường Trần Hưng Đạo", "Đường Nguyễn An Ninh", "Đường Lý Thường Kiệt"),
        26_000_000,
    ),
    "25923": (
        "Phường Đông Hòa",
        "Thành phố Dĩ An",
        ("Đường Tân Lập", "Đường Nguyễn Du", "Đường Mồ Côi"),
        18_000_000,
    ),
    "25926": (
        "Phường Tân Đông Hiệp",
        "Thành phố Dĩ An",
        ("Đường Nguyễn Thị Minh Khai", "Đường ĐT743"),
        16_000_000,
    ),
    "25929": (
        "Phường An Bình",
        "Thành phố Dĩ An",
        ("Đường Quốc lộ 1K", "Đường Bình Đường"),
        17_000_000,
    ),
    "25960": (
        "Phường Lái Thiêu",
        "Thành phố Thuận An",
        ("Đường Nguyễn Văn Tiết", "Đường Phan Đình Phùng", "Đường Châu Văn Tiếp"),
        22_000_000,
    ),
    "25963": (
        "Phường An Phú",
        "Thành phố Thuận An",
        ("Đường ĐT743", "Đường An Phú 18"),
        14_000_000,
    ),
    "25966": (
        "Phường Thuận Giao",
        "Thành phố Thuận An",
        ("Đường Thủ Khoa Huân", "Đường Thuận Giao 21"),
        13_000_000,
    ),
    "25990": (
        "Phường Mỹ Phước",
        "Thị xã Bến Cát",
        ("Đường Quốc lộ 13", "Đường NA3", "Đường NE8"),
        9_000_000,
    ),
    "26010": ("Xã Phước Hòa", "Huyện Phú Giáo", ("Đường ĐT741", "Ấp 1B"), 2_500_000),
    "26030": ("Xã Minh Hòa", "Huyện Dầu Tiếng", ("Ấp Hòa Cường", "Ấp Hòa Lộc"), 1_200_000),
}

PROVINCE_CODE = "074"  # the province the simulators serve (Bình Dương)


def address(commune_code: str, house: int, street_index: int) -> str:
    """Write a full Vietnamese address: số nhà, đường, phường/xã, quận/huyện, tỉnh."""
    commune, district, streets, _ = COMMUNES[commune_code]
    street = streets[street_index % len(streets)]
    return f"Số {house}, {street}, {commune}, {district}, tỉnh {PROVINCES[PROVINCE_CODE]}"


def locality(commune_code: str) -> str:
    """Write the commune, district and province part of an address."""
    commune, district, _, _ = COMMUNES[commune_code]
    return f"{commune}, {district}, tỉnh {PROVINCES[PROVINCE_CODE]}"
