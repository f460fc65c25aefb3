"""Generate one deterministic population, with its land and enterprises, for every simulator.

Each simulator seeds its own database from the same `world(seed, people)`, so a citizen the
population simulator knows is the same person who owns a parcel or represents an enterprise.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from adapters.identifiers import personal_id, tax_check_digit
from adapters.sim.places import BIRTH_PROVINCES, COMMUNES, address

WORLD_DATE = date(2025, 1, 1)  # "today" of the generated world, so ages never drift

FAMILY = {
    "Nguyễn": 38,
    "Trần": 11,
    "Lê": 10,
    "Phạm": 7,
    "Huỳnh": 5,
    "Hoàng": 3,
    "Phan": 4,
    "Võ": 4,
    "Vũ": 2,
    "Đặng": 2,
    "Bùi": 2,
    "Đỗ": 1.5,
    "Hồ": 1.5,
    "Ngô": 1.3,
    "Dương": 1,
    "Lý": 0.5,
    "Trương": 1.2,
    "Đinh": 0.8,
}
MIDDLE = {
    "M": ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Gia", "Hoàng"),
    "F": ("Thị", "Ngọc", "Thu", "Thanh", "Kim", "Bảo", "Mỹ", "Thùy", "Khánh"),
}
GIVEN = {
    "M": (
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Hải",
        "Hùng",
        "Khang",
        "Long",
        "Minh",
        "Nam",
        "Phúc",
        "Quang",
        "Sơn",
        "Tài",
        "Thắng",
        "Trung",
        "Tuấn",
        "Việt",
        "Vinh",
        "Hiếu",
        "Khoa",
        "Huy",
        "Phát",
        "Lộc",
        "Toàn",
    ),
    "F": (
        "Anh",
        "Chi",
        "Dung",
        "Hà",
        "Hạnh",
        "Hương",
        "Lan",
        "Linh",
        "Mai",
        "Ngọc",
        "Nhung",
        "Oanh",
        "Phương",
        "Quỳnh",
        "Thảo",
        "Trang",
        "Uyên",
        "Vy",
        "Yến",
        "Hoa",
        "Trâm",
        "Nhi",
        "Tâm",
        "Diễm",
        "Hằng",
    ),
}
TRADES = (
    "Thương mại Dịch vụ",
    "Xây dựng",
    "Cơ khí",
    "Gỗ",
    "Dệt may",
    "Logistics",
    "Thực phẩm",
    "Điện tử",
    "Bao bì",
    "Nội thất",
    "Vận tải",
    "Công nghệ",
)
BRANDS = (
    "Phú Cường",
    "Sông Bé",
    "Thủ Dầu",
    "Minh Phát",
    "Đại Nam",
    "Tân Phước",
    "Hòa Lợi",
    "Bình An",
    "Lái Thiêu",
    "Hưng Thịnh",
    "Việt Tín",
    "Sao Mai",
    "Kim Long",
)
SUFFIXES = ("", " Bình Dương", " Việt Nam", " Miền Nam", " Quốc tế", " Sài Gòn")
LAND_USES = {"ODT": 0.55, "ONT": 0.15, "CLN": 0.2, "LUC": 0.1}  # urban, rural, perennial, rice


@dataclass
class Person:
    personal_id: str
    full_name: str
    sex: str
    date_of_birth: date
    birth_province: str
    household_id: int
    commune_code: str
    address: str
    relation: str  # head | spouse | child
    spouse_id: str | None = None
    father_id: str | None = None
    mother_id: str | None = None
    social_insurance_code: str | None = None


@dataclass
class Parcel:
    commune_code: str
    map_sheet: int
    parcel_no: int
    area_m2: float
    land_use: str
    owner_id: str
    certificate_no: str
    address: str


@dataclass
class Enterprise:
    code: str
    name: str
    kind: str
    charter_capital: int
    representative_id: str
    address: str
    registered_on: date
    status: str
    branches: list[str] = field(default_factory=list)


@dataclass
class World:
    people: list[Person]
    parcels: list[Parcel]
    enterprises: list[Enterprise]


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serials: set[str] = set()
        self.household = 0

    def pick(self, weights: dict) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def person(
        self, sex: str, born: date, family: str, hh: int, commune: str, addr: str, relation: str
    ) -> Person:
        province = self.pick(BIRTH_PROVINCES)
        while True:
            pid = personal_id(born.year, sex, province, self.rng.randrange(1, 1_000_000))
            if pid not in self.serials:
                self.serials.add(pid)
                break
        name = f"{family} {self.rng.choice(MIDDLE[sex])} {self.rng.choice(GIVEN[sex])}"
        return Person(pid, name, sex, born, province, hh, commune, addr, relation)

    def birthday(self, low: int, high: int) -> date:
        return WORLD_DATE - timedelta(days=self.rng.randrange(low * 365, high * 365))

    def household_members(self) -> list[Person]:
        self.household += 1
        hh = self.household
        commune = self.rng.choice(list(COMMUNES))
        addr = address(commune, self.rng.randrange(1, 400), self.rng.randrange(3))
        family = self.pick(FAMILY)
        head_sex = "M" if self.rng.random() < 0.7 else "F"
        head = self.person(head_sex, self.birthday(24, 80), family, hh, commune, addr, "head")
        members = [head]
        if self.rng.random() < 0.75:
            other = "F" if head_sex == "M" else "M"
            age = max(20, (WORLD_DATE.year - head.date_of_birth.year) + self.rng.randint(-6, 4))
            spouse_family = self.pick(FAMILY)
            spouse = self.person(
                other, self.birthday(age - 1, age + 1), spouse_family, hh, commune, addr, "spouse"
            )
            head.spouse_id, spouse.spouse_id = spouse.personal_id, head.personal_id
            members.append(spouse)
            father, mother = (head, spouse) if head_sex == "M" else (spouse, head)
            youngest_parent = min(WORLD_DATE.year - p.date_of_birth.year for p in members)
            for _ in range(self.rng.choice((0, 1, 1, 2, 2, 3))):
                sex = self.rng.choice("MF")
                child = self.person(
                    sex,
                    self.birthday(0, max(1, youngest_parent - 19)),
                    father.full_name.split()[0],
                    hh,
                    commune,
                    addr,
                    "child",
                )
                child.father_id, child.mother_id = father.personal_id, mother.personal_id
                members.append(child)
        for p in members:
            if WORLD_DATE.year - p.date_of_birth.year >= 18 and self.rng.random() < 0.8:
                p.social_insurance_code = f"{p.birth_province[1:]}{self.rng.randrange(10**8):08d}"
        return members

    def parcels(self, people: list[Person]) -> list[Parcel]:
        heads = [p for p in people if p.relation == "head"]
        taken: set[tuple] = set()
        parcels = []
        for owner in heads:
            for _ in range(self.rng.choice((0, 1, 1, 1, 2))):
                commune = (
                    owner.commune_code
                    if self.rng.random() < 0.7
                    else self.rng.choice(list(COMMUNES))
                )
                key = (commune, self.rng.randrange(1, 60), self.rng.randrange(1, 400))
                if key in taken:
                    continue
                taken.add(key)
                use = self.pick(LAND_USES)
                area = (
                    self.rng.uniform(50, 400)
                    if use in ("ODT", "ONT")
                    else self.rng.uniform(500, 6000)
                )
                serial = (
                    f"{self.rng.choice(('CS', 'DA', 'DB', 'CT'))} {self.rng.randrange(10**6):06d}"
                )
                addr = address(commune, self.rng.randrange(1, 600), self.rng.randrange(3))
                parcels.append(
                    Parcel(
                        commune,
                        key[1],
                        key[2],
                        round(area, 1),
                        use,
                        owner.personal_id,
                        serial,
                        addr,
                    )
                )
        return parcels

    def enterprise_code(self) -> str:
        while True:
            first9 = f"37{self.rng.randrange(10**7):07d}"  # 37: Bình Dương's code block
            check = tax_check_digit(first9)
            if check is not None and first9 + str(check) not in self.serials:
                self.serials.add(first9 + str(check))
                return first9 + str(check)

    def enterprises(self, people: list[Person], count: int) -> list[Enterprise]:
        adults = [p for p in people if WORLD_DATE.year - p.date_of_birth.year >= 22]
        result, names = [], set()
        for _ in range(count):
            kind = self.rng.choice(("Công ty TNHH", "Công ty TNHH MTV", "Công ty Cổ phần"))
            name = f"{kind} {self.rng.choice(TRADES)} {self.rng.choice(BRANDS)}"
            for suffix in SUFFIXES:
                if name + suffix not in names:
                    name += suffix
                    break
            else:
                name += f" {len(names)}"
            names.add(name)
            code = self.enterprise_code()
            branches = [f"{code}-{n:03d}" for n in range(1, self.rng.choice((1, 1, 1, 2, 3)))]
            commune = self.rng.choice(list(COMMUNES))
            result.append(
                Enterprise(
                    code,
                    name,
                    kind,
                    self.rng.choice((1, 2, 5, 10, 20, 50)) * 1_000_000_000,
                    self.rng.choice(adults).personal_id,
                    address(commune, self.rng.randrange(1, 900), self.rng.randrange(3)),
                    WORLD_DATE - timedelta(days=self.rng.randrange(30, 20 * 365)),
                    self.rng.choices(("active", "suspended", "dissolved"), (90, 6, 4))[0],
                    branches,
                )
            )
        return result


@functools.lru_cache(maxsize=4)
def world(seed: int, people: int) -> World:
    """Generate (once per process) the people, parcels and enterprises for this seed."""
    gen = _Generator(seed)
    persons: list[Person] = []
    while len(persons) < people:
        persons.extend(gen.household_members())
    persons = [p for p in persons if p.household_id <= persons[people - 1].household_id]
    return World(persons, gen.parcels(persons), gen.enterprises(persons, max(10, people // 5)))
