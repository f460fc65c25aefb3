"""Talk to the national population database: citizens and permanent residence."""

from __future__ import annotations

from adapters import validation as v
from adapters.declare import operations, read, write
from adapters.http import HttpAdapter, lazy


class PopulationAdapter(HttpAdapter):
    name = "population"
    title = "CSDL quốc gia về dân cư (population database)"
    install_simulator = staticmethod(lazy("adapters.population.simulator"))
    operations = operations(
        read(
            "lookup_citizen",
            "Tra cứu công dân theo số định danh cá nhân 12 chữ số",
            "/citizens/{personal_id}",
            {"personal_id": v.personal_id},
        ),
        write(
            "register_residence",
            "Đăng ký thường trú (trẻ mới sinh: kèm thông tin khai sinh)",
            "/residences",
            {"personal_id": v.personal_id, "commune_code": v.commune, "address_detail": v.text},
            {
                "full_name": v.text,
                "sex": v.sex,
                "date_of_birth": v.iso_date,
                "birth_extract_no": v.text,
            },
        ),
        write(
            "deregister_residence",
            "Xóa đăng ký thường trú (chết, ra nước ngoài định cư, lý do khác)",
            "/residences/deregistrations",
            {"personal_id": v.personal_id, "reason": v.one_of("death", "moved_abroad", "other")},
            {"reference": v.text},
        ),
    )
