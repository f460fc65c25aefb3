"""Talk to the tax authority: obligation notices for land transfers and new enterprises."""

from __future__ import annotations

from adapters import validation as v
from adapters.http import HttpAdapter, lazy
from adapters.protocol import Operation


class TaxAdapter(HttpAdapter):
    name = "tax"
    title = "Hệ thống quản lý thuế (tax authority)"
    install_simulator = staticmethod(lazy("adapters.tax.simulator"))
    operations = {
        "land_obligations": Operation(
            "land_obligations",
            "Issue the tax and fee notice for a land-use right transfer",
            safe=False,
            method="POST",
            path="/notices/land",
            validate=v.params(
                {
                    "commune_code": v.commune,
                    "map_sheet": v.positive_int,
                    "parcel_no": v.positive_int,
                    "seller_id": v.personal_id,
                    "buyer_id": v.personal_id,
                    "declared_price": v.money,
                    "state_value": v.money,
                    "kind": v.one_of("transfer", "gift", "inheritance"),
                },
                {"family": v.one_of("yes", "no")},
            ),
        ),
        "business_obligations": Operation(
            "business_obligations",
            "Issue the licence-fee notice for a newly registered enterprise or branch",
            safe=False,
            method="POST",
            path="/notices/business",
            validate=v.params(
                {"enterprise_code": v.enterprise_code, "charter_capital": v.money},
                {"registered_on": v.iso_date},
            ),
        ),
    }
