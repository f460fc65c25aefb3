"""Talk to the national population database: citizens and permanent residence."""

from __future__ import annotations

from adapters import validation as v
from adapters.http import HttpAdapter, lazy
from adapters.protocol import Operation


class PopulationAdapter(HttpAdapter):
    name = "population"
    title = "CSDL quốc gia về dân cư (population database)"
    install_simulator = staticmethod(lazy("adapters.population.simulator"))
    operations = {
        "lookup_citizen": Operation(
            "lookup_citizen",
            "Look up a citizen by 12-digit personal ID",
            safe=True,
            path="/citizens/{personal_id}",
            validate=v.params({"personal_id": v.personal_id}),
        ),
        "register_residence": Operation(
            "register_residence",
            "Register permanent residence (newborns: give their birth data)",
            safe=False,
            method="POST",
            path="/residences",
            validate=v.params(
                {"personal_id": v.personal_id, "commune_code": v.commune, "address_detail": v.text},
                {
                    "full_name": v.text,
                    "sex": v.sex,
                    "date_of_birth": v.iso_date,
                    "birth_extract_no": v.text,
                },
            ),
        ),
        "deregister_residence": Operation(
            "deregister_residence",
            "Deregister permanent residence (death, move abroad, other)",
            safe=False,
            method="POST",
            path="/residences/deregistrations",
            validate=v.params(
                {
                    "personal_id": v.personal_id,
                    "reason": v.one_of("death", "moved_abroad", "other"),
                },
                {"reference": v.text},
            ),
        ),
    }
