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
            "Register a birth: the child's personal ID and an electronic birth extract",
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
            "Register a death: an electronic death extract",
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
            "Look up a person's marriage status (single, married, divorced, widowed)",
            "/marriage-status/{personal_id}",
            {"personal_id": v.personal_id},
        ),
    )
