"""Talk to the electronic civil-status registry: births, deaths, marriage status."""

from __future__ import annotations

from adapters import validation as v
from adapters.http import HttpAdapter, lazy
from adapters.protocol import Operation


class CivilStatusAdapter(HttpAdapter):
    name = "civil_status"
    title = "CSDL hộ tịch điện tử (civil-status registry)"
    install_simulator = staticmethod(lazy("adapters.civil_status.simulator"))
    operations = {
        "register_birth": Operation(
            "register_birth",
            "Register a birth: the child's personal ID and an electronic birth extract",
            safe=False,
            method="POST",
            path="/births",
            validate=v.params(
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
        ),
        "register_death": Operation(
            "register_death",
            "Register a death: an electronic death extract",
            safe=False,
            method="POST",
            path="/deaths",
            validate=v.params(
                {
                    "deceased_id": v.personal_id,
                    "date_of_death": v.iso_date,
                    "place_of_death": v.text,
                    "commune_code": v.commune,
                },
                {"declarant_id": v.personal_id},
            ),
        ),
        "marriage_status": Operation(
            "marriage_status",
            "Look up a person's marriage status (single, married, divorced, widowed)",
            safe=True,
            path="/marriage-status/{personal_id}",
            validate=v.params({"personal_id": v.personal_id}),
        ),
    }
