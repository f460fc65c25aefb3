"""Talk to social insurance (BHXH): health cards for children under 6, funeral allowance."""

from __future__ import annotations

from adapters import validation as v
from adapters.declare import operations, write
from adapters.http import HttpAdapter, lazy


class SocialInsuranceAdapter(HttpAdapter):
    name = "social_insurance"
    title = "Bảo hiểm xã hội Việt Nam (social insurance)"
    install_simulator = staticmethod(lazy("adapters.social_insurance.simulator"))
    operations = operations(
        write(
            "issue_child_health_card",
            "Cấp thẻ bảo hiểm y tế miễn phí cho trẻ dưới 6 tuổi",
            "/health-cards",
            {
                "personal_id": v.personal_id,
                "full_name": v.text,
                "date_of_birth": v.iso_date,
                "commune_code": v.commune,
            },
            {"on_date": v.iso_date},
        ),
        write(
            "funeral_allowance",
            "Giải quyết trợ cấp mai táng cho người tham gia bảo hiểm đã chết",
            "/funeral-allowances",
            {
                "deceased_id": v.personal_id,
                "date_of_death": v.iso_date,
                "claimant_id": v.personal_id,
                "death_extract_no": v.text,
            },
        ),
    )
