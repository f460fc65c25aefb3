"""Talk to social insurance (BHXH): health cards for children under 6, funeral allowance."""

from __future__ import annotations

from adapters import validation as v
from adapters.http import HttpAdapter, lazy
from adapters.protocol import Operation


class SocialInsuranceAdapter(HttpAdapter):
    name = "social_insurance"
    title = "Bảo hiểm xã hội Việt Nam (social insurance)"
    install_simulator = staticmethod(lazy("adapters.social_insurance.simulator"))
    operations = {
        "issue_child_health_card": Operation(
            "issue_child_health_card",
            "Issue the free health-insurance card of a child under 6",
            safe=False,
            method="POST",
            path="/health-cards",
            validate=v.params(
                {
                    "personal_id": v.personal_id,
                    "full_name": v.text,
                    "date_of_birth": v.iso_date,
                    "commune_code": v.commune,
                },
                {"on_date": v.iso_date},
            ),
        ),
        "funeral_allowance": Operation(
            "funeral_allowance",
            "Grant the funeral allowance for an insured person who died",
            safe=False,
            method="POST",
            path="/funeral-allowances",
            validate=v.params(
                {
                    "deceased_id": v.personal_id,
                    "date_of_death": v.iso_date,
                    "claimant_id": v.personal_id,
                    "death_extract_no": v.text,
                }
            ),
        ),
    }
