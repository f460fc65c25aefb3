"""Valid dossiers for the four liên thông flows, and what each officer enters along the way.

The declarations come from the simulators' world (`adapters.sim.world`), so every registry
call a flow makes meets a person, parcel or household that registry knows. `STEPS` is the
form each officer fills on the path where every agency says yes; `RESULTS` the registry
writes that path records. `Dossiers` hands out many dossiers of each flow for a load run,
using each one-time party (a deceased person, a parcel sold) only once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from adapters.sim.world import WORLD_DATE, Parcel, Person, World
from bpmn.flows import birth, death, enterprise, land
from bpmn.flows.province import counter, receiving


def documents(*names: str) -> dict[str, bool]:
    """The counter's ticks: each named document was handed over and checked."""
    return dict.fromkeys(names, True)


#: procedure code → user task → the form data that moves the dossier on when all say yes
STEPS: dict[str, dict[str, dict[str, Any]]] = {
    birth.CODE: {
        "receive": {"documents": documents("to_khai_lien_thong", "giay_chung_sinh")},
        "appraise_birth": {"opinion": "Tờ khai đầy đủ, đúng quy định"},
        "sign_birth": {"opinion": "Đồng ý", "result_number": "KS-125/2026"},
        "police_residence": {"residence_result": "registered"},
        "return_result": {},
    },
    death.CODE: {
        "receive": {"documents": documents("to_khai_lien_thong", "giay_bao_tu")},
        "appraise_death": {"opinion": "Đủ điều kiện đăng ký khai tử"},
        "sign_death": {"opinion": "Đồng ý", "result_number": "KT-07/2026"},
        "police_deregister": {"deregister_result": "deregistered"},
        "return_result": {},
    },
    enterprise.CODE: {
        "receive": {"documents": documents("giay_de_nghi", "dieu_le")},
        "appraise": {"opinion": "Hồ sơ hợp lệ; tên không trùng"},
        "approve": {"opinion": "Đồng ý", "result_number": "GCN-0001"},
        "si_register": {"si_result": "registered", "si_unit_code": "TA1234567"},
        "return_result": {},
    },
    land.CODE: {
        "receive": {
            "documents": documents("hop_dong", "giay_chung_nhan", "to_khai_tncn", "to_khai_lptb")
        },
        "appraise_land": {"opinion": "Hợp đồng hợp lệ, thửa đất không tranh chấp"},
        "tax_review": {"transfer_info_no": "19/PCTT-2026"},
        "confirm_payment": {"receipt_no": "BL-0099"},
        "sign_certificate": {"opinion": "Đồng ý", "result_number": "CS-01"},
        "return_result": {},
    },
}
#: procedure code → the registry operations its happy path completes, one job each
RESULTS: dict[str, tuple[str, ...]] = {
    birth.CODE: (birth.BIRTH, birth.CARD, birth.RESIDENCE),
    death.CODE: (death.DEATH, death.FUNERAL, death.DEREGISTER),
    enterprise.CODE: (enterprise.LOOKUP, enterprise.REGISTER, enterprise.FEE),
    land.CODE: (land.LOOKUP, land.OBLIGATIONS, land.TRANSFER),
}


# -- who the world offers -------------------------------------------------------------------
def fathers(world: World) -> list[Person]:
    """Married heads of household old enough to declare a child's birth."""
    return [
        p for p in world.people
        if p.sex == "M" and p.relation == "head" and p.spouse_id
        and WORLD_DATE.year - p.date_of_birth.year >= 25
    ]  # fmt: skip


def insured_elders(world: World) -> list[Person]:
    """People over 45 with a social insurance record: their funeral allowance is granted."""
    return [
        p for p in world.people
        if p.social_insurance_code and WORLD_DATE.year - p.date_of_birth.year > 45
    ]  # fmt: skip


def uninsured(world: World) -> Person:
    """An adult with no social insurance record: the funeral allowance is refused."""
    return next(
        p for p in world.people
        if not p.social_insurance_code and WORLD_DATE.year - p.date_of_birth.year > 30
    )  # fmt: skip


# -- declarations ----------------------------------------------------------------------------
def birth_declaration(father: Person, *, born: date) -> dict[str, Any]:
    """A son born on ``born`` to ``father`` (one of `fathers`) and his wife."""
    return {
        "child": {"full_name": f"{father.full_name.split()[0]} Gia Bảo", "sex": "M",
                  "date_of_birth": born.isoformat(),
                  "place_of_birth": "Bệnh viện Đa khoa tỉnh Bình Dương"},
        "commune_code": father.commune_code,
        "address_detail": "Số 12, Đường Yersin",
        "mother_id": father.spouse_id,
        "father_id": father.personal_id,
    }  # fmt: skip


def death_declaration(deceased: Person, claimant: Person, *, died: date) -> dict[str, Any]:
    return {
        "deceased_id": deceased.personal_id,
        "date_of_death": died.isoformat(),
        "place_of_death": "Tại nhà",
        "commune_code": deceased.commune_code,
        "claimant_id": claimant.personal_id,
    }


def enterprise_registration(owner: Person, name: str) -> dict[str, Any]:
    """A single-member company of ``owner``; ``name`` must be new to the business registry."""
    return {"name": f"Công ty TNHH MTV {name}", "kind": "Công ty TNHH MTV",
            "charter_capital": 2_000_000_000, "owner_id": owner.personal_id,
            "commune_code": "25920", "address_detail": "Số 8, Đường Trần Hưng Đạo"}  # fmt: skip


def land_transfer(parcel: Parcel, buyer: Person) -> dict[str, Any]:
    """The holder of ``parcel`` sells it to ``buyer``."""
    return {"commune_code": parcel.commune_code, "map_sheet": parcel.map_sheet,
            "parcel_no": parcel.parcel_no, "seller_id": parcel.owner_id,
            "buyer_id": buyer.personal_id, "declared_price": 1_500_000_000,
            "kind": "transfer"}  # fmt: skip


# -- many dossiers for a load run --------------------------------------------------------------
@dataclass(frozen=True)
class Submission:
    """What the counter submits: the procedure, the applicant, the declaration, who and where."""

    code: str
    applicant: dict[str, Any]
    data: dict[str, Any]
    agency_code: str
    actor: str

    def submit(self, engine) -> Any:  # noqa: ANN001 - an engine.runtime.Engine
        return engine.submit(self.code, applicant=self.applicant, data=self.data,
                             agency_code=self.agency_code, actor=self.actor)  # fmt: skip


class Dossiers:
    """The ``nth`` dossier of each flow, valid against registries seeded with ``world``.

    A birth or an enterprise may repeat its parties; a death and a land sale may not (the
    registries refuse a second death or a seller who no longer holds the parcel), so those
    draw from pools used once each, kept apart from the parents and buyers.
    """

    def __init__(self, world: World, today: date) -> None:
        self.today = today
        self.parents = fathers(world)
        busy = {p.personal_id for p in self.parents} | {p.spouse_id for p in self.parents}
        busy |= {parcel.owner_id for parcel in world.parcels}
        self.deceased = [p for p in insured_elders(world) if p.personal_id not in busy]
        busy |= {p.personal_id for p in self.deceased}
        self.claimants = [p for p in world.people if p.personal_id not in busy]
        self.parcels = world.parcels
        self._makers = {birth.CODE: self._birth, death.CODE: self._death,
                        enterprise.CODE: self._enterprise, land.CODE: self._land}  # fmt: skip

    def capacity(self) -> int:
        """How many dossiers of each flow this world can take."""
        return min(len(self.deceased), len(self.parcels))

    def submission(self, code: str, nth: int) -> Submission:
        """The ``nth`` dossier of flow ``code`` (deaths and land sales: below `capacity`)."""
        applicant, data = self._makers[code](nth)
        agency = receiving(code)
        return Submission(code, {"full_name": applicant.full_name}, data, agency, counter(agency))

    def _birth(self, nth: int) -> tuple[Person, dict[str, Any]]:
        father = self.parents[nth % len(self.parents)]
        return father, birth_declaration(father, born=self.today - timedelta(days=10))

    def _death(self, nth: int) -> tuple[Person, dict[str, Any]]:
        deceased, claimant = self.deceased[nth], self.claimants[nth % len(self.claimants)]
        return claimant, death_declaration(deceased, claimant, died=self.today - timedelta(days=2))

    def _enterprise(self, nth: int) -> tuple[Person, dict[str, Any]]:
        owner = self.parents[nth % len(self.parents)]
        return owner, enterprise_registration(owner, f"Dịch vụ Phú Cường {nth + 1}")

    def _land(self, nth: int) -> tuple[Person, dict[str, Any]]:
        parcel = self.parcels[nth]
        buyer = next(
            p for k in range(nth, nth + 3)
            if (p := self.parents[k % len(self.parents)]).personal_id != parcel.owner_id
        )  # fmt: skip
        return buyer, land_transfer(parcel, buyer)
