"""Talk to the national business registration system: enterprises and certificates."""

from __future__ import annotations

from adapters import validation as v
from adapters.http import HttpAdapter, lazy
from adapters.protocol import Operation

KINDS = ("Công ty TNHH", "Công ty TNHH MTV", "Công ty Cổ phần", "Doanh nghiệp tư nhân")


class BusinessAdapter(HttpAdapter):
    name = "business"
    title = "Hệ thống thông tin quốc gia về đăng ký doanh nghiệp (business registration)"
    install_simulator = staticmethod(lazy("adapters.business.simulator"))
    operations = {
        "lookup_enterprise": Operation(
            "lookup_enterprise",
            "Look up an enterprise (10 digits) or a branch (NNNNNNNNNN-NNN)",
            safe=True,
            path="/enterprises/{enterprise_code}",
            validate=v.params({"enterprise_code": v.enterprise_code}),
        ),
        "register_enterprise": Operation(
            "register_enterprise",
            "Register a new enterprise; returns its code (also its tax code)",
            safe=False,
            method="POST",
            path="/enterprises",
            validate=v.params(
                {
                    "name": v.text,
                    "kind": v.one_of(*KINDS),
                    "charter_capital": v.money,
                    "representative_id": v.personal_id,
                    "commune_code": v.commune,
                    "address_detail": v.text,
                },
                {"business_lines": v.text},
            ),
        ),
        "get_certificate": Operation(
            "get_certificate",
            "Return the enterprise registration certificate",
            safe=True,
            path="/enterprises/{enterprise_code}/certificate",
            validate=v.params({"enterprise_code": v.enterprise_code}),
        ),
    }
