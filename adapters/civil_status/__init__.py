"""Talk to the electronic civil-status registry: births, deaths, marriage status."""

from __future__ import annotations

from adapters import validation as v
from adapters.declare import operations, read, write
from adapters.http import HttpAdapter, lazy


class CivilStatusAdapter(HttpAdapter):
    name = "civil_status"
    title = "CSDL hộ tịch điện tử (civil-status registry)"
    install_simulator = staticmethod(lazy("adapters.civil_status.simulator"))
    operations = operations(
        write(
            "register_birth",
            "Đăng ký khai sinh: cấp số định danh cá nhân cho trẻ và trích lục khai sinh điện tử",
            "/births",
            {
                "child_name": v.text,
                "sex": v.sex,
                "date_of_birth": v.iso_date,
                "place_of_birth": v.text,
                "commune_code": v.commune,
                "mother_id": v.personal_id,
            },
            {"father_id": v.personal_id},
        ),
        write(
            "register_death",
            "Đăng ký khai tử: trích lục khai tử điện tử",
            "/deaths",
            {
                "deceased_id": v.personal_id,
                "date_of_death": v.iso_date,
                "place_of_death": v.text,
                "commune_code": v.commune,
            },
            {"declarant_id": v.personal_id},
        ),
        read(
            "marriage_status",
            "Tra cứu tình trạng hôn nhân (độc thân, đã kết hôn, đã ly hôn, góa)",
            "/marriage-status/{personal_id}",
            {"personal_id": v.personal_id},
        ),
    )
